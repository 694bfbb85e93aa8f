"""Opt-out snapshots persisted under the var directory, so that a new process starts warm.

Two files: `optout-<id>.bin` (the 125 MB bitmap) and `optout-<id>.json` (the registry version, the
supersession links and their version, the current events of chained numbers, the bitmap's file name, and
a MAC). The bitmap is written first under a new name and the JSON replaced atomically after it, so a
reader sees an old complete snapshot or a new complete one.

The MAC (HMAC-SHA256, key derived from the configured secret) covers the metadata and every byte of the
bitmap (ADR 43). A file that does not verify is never used (the keeper rebuilds, and the check job says so).

Loading memory-maps the bitmap read-only rather than reading it into private memory (ADR 78), and the MAC
over all of it (about 0.25 s for 125 MB) is computed once per snapshot, not once per process: after a
full verification a third file, `optout-<id>.seal`, records what was verified: the metadata file's
sha256 and the bitmap's name, size, device, inode, mtime and ctime, with an HMAC over them under the same
key. A later load that finds the seal's MAC good and every one of those unchanged trusts the bitmap without
reading it; anything else (a byte written, a file replaced or touched, a copied seal, a forged one) fails
the seal and the load verifies the whole MAC again. A seal is written only for a bitmap whose ctime is
more than `RACY_SECONDS` old: file times tick in coarse steps, so a write in the same tick as the
verification could leave the times unchanged (git's "racy" index entries); until then every load verifies.
`persisted()` (`ndop audit verify`) always verifies the whole MAC. What the seal cannot see is a write
into the file while a check is running on it: the var directory's permissions are that boundary.
"""

from __future__ import annotations

import contextlib
import hashlib
import hmac
import json
import mmap
import os
import time
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np

from ndop.domain.check.ports import SnapshotInvalid
from ndop.domain.check.snapshot import BITMAP_BYTES, OptOutSnapshot

FORMAT = 2
_READ = 16 << 20
RACY_SECONDS = 2.0  # a bitmap changed more recently than this is verified in full at every load


def snapshot_key(secret: str) -> bytes:
    return hmac.new(secret.encode(), b"ndop opt-out snapshot mac", hashlib.sha256).digest()


def _meta_bytes(meta: dict[str, Any]) -> bytes:
    return json.dumps({k: v for k, v in meta.items() if k != "mac"}, sort_keys=True, separators=(",", ":")).encode()


class FileSnapshotStore:
    def __init__(self, directory: Path, key: bytes) -> None:
        self._dir = directory
        self._key = key

    def _stem(self, identity: str) -> str:
        return "optout-" + hashlib.sha256(identity.encode()).hexdigest()[:16]

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

    def _read(self, meta_path: Path, *, trust_seal: bool) -> OptOutSnapshot | SnapshotInvalid | None:
        try:
            raw = meta_path.read_bytes()
            meta = json.loads(raw)
        except (OSError, ValueError):
            return SnapshotInvalid(f"{meta_path.name} cannot be read")
        if not isinstance(meta, dict) or meta.get("format") != FORMAT:
            return None  # an older format: rebuilt quietly, nothing to distrust
        seal_path = meta_path.with_suffix(".seal")
        try:
            bin_path = self._dir / Path(str(meta["bitmap"])).name
            with open(bin_path, "rb") as handle:
                stat = os.fstat(handle.fileno())
                if stat.st_size != BITMAP_BYTES:
                    return SnapshotInvalid(f"{bin_path.name} has the wrong size")
                mapped = mmap.mmap(handle.fileno(), BITMAP_BYTES, access=mmap.ACCESS_READ)
            seal = self._seal(raw, bin_path.name, stat)
            if not (trust_seal and self._sealed(seal_path, seal)):
                mac = hmac.new(self._key, _meta_bytes(meta), hashlib.sha256)
                view = memoryview(mapped)
                for offset in range(0, BITMAP_BYTES, _READ):
                    size = min(_READ, BITMAP_BYTES - offset)
                    mac.update(view[offset:offset + size])
                    if hasattr(mapped, "madvise"):  # hashed pages leave this process (they stay in the page cache)
                        mapped.madvise(mmap.MADV_DONTNEED, offset, size)
                view.release()
                if not hmac.compare_digest(mac.hexdigest(), str(meta.get("mac", ""))):
                    mapped.close()
                    return SnapshotInvalid(f"{meta_path.name}: the MAC does not match (the file was changed)")
                if time.time() - stat.st_ctime > RACY_SECONDS:
                    self._write_seal(seal_path, seal)
            links = {int(old): int(new) for old, new in meta["links"]}
            linked = {int(k): (int(t), int(s), bool(o)) for k, t, s, o in meta["linked"]}
            version, links_version = int(meta["version"]), int(meta["links_version"])
        except (OSError, ValueError, KeyError, TypeError):
            return SnapshotInvalid(f"{meta_path.name} cannot be read")
        bitmap = np.frombuffer(mapped, np.uint8)  # read-only: the mapping is ACCESS_READ
        return OptOutSnapshot(bitmap, version, links_version, links, str(meta.get("fingerprint", "")), linked)

    def _seal(self, meta_raw: bytes, bitmap_name: str, stat: os.stat_result) -> dict[str, Any]:
        """What a full verification saw: the metadata's bytes and the bitmap file's identity and times."""
        seal: dict[str, Any] = {
            "meta_sha256": hashlib.sha256(meta_raw).hexdigest(),
            "bitmap": bitmap_name,
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

    def save(self, identity: str, snapshot: OptOutSnapshot) -> None:
        self._dir.mkdir(parents=True, exist_ok=True)
        stem = self._stem(identity)
        name = f"{stem}-v{snapshot.version}-l{snapshot.links_version}-{uuid.uuid4().hex[:8]}.bin"
        # A new file (never rewritten in place): other processes may be reading the old one.
        tmp_bin = self._dir / f"{name}.tmp"
        data = np.ascontiguousarray(snapshot.bitmap).data
        with open(tmp_bin, "wb") as handle:
            handle.write(data)
        os.replace(tmp_bin, self._dir / name)
        meta: dict[str, Any] = {
            "format": FORMAT,
            "identity": identity,
            "version": snapshot.version,
            "links_version": snapshot.links_version,
            "fingerprint": snapshot.fingerprint,
            "links": sorted(snapshot.links.items()),
            "linked": sorted([k, *v] for k, v in snapshot.linked.items()),
            "bitmap": name,
        }
        mac = hmac.new(self._key, _meta_bytes(meta), hashlib.sha256)
        mac.update(data)
        meta["mac"] = mac.hexdigest()
        meta_path = self._dir / f"{stem}.json"
        tmp = meta_path.with_suffix(f".json.{os.getpid()}.{uuid.uuid4().hex[:8]}.tmp")
        tmp.write_text(json.dumps(meta))
        os.replace(tmp, meta_path)
        for old in self._dir.glob(f"{stem}-*.bin"):
            if old.name != name:
                with contextlib.suppress(OSError):
                    old.unlink()
