"""A catch-up persists a small MAC'd delta over the last full base, not 125 MB (ADR 80): what a new process
loads equals a rebuild from the history, and a delta or base that was changed is never used."""

from __future__ import annotations

import dataclasses
import json
import threading
from pathlib import Path

import numpy as np
import pytest

from ndop.adapters.db.check import DjangoOptOutSource
from ndop.adapters.files import snapshots
from ndop.adapters.files.snapshots import FileSnapshotStore
from ndop.domain.check.ports import SnapshotInvalid
from ndop.domain.check.snapshot import ChoiceChange, OptOutSnapshot
from ndop.domain.common.actors import PATIENT_ONLINE
from ndop.domain.registry.choices import Channel, Choice, ChoiceRequest
from ndop.services.check.snapshot import SnapshotKeeper
from ndop.services.registry.load_patients import load_patients
from ndop.services.registry.record_choice import record_choice
from tests.conftest import TESTER, make_patient

KEY = b"test snapshot key"
A, B, C = 943476591, 943476587, 900000006


def _keys(snapshot: OptOutSnapshot, *keys: int) -> list[bool]:
    return snapshot.removes(np.array(keys, np.int64)).tolist()


def test_a_catch_up_writes_a_delta_and_leaves_the_base_alone(tmp_path) -> None:
    store = FileSnapshotStore(tmp_path, KEY)
    saved = store.save("db", OptOutSnapshot.build([np.array([A], np.int64)], {B: A}, version=1, links_version=1,
                                                  linked={A: (5, 1, True)}))
    (base,) = tmp_path.glob("*.bin")
    before = base.stat()
    later = saved.advanced([ChoiceChange(C, True, 9, 2), ChoiceChange(A, False, 10, 3)], version=3, fingerprint="f")
    store.save("db", later)
    assert [p.name for p in tmp_path.glob("*.bin")] == [base.name]
    assert (base.stat().st_ino, base.stat().st_mtime_ns) == (before.st_ino, before.st_mtime_ns)
    loaded = store.load("db")
    assert loaded is not None and loaded.version == 3 and loaded.fingerprint == "f"
    assert np.array_equal(loaded.bitmap, later.bitmap)
    assert _keys(loaded, A, B, C) == [False, False, True]  # the chain A<-B follows A's later event
    assert dict(loaded.linked) == {A: (10, 3, False)} and dict(loaded.links) == {B: A}
    assert not loaded.bitmap.flags.writeable
    # A second catch-up advances from the loaded snapshot: still one base, the delta grows.
    store.save("db", loaded.advanced([ChoiceChange(A, True, 11, 4)], version=4))
    again = store.load("db")
    assert again is not None and _keys(again, A, B, C) == [True, True, True]
    assert [p.name for p in tmp_path.glob("*.bin")] == [base.name]


def test_a_delta_past_the_limit_is_folded_into_a_new_base(tmp_path, monkeypatch) -> None:
    monkeypatch.setattr(snapshots, "MAX_DELTA", 2)
    store = FileSnapshotStore(tmp_path, KEY)
    saved = store.save("db", OptOutSnapshot.build([], {}, version=0, links_version=0))
    (first,) = tmp_path.glob("*.bin")
    small = store.save("db", saved.advanced([ChoiceChange(A, True), ChoiceChange(B, True)], version=2))
    assert [p.name for p in tmp_path.glob("*.bin")] == [first.name] and len(small.changed) == 2
    big = store.save("db", small.advanced([ChoiceChange(C, True)], version=3))
    (second,) = tmp_path.glob("*.bin")
    assert second.name != first.name and len(big.changed) == 0
    loaded = store.load("db")
    assert loaded is not None and _keys(loaded, A, B, C) == [True, True, True]
    assert json.loads(next(tmp_path.glob("*.json")).read_text())["set"] == []


@pytest.mark.parametrize("field", ["set", "cleared"])
def test_a_changed_delta_is_refused(tmp_path, field) -> None:
    store = FileSnapshotStore(tmp_path, KEY)
    saved = store.save("db", OptOutSnapshot.build([np.array([A], np.int64)], {}, version=1, links_version=0))
    store.save("db", saved.advanced([ChoiceChange(C, True)], version=2))
    (meta_path,) = tmp_path.glob("*.json")
    meta = json.loads(meta_path.read_text())
    meta["set"], meta["cleared"] = ([], [C]) if field == "cleared" else ([C, B], [])
    meta_path.write_text(json.dumps(meta))
    with pytest.raises(SnapshotInvalid, match="MAC does not match"):
        store.load("db")


def test_a_delta_over_another_base_is_refused(tmp_path) -> None:
    store = FileSnapshotStore(tmp_path, KEY)
    saved = store.save("db", OptOutSnapshot.build([np.array([A], np.int64)], {}, version=1, links_version=0))
    store.save("db", saved.advanced([ChoiceChange(C, True)], version=2))
    (base,) = tmp_path.glob("*.bin")
    other = FileSnapshotStore(tmp_path / "other", KEY)  # a genuine base, with the same key, of other content
    other.save("db", OptOutSnapshot.build([], {}, version=1, links_version=0))
    (forged,) = (tmp_path / "other").glob("*.bin")
    forged.replace(base)
    with pytest.raises(SnapshotInvalid, match="MAC does not match"):
        store.load("db")


