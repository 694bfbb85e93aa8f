"""A person's numbers, from the patient index's supersession links (ADR 44), held in memory: few rows."""

from __future__ import annotations

from collections import defaultdict

MAX_CHAIN = 64  # a longer chain of replacements (or a loop) is a data error; stop there


class Chains:
    def __init__(self, links: dict[str, str]) -> None:
        self._next = links
        self._replaced: dict[str, list[str]] = defaultdict(list)
        for old, new in links.items():
            self._replaced[new].append(old)

    def current(self, number: str) -> str:
        """The number at the end of `number`'s chain of replacements (itself for most people)."""
        seen = {number}
        for _ in range(MAX_CHAIN):
            following = self._next.get(number)
            if following is None or following in seen:
                break
            number = following
            seen.add(number)
        return number

    def members(self, current: str) -> list[str]:
        """`current` and every number that leads to it."""
        found, frontier = [current], [current]
        seen = {current}
        for _ in range(MAX_CHAIN):
            frontier = [old for n in frontier for old in self._replaced.get(n, ()) if old not in seen]
            if not frontier:
                break
            seen.update(frontier)
            found.extend(frontier)
        return found
