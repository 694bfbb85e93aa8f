"""Opt-out snapshots persisted under the var directory, so that a new process starts warm.

Two files make a snapshot, a base and its metadata (ADR 80, which replaces the layout of ADR 43):

- the base, `optout-<id>-v…-l…-<random>.bin`, written once and never changed: the 125 MB bitmap, then the
  supersession links (pairs of int64) and the current events of the chained numbers (four int64 each)
  as they were when it was written, then those two counts. `base_mac` (HMAC-SHA256) covers every byte.
- `optout-<id>.json`, replaced atomically at every save: the registry version, the links' version, the
  fingerprint, the base's name and `base_mac`, and the delta since the base: the keys whose bit is now
  set, those now cleared, and the chained numbers' events that changed. `mac` covers all of it.

A full save (a rebuild, or a delta that grew past `MAX_DELTA` keys) writes a new base; a catch-up writes
only the JSON, a few kilobytes for 1,000 events, instead of 125 MB re-hashed (0.2-0.25 s before). The base
is written first under a new name and the JSON replaced after it, so a reader sees an old complete
snapshot or a new complete one. The MAC's key is derived from the configured secret. A snapshot whose
JSON or base does not verify is never used (the keeper rebuilds, and the check job says so, ADR 43).

Loading maps the base copy-on-write (`ACCESS_COPY`) and applies the delta to the mapping: only the pages
the delta touches become private (at most `MAX_DELTA` pages, 40 MB), the rest stays shared page cache
(ADR 78). The JSON's MAC is checked at every load (it is small); the base's MAC over 125 MB (about 0.25 s)
once per base, not once per process: after a full verification a third file, `optout-<id>.seal`, records
what was verified: `base_mac` and the base file's name, size, device, inode, mtime and ctime, with an HMAC
over them under the same key. A later load that finds the seal's MAC good and every one of those unchanged
trusts the base without reading it; anything else (a byte written, a file replaced or touched, a copied
seal, a forged one) fails the seal and the load verifies the whole MAC again. A catch-up does not change
the base, so it keeps its seal. A seal is written only for a base whose ctime is more than `RACY_SECONDS`
old: file times tick in coarse steps, so a write in the same tick as the verification could leave the
times unchanged (git's "racy" index entries); until then every load verifies. `persisted()` (`ndop audit
verify`) always verifies the whole MAC. What the seal cannot see is a write into the file while a check is
running on it: the var directory's permissions are that boundary.

Processes share the directory (the web's workers, the MESH worker, `ndop check`), so every save holds an
exclusive lock on `optout-<id>.lock` (`flock`) from looking at its base to deleting the bases it replaced,
and a load holds a shared one while it reads the JSON and opens the base it names. Without it a catch-up
could write a delta naming the base that a rebuild in another process had just deleted, or a load open a
base deleted after it read the JSON, and the next check would rebuild (ADR 99). A save also never replaces
a newer snapshot (a higher registry and links version) written meanwhile by another process.
"""

from __future__ import annotations

import contextlib
import dataclasses
import fcntl
import hashlib
import hmac
import json
import mmap
import os
import time
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt

from ndop.domain.check.ports import SnapshotInvalid
from ndop.domain.check.snapshot import BITMAP_BYTES, Linked, OptOutSnapshot

FORMAT = 3
_READ = 16 << 20
RACY_SECONDS = 2.0  # a base changed more recently than this is verified in full at every load
# A delta of more keys is folded into a new base: each key of a delta makes one page of a loading process
# private (10,000 keys: at most 40 MB of the 125 MB), and the JSON stays small to write and to check.
MAX_DELTA = 10_000
_TRAILER = 16  # the two counts at the end of a base


def snapshot_key(secret: str) -> bytes:
    return hmac.new(secret.encode(), b"ndop opt-out snapshot mac", hashlib.sha256).digest()


def _meta_bytes(meta: dict[str, Any]) -> bytes:
    return json.dumps({k: v for k, v in meta.items() if k != "mac"}, sort_keys=True, separators=(",", ":")).encode()


def _int64(values: list[list[int]], width: int) -> npt.NDArray[np.int64]:
    return np.array(values, "<i8").reshape(-1, width)


def _set_bits(bitmap: npt.NDArray[np.uint8], keys: npt.NDArray[np.int64], value: bool) -> None:
    # numpy, not the compiled `kernels.set_bits`: a delta is at most MAX_DELTA keys, and a one-row check that
    # loads a snapshot must not import numba for them (ADR 88).
    bits = np.left_shift(1, keys & 7).astype(np.uint8)
    if value:
        np.bitwise_or.at(bitmap, keys >> 3, bits)
    else:
        np.bitwise_and.at(bitmap, keys >> 3, ~bits)