@pytest.mark.django_db
def test_the_keeper_catches_up_as_a_delta_and_a_tampered_delta_means_a_rebuild(registry, tmp_path) -> None:
    people = [make_patient(), make_patient("943476587")]
    load_patients(registry, people, loaded_by=TESTER, source="fixture")
    first, second = (p.nhs_number for p in people)
    store = FileSnapshotStore(tmp_path, KEY)
    keeper = SnapshotKeeper(DjangoOptOutSource(), store)
    record_choice(registry, ChoiceRequest(first, Choice.OPTED_OUT, Channel.ONLINE), recorded_by=PATIENT_ONLINE)
    keeper.current()
    (base,) = tmp_path.glob("*.bin")
    record_choice(registry, ChoiceRequest(second, Choice.OPTED_OUT, Channel.ONLINE), recorded_by=PATIENT_ONLINE)
    record_choice(registry, ChoiceRequest(first, Choice.NOT_OPTED_OUT, Channel.ONLINE), recorded_by=PATIENT_ONLINE)
    caught = keeper.current()
    assert keeper.last_sync.action == "caught_up" and keeper.last_sync.events == 2
    assert [p.name for p in tmp_path.glob("*.bin")] == [base.name]  # no new 125 MB file

    fresh = SnapshotKeeper(DjangoOptOutSource(), store)  # a new process: base + delta, verified
    loaded = fresh.current()
    assert fresh.last_sync.action == "loaded"
    assert np.array_equal(loaded.bitmap, caught.bitmap)
    assert np.array_equal(loaded.bitmap, SnapshotKeeper(DjangoOptOutSource(), FileSnapshotStore(
        tmp_path / "rebuilt", KEY)).current().bitmap)
    assert [loaded.removes_number(first.digits), loaded.removes_number(second.digits)] == [False, True]

    (meta_path,) = tmp_path.glob("*.json")
    meta = json.loads(meta_path.read_text())
    meta["cleared"], meta["set"] = meta["set"], meta["cleared"]  # an attacker swaps who is removed
    meta_path.write_text(json.dumps(meta))
    tampered = SnapshotKeeper(DjangoOptOutSource(), store)
    snapshot = tampered.current()
    assert tampered.last_sync.action == "rebuilt"
    assert tampered.last_sync.note.startswith("rebuilt: the persisted snapshot did not verify")
    assert [snapshot.removes_number(first.digits), snapshot.removes_number(second.digits)] == [False, True]
    assert store.load(DjangoOptOutSource().identity()) is not None  # the rebuilt one replaced it


def _random_changes(rng: np.random.Generator, count: int, at: int) -> list[ChoiceChange]:
    keys = rng.choice(np.array([A, B, C, *rng.integers(0, 10**9, 40).tolist()], np.int64), count)
    return [ChoiceChange(int(k), bool(rng.random() < 0.6), at + i, at + i) for i, k in enumerate(keys)]


@pytest.mark.parametrize("seed", range(6))
def test_a_catch_up_from_the_bases_mapping_equals_one_from_a_copy(tmp_path, seed: int) -> None:
    # ADR 94: `advanced` starts from a fresh copy-on-write mapping of the base with the keys changed since
    # it re-applied, instead of copying 125 MB; over rounds of saves and loads it must give the same bits.
    rng = np.random.default_rng(seed)
    store = FileSnapshotStore(tmp_path, KEY)
    mapped = store.save("db", OptOutSnapshot.build([rng.integers(0, 10**9, 500)], {B: A}, version=1,
                                                   links_version=1, linked={A: (5, 1, True)}))
    (base,) = tmp_path.glob("*.bin")
    content = base.read_bytes()
    copied = dataclasses.replace(mapped, fork=None)
    assert mapped.fork is not None
    version = 1
    for round_ in range(4):
        changes = _random_changes(rng, int(rng.integers(1, 30)), version + 1)
        version += len(changes)
        mapped = store.save("db", mapped.advanced(changes, version=version))
        copied = copied.advanced(changes, version=version)
        assert np.array_equal(mapped.bitmap, copied.bitmap), round_
        if round_ == 1:
            loaded = store.load("db")  # a new process's snapshot forks the same base
            assert loaded is not None and loaded.fork is not None and np.array_equal(loaded.bitmap, copied.bitmap)
            mapped = loaded
    assert base.read_bytes() == content  # the base's file was never written


