"""Reading the month of a date typed as day, month and year.

People type the month as a number ("9", "09") or in words ("Sept", "September", "sep."), as the
GOV.UK and NHS.UK date-input guidance says services must accept. Anything else is not a month.
"""

from __future__ import annotations

from typing import Final

MONTH_NAMES: Final = ("january", "february", "march", "april", "may", "june", "july", "august", "september",
                      "october", "november", "december")

_WORDS: Final[dict[str, int]] = {
    **{name: n for n, name in enumerate(MONTH_NAMES, start=1)},
    **{name[:3]: n for n, name in enumerate(MONTH_NAMES, start=1)},
    "sept": 9,
}


def parse_month(text: str) -> int | None:
    """The month 1 to 12 that `text` names, or None. Case, surrounding spaces and a final full stop do not
    matter; numbers are ASCII digits (one or two, "09" as well as "9")."""
    word = text.strip().lower().removesuffix(".").strip()
    if word.isascii() and word.isdigit():
        return int(word) if len(word) <= 2 and 1 <= int(word) <= 12 else None
    return _WORDS.get(word)