def _fork(path: Path, seen: os.stat_result) -> Callable[[], npt.NDArray[np.uint8] | None]:
    """A snapshot's `fork`: its base's bitmap as a new copy-on-write mapping of the base file (no 125 MB copy:
    only the pages a catch-up writes become private), while the file is the one this process verified or
    wrote (the seal's test: the same device, inode, size, mtime and ctime); None otherwise, and the
    snapshot copies its bitmap instead."""
    known = (seen.st_dev, seen.st_ino, seen.st_size, seen.st_mtime_ns, seen.st_ctime_ns)

    def fork() -> npt.NDArray[np.uint8] | None:
        try:
            with open(path, "rb") as handle:
                stat = os.fstat(handle.fileno())
                if (stat.st_dev, stat.st_ino, stat.st_size, stat.st_mtime_ns, stat.st_ctime_ns) != known:
                    return None
                mapped = mmap.mmap(handle.fileno(), stat.st_size, access=mmap.ACCESS_COPY)
        except (OSError, ValueError):
            return None
        return np.frombuffer(mapped, np.uint8, BITMAP_BYTES)

    return fork


class FileSnapshotStore:
    def __init__(self, directory: Path, key: bytes) -> None:
        self._dir = directory
        self._key = key

    def _stem(self, identity: str) -> str:
        return "optout-" + hashlib.sha256(identity.encode()).hexdigest()[:16]

    @contextlib.contextmanager
    def _locked(self, stem: str, *, exclusive: bool) -> Iterator[None]:
        """The directory's lock for one identity, held until the block ends (ADR 99)."""
        try:
            fd = os.open(self._dir / f"{stem}.lock", os.O_RDWR | os.O_CREAT, 0o600)
        except OSError:  # a read-only var directory: nobody can save there either
            yield
            return
        try:
            fcntl.flock(fd, fcntl.LOCK_EX if exclusive else fcntl.LOCK_SH)
            yield
        finally:
            os.close(fd)  # and the lock with it

    def load(self, identity: str) -> OptOutSnapshot | None:
        meta_path = self._dir / f"{self._stem(identity)}.json"
        if not meta_path.exists():
            return None
        snapshot = self._read(meta_path, trust_seal=True)
        if snapshot is None:
            return None
        if isinstance(snapshot, SnapshotInvalid):
            raise snapshot
        return snapshot

    def persisted(self) -> Iterator[tuple[str, str, OptOutSnapshot | SnapshotInvalid]]:
        for meta_path in sorted(self._dir.glob("optout-*.json")):
            try:
                identity = str(json.loads(meta_path.read_text()).get("identity", ""))
            except (OSError, ValueError, AttributeError):
                identity = ""
            result = self._read(meta_path, trust_seal=False)
            if result is not None:
                yield meta_path.name, identity, result

    def _meta(self, meta_path: Path) -> dict[str, Any] | SnapshotInvalid | None:
        """The JSON, its MAC verified; None for an older format (rebuilt quietly, nothing to distrust)."""
        try:
            meta = json.loads(meta_path.read_bytes())
        except (OSError, ValueError):
            return SnapshotInvalid(f"{meta_path.name} cannot be read")
        if not isinstance(meta, dict) or meta.get("format") != FORMAT:
            return None
        if not hmac.compare_digest(hmac.new(self._key, _meta_bytes(meta), hashlib.sha256).hexdigest(),
                                   str(meta.get("mac", ""))):
            return SnapshotInvalid(f"{meta_path.name}: the MAC does not match (the file was changed)")
        return meta

    def _open(self, meta_path: Path) -> tuple[dict[str, Any], Path, mmap.mmap, os.stat_result] | SnapshotInvalid | None:
        """The JSON and the base it names, opened together under the shared lock: once open, the base can be
        deleted by a save without harm (the mapping keeps it)."""
        with self._locked(meta_path.stem, exclusive=False):
            meta = self._meta(meta_path)
            if not isinstance(meta, dict):
                return meta
            try:
                base_path = self._dir / Path(str(meta["base"])).name
                with open(base_path, "rb") as handle:
                    stat = os.fstat(handle.fileno())
                    if stat.st_size < BITMAP_BYTES + _TRAILER:
                        return SnapshotInvalid(f"{base_path.name} has the wrong size")
                    # Copy-on-write: the delta dirties only the pages it touches; the file never changes.
                    mapped = mmap.mmap(handle.fileno(), stat.st_size, access=mmap.ACCESS_COPY)
            except (OSError, ValueError, KeyError, TypeError):
                return SnapshotInvalid(f"{meta_path.name} cannot be read")
        return meta, base_path, mapped, stat

    def _read(self, meta_path: Path, *, trust_seal: bool) -> OptOutSnapshot | SnapshotInvalid | None:
        opened = self._open(meta_path)
        if not isinstance(opened, tuple):
            return opened
        meta, base_path, mapped, stat = opened
        try:
            base_mac = str(meta["base_mac"])
            seal = self._seal(base_mac, base_path.name, stat)
            if not (trust_seal and self._sealed(meta_path.with_suffix(".seal"), seal)):
                if not hmac.compare_digest(self._base_mac(mapped, stat.st_size), base_mac):
                    mapped.close()
                    return SnapshotInvalid(f"{base_path.name}: the MAC does not match (the file was changed)")
                if time.time() - stat.st_ctime > RACY_SECONDS:
                    self._write_seal(meta_path.with_suffix(".seal"), seal)
            snapshot = self._snapshot(meta, mapped, stat.st_size, f"{base_path.name}:{base_mac}")
            return dataclasses.replace(snapshot, fork=_fork(base_path, stat))
        except (OSError, ValueError, KeyError, TypeError):
            return SnapshotInvalid(f"{meta_path.name} cannot be read")

    def _base_mac(self, mapped: mmap.mmap, size: int) -> str:
        mac = hmac.new(self._key, b"base ", hashlib.sha256)
        view = memoryview(mapped)
        for offset in range(0, size, _READ):
            part = min(_READ, size - offset)
            mac.update(view[offset:offset + part])
            if hasattr(mapped, "madvise"):  # hashed pages leave this process (they stay in the page cache)
                mapped.madvise(mmap.MADV_DONTNEED, offset & ~(mmap.PAGESIZE - 1), part)
        view.release()
        return mac.hexdigest()

    @staticmethod
    def _snapshot(meta: dict[str, Any], mapped: mmap.mmap, size: int, base: str) -> OptOutSnapshot:
        """The verified base with the verified delta applied (a ValueError for a base of the wrong shape)."""
        n_links, n_linked = (int(x) for x in np.frombuffer(mapped, "<i8", 2, size - _TRAILER))
        if n_links < 0 or n_linked < 0 or size != BITMAP_BYTES + 16 * n_links + 32 * n_linked + _TRAILER:
            raise ValueError("the base's counts do not match its size")
        pairs = np.frombuffer(mapped, "<i8", 2 * n_links, BITMAP_BYTES).reshape(-1, 2)
        events = np.frombuffer(mapped, "<i8", 4 * n_linked, BITMAP_BYTES + 16 * n_links).reshape(-1, 4)
        links = dict(zip(pairs[:, 0].tolist(), pairs[:, 1].tolist(), strict=True))
        linked: dict[int, tuple[int, int, bool]] = {k: (t, s, bool(o)) for k, t, s, o in events.tolist()}
        linked.update((k, (t, s, bool(o))) for k, t, s, o in _int64(meta["linked"], 4).tolist())
        bitmap = np.frombuffer(mapped, np.uint8, BITMAP_BYTES)
        _set_bits(bitmap, _int64(meta["set"], 1)[:, 0], True)
        _set_bits(bitmap, _int64(meta["cleared"], 1)[:, 0], False)
        bitmap.flags.writeable = False
        changed = np.union1d(_int64(meta["set"], 1)[:, 0], _int64(meta["cleared"], 1)[:, 0])
        return OptOutSnapshot(bitmap, int(meta["version"]), int(meta["links_version"]), links,
                              str(meta.get("fingerprint", "")), linked, base, changed)

    def _seal(self, base_mac: str, base_name: str, stat: os.stat_result) -> dict[str, Any]:
        """What a full verification saw: the base's MAC and the base file's identity and times."""
        seal: dict[str, Any] = {
            "base_mac": base_mac,
            "base": base_name,
            "size": stat.st_size,
            "dev": stat.st_dev,
            "ino": stat.st_ino,
            "mtime_ns": stat.st_mtime_ns,
            "ctime_ns": stat.st_ctime_ns,
        }
        seal["mac"] = hmac.new(self._key, b"seal " + _meta_bytes(seal), hashlib.sha256).hexdigest()
        return seal

    def _sealed(self, seal_path: Path, seal: dict[str, Any]) -> bool:
        try:
            found = json.loads(seal_path.read_text())
        except (OSError, ValueError):
            return False
        return isinstance(found, dict) and hmac.compare_digest(str(found.get("mac", "")), seal["mac"])

    def _write_seal(self, seal_path: Path, seal: dict[str, Any]) -> None:
        tmp = seal_path.with_suffix(f".seal.{os.getpid()}.tmp")
        with contextlib.suppress(OSError):  # a read-only var directory: every load verifies in full
            tmp.write_text(json.dumps(seal))
            os.replace(tmp, seal_path)

    def save(self, identity: str, snapshot: OptOutSnapshot) -> OptOutSnapshot:
        """Persist `snapshot`: as a delta over its base when that base is still here and the delta small,
        else as a new base. Returns the snapshot as persisted (naming its base), to advance from next. A newer
        snapshot saved meanwhile by another process is left in place (and `snapshot` returned as it is)."""
        self._dir.mkdir(parents=True, exist_ok=True)
        stem = self._stem(identity)
        with self._locked(stem, exclusive=True):
            if self._newer_saved(stem, snapshot):
                return snapshot
            return self._save(identity, stem, snapshot)

    def _newer_saved(self, stem: str, snapshot: OptOutSnapshot) -> bool:
        meta = self._meta(self._dir / f"{stem}.json")
        if not isinstance(meta, dict):
            return False  # none, an older format, or one that does not verify: replaced
        saved = (int(meta.get("version", -1)), int(meta.get("links_version", -1)))
        ours = (snapshot.version, snapshot.links_version)
        return saved != ours and saved[0] >= ours[0] and saved[1] >= ours[1]

    def _save(self, identity: str, stem: str, snapshot: OptOutSnapshot) -> OptOutSnapshot:
        base_name, _, base_mac = snapshot.base.partition(":")
        full = not (base_mac and len(snapshot.changed) <= MAX_DELTA and (self._dir / base_name).exists())
        if full:
            base_name, base_mac = self._write_base(stem, snapshot)
            snapshot = dataclasses.replace(snapshot, base=f"{base_name}:{base_mac}", changed=np.empty(0, np.int64),
                                           fork=_fork(self._dir / base_name, os.stat(self._dir / base_name)))
        keys = snapshot.changed
        on = snapshot.removes(keys)
        meta: dict[str, Any] = {
            "format": FORMAT,
            "identity": identity,
            "version": snapshot.version,
            "links_version": snapshot.links_version,
            "fingerprint": snapshot.fingerprint,
            "base": base_name,
            "base_mac": base_mac,
            "set": keys[on].tolist(),
            "cleared": keys[~on].tolist(),
            "linked": [[k, *snapshot.linked[k]] for k in keys.tolist() if k in snapshot.linked],
        }
        meta["mac"] = hmac.new(self._key, _meta_bytes(meta), hashlib.sha256).hexdigest()
        meta_path = self._dir / f"{stem}.json"
        tmp = meta_path.with_suffix(f".json.{os.getpid()}.{uuid.uuid4().hex[:8]}.tmp")
        tmp.write_text(json.dumps(meta))
        os.replace(tmp, meta_path)
        if full:
            for old in self._dir.glob(f"{stem}-*.bin"):
                if old.name != base_name:
                    with contextlib.suppress(OSError):
                        old.unlink()
        return snapshot

    def _write_base(self, stem: str, snapshot: OptOutSnapshot) -> tuple[str, str]:
        """A new base file (never rewritten in place: other processes may be reading the old one)."""
        name = f"{stem}-v{snapshot.version}-l{snapshot.links_version}-{uuid.uuid4().hex[:8]}.bin"
        links = _int64(sorted([k, v] for k, v in snapshot.links.items()), 2)
        linked: Linked = snapshot.linked
        events = _int64(sorted([k, t, s, int(o)] for k, (t, s, o) in linked.items()), 4)
        parts: list[memoryview | bytes] = [np.ascontiguousarray(snapshot.bitmap).data, links.tobytes(),
                                           events.tobytes(), np.array([len(links), len(events)], "<i8").tobytes()]
        mac = hmac.new(self._key, b"base ", hashlib.sha256)
        tmp = self._dir / f"{name}.tmp"
        with open(tmp, "wb") as handle:
            for part in parts:
                handle.write(part)
                mac.update(part)
        os.replace(tmp, self._dir / name)
        return name, mac.hexdigest()