def test_a_base_file_changed_after_its_check_is_not_forked(tmp_path) -> None:
    store = FileSnapshotStore(tmp_path, KEY)
    saved = store.save("db", OptOutSnapshot.build([np.array([A], np.int64)], {}, version=1, links_version=1))
    (base,) = tmp_path.glob("*.bin")
    assert saved.fork is not None and saved.fork() is not None
    with open(base, "r+b") as handle:  # a bit flipped in the file after this process wrote and hashed it
        handle.seek(C >> 3)
        handle.write(bytes([1 << (C & 7)]))
    assert saved.fork() is None
    later = saved.advanced([ChoiceChange(B, True, 9, 2)], version=2)  # falls back to a copy of its own bits
    assert _keys(later, A, B, C) == [True, True, False]
    base.unlink()
    assert saved.fork() is None and _keys(saved.advanced([], version=3), A, B, C) == [True, False, False]


def _paused(monkeypatch, thread: str, at: str, until: threading.Event, reached: threading.Event) -> None:
    """In the thread named `thread` only, stop once just after the store's first `Path.<at>()` returns (the
    base looked for; the JSON read), until `until` is set (at most 3 s): the moment another process could act
    between two of the store's steps."""
    original, owner = getattr(Path, at), Path

    def step(*args, **kwargs):
        result = original(*args, **kwargs)
        if threading.current_thread().name == thread and not reached.is_set():
            reached.set()
            until.wait(3)
        return result

    monkeypatch.setattr(owner, at, step)


def _in_thread(name: str, work) -> threading.Thread:
    thread = threading.Thread(target=work, name=name)
    thread.start()
    return thread


def test_a_rebuild_elsewhere_cannot_delete_the_base_a_catch_up_is_naming(tmp_path, monkeypatch) -> None:
    """ADR 99. A catch-up found its base, then (between that and writing its JSON) a rebuild in another
    process wrote a new base and deleted the old one: the JSON then named a deleted base and the next check
    rebuilt. Each store here opens the lock file itself, as another process does (flock is per open file)."""
    catching_up, rebuilding = FileSnapshotStore(tmp_path, KEY), FileSnapshotStore(tmp_path, KEY)
    first = catching_up.save("db", OptOutSnapshot.build([np.array([A], np.int64)], {}, version=1, links_version=0))
    rebuilt = threading.Event()
    checked = threading.Event()
    _paused(monkeypatch, "catch-up", "exists", rebuilt, checked)
    later = first.advanced([ChoiceChange(C, True)], version=2)
    catch_up = _in_thread("catch-up", lambda: catching_up.save("db", later))
    assert checked.wait(10)
    rebuild = _in_thread("rebuild", lambda: (rebuilding.save("db", OptOutSnapshot.build(
        [np.array([A, B], np.int64)], {}, version=3, links_version=0)), rebuilt.set()))
    catch_up.join(30)
    rebuild.join(30)
    loaded = FileSnapshotStore(tmp_path, KEY).load("db")  # before ADR 99: SnapshotInvalid, "cannot be read"
    assert loaded is not None and loaded.version == 3 and _keys(loaded, A, B, C) == [True, True, False]
    assert [p.name for p in tmp_path.glob("*.bin")] == [json.loads(next(tmp_path.glob("*.json")).read_text())["base"]]


def test_a_load_cannot_lose_the_base_its_json_named_to_a_rebuild_elsewhere(tmp_path, monkeypatch) -> None:
    store = FileSnapshotStore(tmp_path, KEY)
    store.save("db", OptOutSnapshot.build([np.array([A], np.int64)], {}, version=1, links_version=0))
    rebuilt, read = threading.Event(), threading.Event()
    _paused(monkeypatch, "load", "read_bytes", rebuilt, read)
    loads: list[OptOutSnapshot | Exception | None] = []

    def load() -> None:
        try:
            loads.append(FileSnapshotStore(tmp_path, KEY).load("db"))
        except SnapshotInvalid as exc:  # before ADR 99: the base named was deleted before it was opened
            loads.append(exc)

    loading = _in_thread("load", load)
    assert read.wait(10)
    rebuild = _in_thread("rebuild", lambda: (store.save("db", OptOutSnapshot.build(
        [np.array([B], np.int64)], {}, version=2, links_version=0)), rebuilt.set()))
    loading.join(30)
    rebuild.join(30)
    (loaded,) = loads
    assert isinstance(loaded, OptOutSnapshot) and loaded.version == 1 and _keys(loaded, A, B) == [True, False]
    again = store.load("db")
    assert again is not None and again.version == 2


def test_a_save_never_replaces_a_newer_snapshot_saved_meanwhile(tmp_path) -> None:
    store = FileSnapshotStore(tmp_path, KEY)
    store.save("db", OptOutSnapshot.build([np.array([A], np.int64)], {}, version=5, links_version=2))
    late = store.save("db", OptOutSnapshot.build([np.array([B], np.int64)], {}, version=4, links_version=2))
    assert late.version == 4
    loaded = store.load("db")
    assert loaded is not None and (loaded.version, _keys(loaded, A, B)) == (5, [True, False])
    store.save("db", OptOutSnapshot.build([np.array([B], np.int64)], {}, version=5, links_version=3))
    loaded = store.load("db")
    assert loaded is not None and (loaded.links_version, _keys(loaded, A, B)) == (3, [False, True])
