from __future__ import annotations

import numpy as np

from ndop.domain.check.snapshot import ChoiceChange, OptOutSnapshot, keys_of

A, B, C, D = 943476591, 943476587, 900000006, 900000011


def build(opted_out: list[int], links: dict[int, int]) -> OptOutSnapshot:
    return OptOutSnapshot.build([np.array(opted_out, np.int64)], links, version=1, links_version=1)


def removed(snapshot: OptOutSnapshot, *keys: int) -> list[bool]:
    return snapshot.removes(np.array(keys, np.int64)).tolist()


def test_snapshot_superseded_chain_follows_the_last_replacement() -> None:
    # A -> B -> C: A and B follow C. A's own opt-out no longer counts.
    snapshot = build([A, C], {A: B, B: C})
    assert removed(snapshot, A, B, C, D) == [True, True, True, False]
    cleared = build([A], {A: B, B: C})
    assert removed(cleared, A, B, C) == [False, False, False]


def test_snapshot_advanced_applies_latest_event_and_moves_followers() -> None:
    snapshot = build([], {A: B})
    later = snapshot.advanced(
        [ChoiceChange(B, True), ChoiceChange(D, True), ChoiceChange(D, False), ChoiceChange(A, False)], version=5
    )
    assert removed(later, A, B, D) == [True, True, False]
    assert removed(snapshot, A, B, D) == [False, False, False]  # the old snapshot is untouched
    assert later.version == 5


def test_snapshot_loop_in_links_does_not_hang() -> None:
    snapshot = build([C], {A: B, B: A})
    assert removed(snapshot, A, B, C) == [False, False, True]


def test_keys_of_takes_the_first_nine_digits() -> None:
    assert keys_of(["9434765919", "0000000000"]).tolist() == [943476591, 0]
