"""Opt-out snapshots persisted under the var directory, so that a new process starts warm.

Two files: `optout-<id>.bin` (the 125 MB bitmap) and `optout-<id>.json` (the registry version, the
supersession links and their version, the bitmap's file name and sha256-free size check). The bitmap
is written first under a new name and the JSON replaced atomically after it, so a reader sees an old
complete snapshot or a new complete one. Loading maps the bitmap copy-on-write: a one-row check
touches one page, not 125 MB.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import uuid
from pathlib import Path

import numpy as np

from ndop.domain.check.snapshot import BITMAP_BYTES, OptOutSnapshot

FORMAT = 1


class FileSnapshotStore:
    def __init__(self, directory: Path) -> None:
        self._dir = directory

    def _stem(self, identity: str) -> str:
        return "optout-" + hashlib.sha256(identity.encode()).hexdigest()[:16]

    def load(self, identity: str) -> OptOutSnapshot | None:
        meta_path = self._dir / f"{self._stem(identity)}.json"
        try:
            meta = json.loads(meta_path.read_text())
            if meta.get("format") != FORMAT or meta.get("identity") != identity:
                return None
            bin_path = self._dir / meta["bitmap"]
            if bin_path.stat().st_size != BITMAP_BYTES:
                return None
            bitmap = np.memmap(bin_path, dtype=np.uint8, mode="r", shape=(BITMAP_BYTES,))
        except (OSError, ValueError, KeyError):
            return None
        links = {int(old): int(new) for old, new in meta["links"]}
        version, links_version = int(meta["version"]), int(meta["links_version"])
        return OptOutSnapshot(bitmap, version, links_version, links, str(meta.get("fingerprint", "")))

    def save(self, identity: str, snapshot: OptOutSnapshot) -> None:
        self._dir.mkdir(parents=True, exist_ok=True)
        stem = self._stem(identity)
        name = f"{stem}-v{snapshot.version}-l{snapshot.links_version}-{uuid.uuid4().hex[:8]}.bin"
        # A new file (never rewritten in place): other processes may have the old one mapped.
        tmp_bin = self._dir / f"{name}.tmp"
        with open(tmp_bin, "wb") as handle:
            handle.write(np.ascontiguousarray(snapshot.bitmap).data)
        os.replace(tmp_bin, self._dir / name)
        meta = {
            "format": FORMAT,
            "identity": identity,
            "version": snapshot.version,
            "links_version": snapshot.links_version,
            "fingerprint": snapshot.fingerprint,
            "links": sorted(snapshot.links.items()),
            "bitmap": name,
        }
        meta_path = self._dir / f"{stem}.json"
        tmp = meta_path.with_suffix(f".json.{os.getpid()}.tmp")
        tmp.write_text(json.dumps(meta))
        os.replace(tmp, meta_path)
        for old in self._dir.glob(f"{stem}-*.bin"):
            if old.name != name:
                with contextlib.suppress(OSError):
                    old.unlink()  # a process still mapping it keeps its pages until it lets go
