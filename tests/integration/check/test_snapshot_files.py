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


def _flip(path, key: int) -> None:
    with open(path, "r+b") as handle:
        handle.seek(key >> 3)
        byte = handle.read(1)[0]
        handle.seek(key >> 3)
        handle.write(bytes([byte ^ (1 << (key & 7))]))


def _sealed_store(tmp_path, monkeypatch):
    from ndop.adapters.files import snapshots

    monkeypatch.setattr(snapshots, "RACY_SECONDS", -1.0)  # every verified bitmap counts as settled
    store = FileSnapshotStore(tmp_path, b"test snapshot key")
    store.save("db", OptOutSnapshot.build([np.array([A], np.int64)], {}, version=3, links_version=0))
    assert store.load("db") is not None  # verified in full, then sealed
    assert len(list(tmp_path.glob("*.seal"))) == 1
    return store


def test_file_store_loads_the_bitmap_memory_mapped_and_read_only(tmp_path, monkeypatch) -> None:
    store = _sealed_store(tmp_path, monkeypatch)
    loaded = store.load("db")
    assert loaded is not None and removed(loaded, A, C) == [True, False]
    assert not loaded.bitmap.flags.writeable and not loaded.bitmap.flags.owndata


def test_file_store_seal_spares_the_full_mac_only_while_nothing_changed(tmp_path, monkeypatch) -> None:
    from ndop.adapters.files import snapshots

    store = _sealed_store(tmp_path, monkeypatch)
    calls: list[bytes] = []
    real_new = snapshots.hmac.new

    def counting(key, msg=b"", digestmod=None):  # type: ignore[no-untyped-def]
        calls.append(bytes(msg[:5]))
        return real_new(key, msg, digestmod)

    monkeypatch.setattr(snapshots.hmac, "new", counting)
    assert store.load("db") is not None
    assert len(calls) == 2 and b"base " not in calls  # the JSON's MAC and the seal's, not the 125 MB base's


def test_file_store_a_bit_flipped_after_the_seal_is_caught(tmp_path, monkeypatch) -> None:
    import pytest

    from ndop.domain.check.ports import SnapshotInvalid

    store = _sealed_store(tmp_path, monkeypatch)
    (bitmap,) = tmp_path.glob("*.bin")
    before = bitmap.stat()
    _flip(bitmap, C)
    import os

    os.utime(bitmap, ns=(before.st_atime_ns, before.st_mtime_ns))  # mtime put back: the ctime still moves
    with pytest.raises(SnapshotInvalid, match="MAC does not match"):
        store.load("db")


def test_file_store_a_bit_flipped_in_the_same_tick_as_the_save_is_caught(tmp_path) -> None:
    import pytest

    from ndop.domain.check.ports import SnapshotInvalid

    store = FileSnapshotStore(tmp_path, b"test snapshot key")  # the real racy window
    store.save("db", OptOutSnapshot.build([np.array([A], np.int64)], {}, version=3, links_version=0))
    assert store.load("db") is not None
    assert not list(tmp_path.glob("*.seal"))  # too fresh to seal
    (bitmap,) = tmp_path.glob("*.bin")
    _flip(bitmap, A)
    with pytest.raises(SnapshotInvalid, match="MAC does not match"):
        store.load("db")


def test_file_store_a_forged_or_copied_seal_is_not_trusted(tmp_path, monkeypatch) -> None:
    import json

    import pytest

    from ndop.domain.check.ports import SnapshotInvalid

    store = _sealed_store(tmp_path, monkeypatch)
    (seal_path,) = tmp_path.glob("*.seal")
    seal = json.loads(seal_path.read_text())
    (bitmap,) = tmp_path.glob("*.bin")
    _flip(bitmap, C)
    seal.update(mtime_ns=bitmap.stat().st_mtime_ns, ctime_ns=bitmap.stat().st_ctime_ns)  # times updated, MAC not
    seal_path.write_text(json.dumps(seal))
    with pytest.raises(SnapshotInvalid, match="MAC does not match"):
        store.load("db")


def test_file_store_changed_metadata_is_not_covered_by_the_seal(tmp_path, monkeypatch) -> None:
    import json

    import pytest

    from ndop.domain.check.ports import SnapshotInvalid

    store = _sealed_store(tmp_path, monkeypatch)
    (meta_path,) = tmp_path.glob("*.json")
    meta = json.loads(meta_path.read_text())
    meta["version"] = 99
    meta_path.write_text(json.dumps(meta))
    with pytest.raises(SnapshotInvalid, match="MAC does not match"):
        store.load("db")
