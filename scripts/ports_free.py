"""Before `make run` starts anything: is each port free? One line for each taken port, then exit 1.

    python scripts/ports_free.py 8000:PORT:"the web service" 8700:MESH_PORT:"the MESH sandbox"
"""

from __future__ import annotations

import sys

from ndop.cli.ports import why_taken


def main(args: list[str]) -> int:
    taken = 0
    for arg in args:
        port_text, _, rest = arg.partition(":")
        variable, _, what = rest.partition(":")
        if not port_text.isdigit() or not 0 < int(port_text) < 65536:
            print(f"Error: {variable or 'the port'} must be a port number (1 to 65535), not {port_text!r}.",
                  file=sys.stderr)
            return 2
        port = int(port_text)
        reason = why_taken("127.0.0.1", port)
        if reason is not None:
            print(f"Error: port {port} is taken ({reason}), so {what or 'the server'} cannot start: stop what uses "
                  f"it, or choose another port: make run {variable or 'PORT'}={port % 65535 + 1}", file=sys.stderr)
            taken += 1
    return 1 if taken else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
