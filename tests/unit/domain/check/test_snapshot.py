from __future__ import annotations

import numpy as np

from ndop.domain.check.snapshot import ChoiceChange, OptOutSnapshot, keys_of

A, B, C, D = 943476591, 943476587, 900000006, 900000011


def build(opted_out: list[int], links: dict[int, int], linked: dict | None = None) -> OptOutSnapshot:
    return OptOutSnapshot.build([np.array(opted_out, np.int64)], links, version=1, links_version=1, linked=linked)


def removed(snapshot: OptOutSnapshot, *keys: int) -> list[bool]:
    return snapshot.removes(np.array(keys, np.int64)).tolist()


def test_snapshot_chain_takes_the_latest_made_choice_across_its_numbers() -> None:
    # A -> B -> C. A opted out (made at 20) after C's not-opted-out (made at 10): the whole chain is out.
    links = {A: B, B: C}
    snapshot = build([A], links, {A: (20, 1, True), C: (10, 2, False)})
    assert removed(snapshot, A, B, C, D) == [True, True, True, False]
    # C's later choice (made at 30) wins for every number of the chain.
    cleared = build([A], links, {A: (20, 1, True), C: (30, 2, False)})
    assert removed(cleared, A, B, C) == [False, False, False]
    # Equal made_at: the higher sequence wins.
    tie = build([A], links, {A: (20, 1, True), C: (20, 2, False)})
    assert removed(tie, A, B, C) == [False, False, False]


def test_snapshot_advanced_applies_latest_event_and_moves_the_chain() -> None:
    snapshot = build([], {A: B})
    later = snapshot.advanced(
        [ChoiceChange(B, True, 10, 2), ChoiceChange(D, True), ChoiceChange(D, False), ChoiceChange(A, False, 5, 3)],
        version=5,
    )
    assert removed(later, A, B, D) == [True, True, False]  # A's back-dated event does not win over B's
    assert removed(snapshot, A, B, D) == [False, False, False]  # the old snapshot is untouched
    assert later.version == 5
    # An opt-out recorded under the old number, made later, is upheld for the new number.
    again = later.advanced([ChoiceChange(A, True, 40, 6)], version=6)
    assert removed(again, A, B) == [True, True]
    cleared = again.advanced([ChoiceChange(B, False, 50, 7)], version=7)
    assert removed(cleared, A, B) == [False, False]


def test_snapshot_loop_in_links_does_not_hang() -> None:
    snapshot = build([C], {A: B, B: A})
    assert removed(snapshot, A, B, C) == [False, False, True]


def test_keys_of_takes_the_first_nine_digits() -> None:
    assert keys_of(["9434765919", "0000000000"]).tolist() == [943476591, 0]


def test_changed_names_every_key_whose_bit_or_chained_event_moved_since_the_base() -> None:
    """What a store persists as a delta (ADR 80) is lossless: the base with `changed` keys' bits and events
    taken from the new snapshot is the new snapshot, whatever the events."""
    from hypothesis import given, settings
    from hypothesis import strategies as st

    keys = st.sampled_from([A, B, C, D, 900000020, 900000039])
    change = st.builds(ChoiceChange, keys, st.booleans(), st.integers(0, 50), st.integers(1, 99))

    @settings(max_examples=25, deadline=None)  # each example copies 125 MB a round
    @given(st.lists(st.lists(change, max_size=4), max_size=4))
    def check(rounds: list[list[ChoiceChange]]) -> None:
        base = build([A, D], {A: B, B: C}, {A: (20, 1, True), C: (10, 2, False)})
        snapshot = base
        for version, changes in enumerate(rounds, start=2):
            snapshot = snapshot.advanced(changes, version=version)
        at = np.flatnonzero(base.bitmap != snapshot.bitmap)  # bytes that differ, then their bits
        bits = np.unpackbits((base.bitmap[at] ^ snapshot.bitmap[at])[:, None], axis=1, bitorder="little")
        rows, cols = np.nonzero(bits)
        assert set((at[rows] * 8 + cols).tolist()) <= set(snapshot.changed.tolist())
        moved = {k for k in snapshot.linked if base.linked.get(k) != snapshot.linked[k]}
        assert moved <= set(snapshot.changed.tolist())
        assert list(snapshot.changed) == sorted(set(snapshot.changed.tolist()))

    check()
