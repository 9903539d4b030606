"""The instance folder and every file followup writes in it: readable by the owner alone.

The database, its -wal/-shm files and the outbox hold addresses and live links, so they are made
owner-only whatever the umask is, not left to it.
"""

from __future__ import annotations

import os
from pathlib import Path

FOLDER_MODE = 0o700
FILE_MODE = 0o600


def private_folder(path: str | os.PathLike) -> Path:
    """Create `path` if needed and make it owner-only (0700); return it."""
    folder = Path(path)
    folder.mkdir(mode=FOLDER_MODE, parents=True, exist_ok=True)
    os.chmod(folder, FOLDER_MODE)
    return folder


def private_file(path: str | os.PathLike) -> Path:
    """Create `path` empty if it is missing and make it owner-only (0600); return it."""
    os.close(os.open(path, os.O_WRONLY | os.O_CREAT, FILE_MODE))
    os.chmod(path, FILE_MODE)
    return Path(path)


def write_private(path: str | os.PathLike, content: bytes) -> None:
    """Write a new owner-only file (0600) at `path`."""
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, FILE_MODE)
    with os.fdopen(fd, "wb") as handle:
        handle.write(content)
