"""The opt-out snapshot: which NHS numbers a check removes, at one registry version.

A bitmap over the first nine digits of an NHS number (its tenth is the check digit, determined by
the nine): 10^9 bits, 125 MB, one bit test per row. A bit is set when the number's check must remove
it, that is when

- its own current choice is `opted_out` (the latest event wins; dead patients included), or
- the patient index marks it superseded, and the number at the end of its chain of replacements has
  `opted_out` as its current choice (the superseded number follows the replacement's choice, and its
  own earlier events no longer count).

Snapshots are immutable: bringing one up to date (`advanced`) returns a new snapshot (a copy of the
bitmap, about 40 ms), so a check running on the old one is never mixed with a newer version.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Final

import numpy as np
import numpy.typing as npt

from ndop.domain.check import kernels

KEY_SPACE: Final = 1_000_000_000  # first nine digits
BITMAP_BYTES: Final = KEY_SPACE // 8
MAX_CHAIN: Final = 64  # a longer chain of replacements (or a loop) is a data error; stop there


def key_of(nhs_number: str) -> int:
    """The bitmap key of a ten-digit NHS number: its first nine digits."""
    return int(nhs_number[:9])


def keys_of(nhs_numbers: Sequence[str]) -> npt.NDArray[np.int64]:
    if not nhs_numbers:
        return np.empty(0, np.int64)
    raw = np.frombuffer("".join(n[:9] for n in nhs_numbers).encode("ascii"), np.uint8).reshape(-1, 9)
    powers = 10 ** np.arange(8, -1, -1, dtype=np.int64)
    keys: npt.NDArray[np.int64] = (raw.astype(np.int64) - ord("0")) @ powers
    return keys


def empty_bitmap() -> npt.NDArray[np.uint8]:
    return np.zeros(BITMAP_BYTES, np.uint8)


@dataclass(frozen=True, slots=True)
class ChoiceChange:
    """A person touched by new events, as the snapshot needs it: whose, and whether their current choice
    (after those events, by the latest-made rule) is an opt-out."""

    key: int
    opted_out: bool


def _root(key: int, links: Mapping[int, int]) -> int:
    steps = 0
    while key in links and steps < MAX_CHAIN:
        key = links[key]
        steps += 1
    return key


@dataclass(frozen=True, slots=True, eq=False)
class OptOutSnapshot:
    bitmap: npt.NDArray[np.uint8] = field(repr=False)
    version: int  # the registry version (choice sequence) it reflects
    links_version: int  # the patient index's supersession counter it reflects
    links: Mapping[int, int] = field(repr=False)  # superseded key -> replacing key
    # Identifies the event at `version` in the database it was built from: a database that was
    # reset or restored to another history at the same version number does not match it.
    fingerprint: str = ""

    @classmethod
    def build(
        cls,
        opted_out: Iterable[npt.NDArray[np.int64]],
        links: Mapping[int, int],
        *,
        version: int,
        links_version: int,
        fingerprint: str = "",
        bitmap: npt.NDArray[np.uint8] | None = None,
    ) -> OptOutSnapshot:
        """A full build from the keys whose current choice is `opted_out`, in chunks."""
        bits = empty_bitmap() if bitmap is None else bitmap
        for chunk in opted_out:
            kernels.set_bits(bits, np.ascontiguousarray(chunk, np.int64), True)
        _apply_links(bits, links)
        bits.flags.writeable = False
        return cls(bits, version, links_version, dict(links), fingerprint)

    def removes(self, keys: npt.NDArray[np.int64]) -> npt.NDArray[np.bool_]:
        hits = np.empty(len(keys), np.uint8)
        kernels.test_bits(self.bitmap, np.ascontiguousarray(keys, np.int64), hits)
        return hits.astype(np.bool_)

    def removes_number(self, nhs_number: str) -> bool:
        key = key_of(nhs_number)
        return bool((int(self.bitmap[key >> 3]) >> (key & 7)) & 1)

    @property
    def count(self) -> int:
        return int(np.unpackbits(self.bitmap).sum())

    def advanced(self, changes: Iterable[ChoiceChange], *, version: int, fingerprint: str = "") -> OptOutSnapshot:
        """This snapshot with choice events after `self.version` up to `version` applied, in order."""
        latest: dict[int, bool] = {}
        for change in changes:
            latest.pop(change.key, None)
            latest[change.key] = change.opted_out
        bits = self.bitmap.copy()
        dependants = _dependants(self.links)
        on: list[int] = []
        off: list[int] = []
        for key, opted_out in latest.items():
            if key in self.links:
                continue  # a superseded number follows its replacement; its own events do not count
            target = on if opted_out else off
            target.append(key)
            target.extend(dependants.get(key, ()))
        kernels.set_bits(bits, np.array(off, np.int64), False)
        kernels.set_bits(bits, np.array(on, np.int64), True)
        bits.flags.writeable = False
        return OptOutSnapshot(bits, version, self.links_version, self.links, fingerprint)


def _dependants(links: Mapping[int, int]) -> dict[int, list[int]]:
    """For each number at the end of a chain, the superseded numbers that follow it."""
    result: dict[int, list[int]] = {}
    for old in links:
        result.setdefault(_root(old, links), []).append(old)
    return result


def _apply_links(bits: npt.NDArray[np.uint8], links: Mapping[int, int]) -> None:
    if not links:
        return
    olds = np.array(list(links), np.int64)
    roots = np.array([_root(old, links) for old in links], np.int64)
    hits = np.empty(len(roots), np.uint8)
    kernels.test_bits(bits, roots, hits)
    kernels.set_bits(bits, olds[hits == 0], False)
    kernels.set_bits(bits, olds[hits == 1], True)
