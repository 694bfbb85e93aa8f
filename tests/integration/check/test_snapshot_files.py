from __future__ import annotations

import numpy as np

from ndop.adapters.files.snapshots import FileSnapshotStore
from ndop.domain.check.snapshot import ChoiceChange, OptOutSnapshot

A, B, C = 943476591, 943476587, 900000006


def removed(snapshot: OptOutSnapshot, *keys: int) -> list[bool]:
    return snapshot.removes(np.array(keys, np.int64)).tolist()


def test_file_store_round_trips_and_refuses_another_database(tmp_path) -> None:
    store = FileSnapshotStore(tmp_path, b"test snapshot key")
    snapshot = OptOutSnapshot.build([np.array([A], np.int64)], {B: A}, version=7, links_version=2, fingerprint="abc",
                                     linked={A: (1, 1, True)})
    store.save("db-one", snapshot)
    loaded = store.load("db-one")
    assert loaded is not None
    assert (loaded.version, loaded.links_version, dict(loaded.links), loaded.fingerprint) == (7, 2, {B: A}, "abc")
    assert removed(loaded, A, B, C) == [True, True, False]
    assert store.load("db-two") is None
    store.save("db-one", loaded.advanced([ChoiceChange(C, True)], version=8, fingerprint="def"))
    assert len(list(tmp_path.glob("*.bin"))) == 1  # the older bitmap is removed
