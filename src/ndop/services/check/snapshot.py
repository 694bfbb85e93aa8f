"""Keep the opt-out snapshot in step with the registry: reuse, catch up, or rebuild.

- Registry unchanged since the snapshot: reuse it (two counter reads).
- New choice events: apply only those (`sequence > version`), then persist the new snapshot (the store
  writes a small delta over the last full bitmap, ADR 80).
- The supersession links changed (their counter moved), the database is another one, or the
  registry went backwards or holds another history at that version (reset or restored from a
  backup; the event at the snapshot's version no longer matches its fingerprint): a full rebuild.
- The persisted file does not verify (its MAC): never used; a full rebuild, and `note` says why, for
  the check job's record (ADR 43).

Builds and catch-ups read the choice history, not the current-choice projection.
"""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass

from ndop.domain.check.ports import OptOutSource, SnapshotInvalid, SnapshotStore
from ndop.domain.check.snapshot import OptOutSnapshot


@dataclass(frozen=True, slots=True)
class SnapshotSync:
    """What the last `current()` had to do, and how long it took (for the benchmark and logs)."""

    action: str  # "reused" | "loaded" | "caught_up" | "rebuilt"
    events: int
    seconds: float
    note: str = ""  # why a rebuild was forced by a persisted snapshot that did not verify


class SnapshotKeeper:
    def __init__(self, source: OptOutSource, store: SnapshotStore) -> None:
        self._source = source
        self._store = store
        self._snapshot: OptOutSnapshot | None = None
        self._identity: str | None = None
        self._held: tuple[str | None, OptOutSnapshot | None] = (None, None)  # both at once, read without the lock
        self._lock = threading.Lock()
        self.last_sync = SnapshotSync("none", 0, 0.0)

    def current(self) -> OptOutSnapshot:
        return self.current_with_sync()[0]

    def current_with_sync(self) -> tuple[OptOutSnapshot, SnapshotSync]:
        """The snapshot, and what it took (read under the same lock, so it belongs to this snapshot).

        A warm snapshot still current is returned after one read, without the lock: concurrent checks in
        a process do not queue behind each other's round trip to the database (ADR 77)."""
        started = time.perf_counter()
        identity = self._source.identity()
        held_identity, held = self._held
        if held is not None and held_identity == identity:
            version, links_version, fingerprint = self._source.state(held.version)
            if (version, links_version, fingerprint) == (held.version, held.links_version, held.fingerprint):
                sync = SnapshotSync("reused", 0, time.perf_counter() - started)
                self.last_sync = sync
                return held, sync
        with self._lock:
            started = time.perf_counter()
            identity = self._source.identity()
            version, links_version = self._source.versions()
            snapshot = self._snapshot if identity == self._identity else None
            action = "reused"
            note = ""
            if snapshot is None:
                try:
                    snapshot = self._store.load(identity)
                except SnapshotInvalid as exc:
                    snapshot, note = None, f"rebuilt: the persisted snapshot did not verify ({exc})"
                action = "loaded"
            events = 0
            if (
                snapshot is None
                or snapshot.links_version != links_version
                or snapshot.version > version
                or snapshot.fingerprint != self._source.fingerprint(snapshot.version)
            ):
                snapshot = self._rebuild(version, links_version)
                action = "rebuilt"
                snapshot = self._store.save(identity, snapshot)
            if version > snapshot.version:
                changes = list(self._source.changes(snapshot.version, version))
                events = len(changes)
                snapshot = snapshot.advanced(changes, version=version, fingerprint=self._source.fingerprint(version))
                action = "caught_up" if action != "rebuilt" else action
                snapshot = self._store.save(identity, snapshot)  # a small delta over its base (ADR 80)
            self._snapshot, self._identity = snapshot, identity
            self._held = (identity, snapshot)
            self.last_sync = SnapshotSync(action, events, time.perf_counter() - started, note)
            return snapshot, self.last_sync

    def rebuild(self) -> OptOutSnapshot:
        """A full rebuild from the current-choice projection (for operators and the benchmark)."""
        with self._lock:
            started = time.perf_counter()
            identity = self._source.identity()
            version, links_version = self._source.versions()
            snapshot = self._store.save(identity, self._rebuild(version, links_version))
            self._snapshot, self._identity = snapshot, identity
            self._held = (identity, snapshot)
            self.last_sync = SnapshotSync("rebuilt", 0, time.perf_counter() - started)
            return snapshot

    def _rebuild(self, version: int, links_version: int) -> OptOutSnapshot:
        return build_at(self._source, version, links_version, self._source.links())


def build_at(source: OptOutSource, version: int, links_version: int, links: dict[int, int]) -> OptOutSnapshot:
    """The snapshot the history gives at `version` with these links (also what verification compares)."""
    return OptOutSnapshot.build(
        source.opted_out_keys(version),
        links,
        version=version,
        links_version=links_version,
        fingerprint=source.fingerprint(version),
        linked=source.linked_currents(version),
    )
