"""One scheduler per database: a lock held for the life of the process that schedules.

A scheduler that starts puts back every message left "sending" (its sender is gone). That is only
safe if no other scheduler is sending at that moment, so a second one must not start. The lock is
one the operating system or the database server lets go of when the process dies, even by
SIGKILL, so a restart after a crash is never refused: a file lock (flock) next to a SQLite
database, a session-level advisory lock on PostgreSQL.
"""

from __future__ import annotations

import fcntl
import os
from urllib.parse import urlparse

from playhouse.db_url import connect

# Any fixed number will do, as long as nothing else takes the same advisory lock.
ADVISORY_KEY = 0x466F6C6C6F7775  # "Followu"

# What this process holds: kept referenced, so that the lock lives as long as the process.
_held: list[object] = []


class SchedulerBusy(Exception):
    """Another process is already the scheduler for this database."""


def hold(database_url: str) -> None:
    """Become this database's one scheduler, or raise SchedulerBusy. Calling it again is harmless."""
    if _held:
        return
    scheme = urlparse(database_url).scheme
    if scheme == "sqlite":
        _held.append(_file_lock(database_url))
    elif scheme in ("postgres", "postgresql"):
        _held.append(_advisory_lock(database_url))
    else:
        raise ValueError(f"unsupported database URL scheme {scheme!r}")


def release() -> None:
    """Let go of the lock (tests; a process that ends lets go by itself)."""
    while _held:
        held = _held.pop()
        held.close()


def _file_lock(database_url: str):
    path = urlparse(database_url).path[1:]  # sqlite:///relative or sqlite:////absolute
    if path in ("", ":memory:"):
        return _Nothing()  # no other process can open this database
    lock = os.fdopen(os.open(f"{path}.scheduler-lock", os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600), "a")
    try:
        fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        lock.close()
        raise SchedulerBusy() from None
    return lock


def _advisory_lock(database_url: str):
    # A connection of its own, outside the pool: the lock is the session's, and lasts as long as it.
    db = connect(database_url)
    db.connect()
    (taken,) = db.execute_sql("SELECT pg_try_advisory_lock(%s)", (ADVISORY_KEY,)).fetchone()
    if not taken:
        db.close()
        raise SchedulerBusy()
    return db


class _Nothing:
    def close(self) -> None:
        pass
