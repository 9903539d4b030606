import hashlib
from contextlib import contextmanager

import pytest
from peewee import Database

TRACEBACK_MARKS = ("Traceback (most recent call last)", 'File "/', "werkzeug.exceptions")


def database_checksum(db: Database) -> dict[str, str]:
    """Return, per table, a digest of every row in primary-key order: any change shows."""
    checksums = {}
    for table in sorted(db.get_tables()):
        if table == "migratehistory":
            continue
        quoted = f"{db.quote[0]}{table}{db.quote[1]}"
        rows = db.execute_sql(f"SELECT * FROM {quoted} ORDER BY 1").fetchall()  # noqa: S608
        checksums[table] = f"{len(rows)}:" + hashlib.sha256(repr(rows).encode()).hexdigest()
    return checksums


@pytest.fixture
def unchanged():
    """Call with the database before and after: `with unchanged(db): ...` fails if any row changed."""

    @contextmanager
    def watch(db: Database):
        before = database_checksum(db)
        yield
        after = database_checksum(db)
        changed = sorted(t for t in set(before) | set(after) if before.get(t) != after.get(t))
        assert not changed, f"tables changed: {changed}"

    return watch


def assert_no_traceback(text: str) -> None:
    """Fail when a response or command output shows a Python traceback."""
    for mark in TRACEBACK_MARKS:
        assert mark not in text, f"traceback in output: {text[:500]}"


def answered_with(response, status: int, *words: str) -> str:
    """Check the status (never 500 unless a test provokes one on purpose), that no traceback shows,
    and that the page says `words`; return its text."""
    text = response.get_data(as_text=True)
    assert response.status_code == status, (response.status_code, text[:300])
    assert_no_traceback(text)
    for word in words:
        assert word in text, f"{word!r} not in the page"
    return text
