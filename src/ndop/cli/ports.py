"""Is a port free to listen on? Asked before a server starts, so that a taken port is one clear line
rather than a server's retries and a traceback."""

from __future__ import annotations

import socket

from ndop.cli.common import fail


def why_taken(host: str, port: int) -> str | None:
    """None when `host:port` can be listened on now; otherwise the system's reason. SO_REUSEADDR as the
    servers set it, so that a port left in TIME_WAIT by a stopped server counts as free."""
    if port == 0:
        return None
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    with socket.socket(family, socket.SOCK_STREAM) as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind((host, port))
        except OSError as exc:
            return exc.strerror or str(exc)
    return None


def refuse_if_taken(host: str, port: int, *, what: str, setting: str) -> None:
    """Exit with one line naming the port, why, and the setting that chooses another."""
    reason = why_taken(host, port)
    if reason is not None:
        fail(f"Cannot start {what} on {host}:{port} ({reason}): is it already running? "
             f"Stop it, or choose another port: {setting}.")
