"""Opt-out snapshots persisted under the var directory, so that a new process starts warm.

Two files: `optout-<id>.bin` (the 125 MB bitmap) and `optout-<id>.json` (the registry version, the
supersession links and their version, the current events of chained numbers, the bitmap's file name, and
a MAC). The bitmap is written first under a new name and the JSON replaced atomically after it, so a
reader sees an old complete snapshot or a new complete one.

The MAC (HMAC-SHA256, key derived from the configured secret) covers the metadata and every byte of the
bitmap (ADR 43). Loading reads the bitmap into private memory and verifies the MAC over what was read,
once per load (about 0.25 s for 125 MB): a file changed after that cannot change a loaded snapshot, and
a file that does not verify is never used (the keeper rebuilds, and the check job says so).
"""

from __future__ import annotations

import contextlib
import hashlib
import hmac
import json
import os
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np

from ndop.domain.check.ports import SnapshotInvalid
from ndop.domain.check.snapshot import BITMAP_BYTES, OptOutSnapshot

FORMAT = 2
_READ = 16 << 20


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
        snapshot = self._read(meta_path)
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
            result = self._read(meta_path)
            if result is not None:
                yield meta_path.name, identity, result

    def _read(self, meta_path: Path) -> OptOutSnapshot | SnapshotInvalid | None:
        try:
            meta = json.loads(meta_path.read_text())
        except (OSError, ValueError):
            return SnapshotInvalid(f"{meta_path.name} cannot be read")
        if not isinstance(meta, dict) or meta.get("format") != FORMAT:
            return None  # an older format: rebuilt quietly, nothing to distrust
        try:
            bin_path = self._dir / Path(str(meta["bitmap"])).name
            if bin_path.stat().st_size != BITMAP_BYTES:
                return SnapshotInvalid(f"{bin_path.name} has the wrong size")
            bitmap = np.empty(BITMAP_BYTES, np.uint8)
            mac = hmac.new(self._key, _meta_bytes(meta), hashlib.sha256)
            view = bitmap.data
            with open(bin_path, "rb") as handle:
                offset = 0
                while offset < BITMAP_BYTES:
                    count = handle.readinto(view[offset:offset + _READ])
                    if not count:
                        return SnapshotInvalid(f"{bin_path.name} is shorter than it claims")
                    mac.update(view[offset:offset + count])
                    offset += count
            if not hmac.compare_digest(mac.hexdigest(), str(meta.get("mac", ""))):
                return SnapshotInvalid(f"{meta_path.name}: the MAC does not match (the file was changed)")
            links = {int(old): int(new) for old, new in meta["links"]}
            linked = {int(k): (int(t), int(s), bool(o)) for k, t, s, o in meta["linked"]}
            version, links_version = int(meta["version"]), int(meta["links_version"])
        except (OSError, ValueError, KeyError, TypeError):
            return SnapshotInvalid(f"{meta_path.name} cannot be read")
        bitmap.flags.writeable = False
        return OptOutSnapshot(bitmap, version, links_version, links, str(meta.get("fingerprint", "")), linked)

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
