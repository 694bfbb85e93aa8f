"""The var directory is private to the service's user: files 0600 in directories 0700 (ADR 0048).

It holds the SQLite database, snapshots of who has opted out, MESH spools and stored checks, all of
them personal data. The process umask makes everything created later private as well, whichever
library creates it (SQLite creates its -wal and -shm files with the database file's mode).
"""

from __future__ import annotations

import os
import stat
from pathlib import Path

PRIVATE_UMASK = 0o077


def make_private(var_dir: Path) -> None:
    """Set the umask, create `var_dir` 0700 and take group and other access away from what is in it."""
    os.umask(PRIVATE_UMASK)
    var_dir.mkdir(mode=0o700, parents=True, exist_ok=True)
    var_dir.chmod(0o700)
    for root, dirs, files in os.walk(var_dir):
        for name, mode in [(d, 0o700) for d in dirs] + [(f, 0o600) for f in files]:
            path = os.path.join(root, name)
            try:
                st = os.lstat(path)
                if not stat.S_ISLNK(st.st_mode) and stat.S_IMODE(st.st_mode) & 0o077:
                    os.chmod(path, stat.S_IMODE(st.st_mode) & ~0o077 | (mode & 0o700))
            except OSError:  # vanished meanwhile, or not ours: the umask still covers what is created
                continue
