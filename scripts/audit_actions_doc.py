"""Write the list of audit actions in docs/registry.md from the `AuditAction` enum.

    .venv/bin/python scripts/audit_actions_doc.py          # rewrite the list in place
    .venv/bin/python scripts/audit_actions_doc.py --check  # exit 1 when the doc is out of date

The list sits between two marker comments; the rest of the file is left as it is. A test
(tests/unit/domain/common/test_audit_actions.py) fails when the doc and the enum differ.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from ndop.domain.common.audit_actions import markdown_table

DOC = Path(__file__).resolve().parent.parent / "docs" / "registry.md"
BEGIN = "<!-- audit actions: generated from AuditAction by scripts/audit_actions_doc.py -->"
END = "<!-- end of audit actions -->"


def with_table(text: str, table: str) -> str:
    """`text` with the part between the markers replaced by `table`."""
    head, begin, rest = text.partition(BEGIN)
    _, end, tail = rest.partition(END)
    if not begin or not end:
        raise ValueError(f"{DOC.name} has no audit actions markers ({BEGIN} ... {END})")
    return f"{head}{BEGIN}\n{table}{END}{tail}"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="only say whether the doc is up to date")
    args = parser.parse_args(argv)
    current = DOC.read_text(encoding="utf-8")
    wanted = with_table(current, markdown_table())
    if args.check:
        if wanted != current:
            print(f"{DOC} is stale: run .venv/bin/python scripts/audit_actions_doc.py", file=sys.stderr)
            return 1
        return 0
    if wanted != current:
        DOC.write_text(wanted, encoding="utf-8")
        print(f"Wrote {DOC}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
