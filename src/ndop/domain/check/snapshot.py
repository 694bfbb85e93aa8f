"""The opt-out snapshot: which NHS numbers a check removes, at one registry version.

A bitmap over the first nine digits of an NHS number (its tenth is the check digit, determined by
the nine): 10^9 bits, 125 MB, one bit test per row. A bit is set when the person's choice is
`opted_out`, the person's choice being

- for a number in no supersession chain: its own current choice (the latest made event wins; dead
  patients included);
- for a number in a chain (the patient index marks it superseded, or it replaced one): the latest made
  event across every number in the chain, so the old and the new number give the same answer and an
  opt-out is not lost because two records were merged (ADR 44, replacing ADR 12).

Snapshots are immutable: bringing one up to date (`advanced`) returns a new snapshot with a bitmap of its
own, so a check running on the old one is never mixed with a newer version. A snapshot also knows which
keys it changed since the bitmap its store last wrote in full (`base`, `changed`), so that persisting a
catch-up writes those keys, not 125 MB (ADR 80); and, when its store can give one, how to get a writable
copy of that base without copying it (`fork`: a private mapping of the base's file), so that a catch-up's
work is in the keys changed, not in the 125 MB (a copy was 0.02 s resident, 0.4-0.8 s when its pages
faulted in, ADR 94).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Final

import numpy as np
import numpy.typing as npt

# The compiled kernels (`kernels`, numba) are imported where bits are set or tested in bulk, never here: a check
# with a warm snapshot reads the bitmap directly and need not load numba (ADR 88).
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


def type1_bitmap(keys: npt.NDArray[np.int64]) -> npt.NDArray[np.uint8]:
    """A bitmap of the people with a Type 1 objection, for a check of GP data (built for each such check:
    the register is small, a few per cent of people)."""
    from ndop.domain.check import kernels

    bitmap = empty_bitmap()
    kernels.set_bits(bitmap, keys, True)
    return bitmap


@dataclass(frozen=True, slots=True)
class ChoiceChange:
    """A number touched by new events, as the snapshot needs it: whose, whether its current choice (after
    those events, by the latest-made rule) is an opt-out, and that event's precedence (made_at in
    microseconds since the epoch, then sequence), which decides between the numbers of one chain."""

    key: int
    opted_out: bool
    made_at_us: int = 0
    sequence: int = 0


# key -> (made_at in microseconds, sequence, opted_out): the current event of a number in a chain.
Linked = Mapping[int, tuple[int, int, bool]]


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
    # The current event of every number in a chain that has one (decides the chain's choice).
    linked: Linked = field(default_factory=dict, repr=False)
    # Which persisted full bitmap this one descends from (opaque, set by the store; "" for none), and the
    # keys whose bit or current event `advanced` may have changed since (sorted, unique).
    base: str = ""
    changed: npt.NDArray[np.int64] = field(default_factory=lambda: np.empty(0, np.int64), repr=False)
    # The chains of `links` by their end (`_components`), once worked out: every catch-up after the first
    # reuses them (60,000 links take ~0.1 s in Python); None until a catch-up needs them.
    chains: Mapping[int, list[int]] | None = field(default=None, repr=False)
    # A new writable copy of the bitmap of `base` (the store's, e.g. a copy-on-write mapping of its file), or
    # None when it cannot give one now (the file is gone or was changed): `advanced` then copies the bitmap.
    fork: Callable[[], npt.NDArray[np.uint8] | None] | None = field(default=None, repr=False)

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
        linked: Linked | None = None,
    ) -> OptOutSnapshot:
        """A full build from the keys whose own current choice is `opted_out`, in chunks, and the current
        events of the numbers in chains (`linked`)."""
        from ndop.domain.check import kernels

        bits = empty_bitmap() if bitmap is None else bitmap
        for chunk in opted_out:
            kernels.set_bits(bits, np.ascontiguousarray(chunk, np.int64), True)
        linked = dict(linked or {})
        on: list[int] = []
        off: list[int] = []
        chains = _components(links)
        for members in chains.values():
            (on if _chain_opted_out(members, linked) else off).extend(members)
        kernels.set_bits(bits, np.array(off, np.int64), False)
        kernels.set_bits(bits, np.array(on, np.int64), True)
        bits.flags.writeable = False
        return cls(bits, version, links_version, dict(links), fingerprint, linked, chains=chains)

    def removes(self, keys: npt.NDArray[np.int64]) -> npt.NDArray[np.bool_]:
        from ndop.domain.check import kernels

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
        from ndop.domain.check import kernels

        latest: dict[int, ChoiceChange] = {}
        for change in changes:
            latest.pop(change.key, None)
            latest[change.key] = change
        bits = self._writable_copy(kernels.set_bits)
        linked = dict(self.linked)
        components = _components(self.links) if self.chains is None else self.chains
        roots: set[int] = set()
        on: list[int] = []
        off: list[int] = []
        for key, change in latest.items():
            root = _root(key, self.links)
            if root in components:
                linked[key] = (change.made_at_us, change.sequence, change.opted_out)
                roots.add(root)
            else:
                (on if change.opted_out else off).append(key)
        for root in roots:
            members = components[root]
            (on if _chain_opted_out(members, linked) else off).extend(members)
        off_keys, on_keys = np.array(off, np.int64), np.array(on, np.int64)
        kernels.set_bits(bits, off_keys, False)
        kernels.set_bits(bits, on_keys, True)
        bits.flags.writeable = False
        changed = np.union1d(self.changed, np.concatenate([off_keys, on_keys]))
        return OptOutSnapshot(
            bits, version, self.links_version, self.links, fingerprint, linked, self.base, changed, components,
            self.fork,
        )

    def _writable_copy(self, set_bits: Callable[[npt.NDArray[np.uint8], npt.NDArray[np.int64], bool], None]
                       ) -> npt.NDArray[np.uint8]:
        """This snapshot's bits in a new writable array: its base's fork with the keys changed since the base
        set as they are here (every other key's bit is the base's), or else a copy of the bitmap."""
        forked = self.fork() if self.fork is not None else None
        if forked is None:
            return self.bitmap.copy()
        keys = self.changed
        if keys.size:
            on = self.removes(keys)
            set_bits(forked, np.ascontiguousarray(keys[on]), True)
            set_bits(forked, np.ascontiguousarray(keys[~on]), False)
        return forked


def _components(links: Mapping[int, int]) -> dict[int, list[int]]:
    """Each chain of numbers, by the number at its end: that number and every number that leads to it."""
    result: dict[int, list[int]] = {}
    for old in links:
        root = _root(old, links)
        result.setdefault(root, [root]).append(old)
    return result


def _chain_opted_out(members: Iterable[int], linked: Linked) -> bool:
    """The chain's choice: that of the latest made event across its numbers (none: not opted out)."""
    best = max((linked[k] for k in members if k in linked), default=None)
    return bool(best is not None and best[2])
