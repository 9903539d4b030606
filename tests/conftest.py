import atexit
import functools
import os
import shutil
import tempfile
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path

import psycopg2
import pytest

from followup import create_app
from followup.clock import FixedClock
from followup.db import bind, migrate, open_database
from tests.factories import at, make_participants, make_programme, run_tick

pytest_plugins = ["tests.browser", "tests.command_line", "tests.smtp_server", "tests.twilio_server"]

POSTGRES_URL = os.environ.get("FOLLOWUP_TEST_DATABASE_URL")
DATABASES = ["sqlite", "postgresql"] if POSTGRES_URL else ["sqlite"]


def reset_postgres(url: str) -> None:
    """Empty the test database's public schema."""
    connection = psycopg2.connect(url)
    connection.autocommit = True
    with connection.cursor() as cursor:
        cursor.execute("DROP SCHEMA IF EXISTS public CASCADE; CREATE SCHEMA public;")
    connection.close()


def _migrated(url: str) -> None:
    database = open_database(url)
    database.connect()
    migrate(database)
    database.close()
    if hasattr(database, "close_all"):
        database.close_all()


class MigratedPostgres:
    """The test database, migrated once per session and emptied of rows before each test.

    Migrating from nothing takes a quarter of a second on PostgreSQL, a tenth on SQLite: more than
    most tests. A test that leaves the schema otherwise than migrated (a migration test stops half
    way) is noticed by the count of applied migrations, and the schema is then built anew."""

    def __init__(self, url: str):
        self.url = url
        reset_postgres(url)
        _migrated(url)
        with self._cursor() as cursor:
            self.migrations = self._applied(cursor)
            cursor.execute("SELECT tablename FROM pg_tables WHERE schemaname = 'public' ORDER BY 1")
            tables = [row[0] for row in cursor.fetchall() if row[0] != "schema_migration"]
            cursor.execute("SELECT sequencename FROM pg_sequences WHERE schemaname = 'public' ORDER BY 1")
            sequences = [row[0] for row in cursor.fetchall() if not row[0].startswith("schema_migration")]
        # Foreign keys and the status counts' triggers are left out while every table is emptied.
        self.emptying = "".join(
            ["SET session_replication_role = replica;"]
            + [f'DELETE FROM "{table}";' for table in tables]
            + [f'ALTER SEQUENCE "{sequence}" RESTART;' for sequence in sequences]
            + ["RESET session_replication_role;"]
        )

    @contextmanager
    def _cursor(self):
        connection = psycopg2.connect(self.url)
        connection.autocommit = True
        try:
            yield connection.cursor()
        finally:
            connection.close()

    @staticmethod
    def _applied(cursor) -> int | None:
        cursor.execute("SELECT to_regclass('public.schema_migration') IS NOT NULL")
        if not cursor.fetchone()[0]:
            return None
        cursor.execute("SELECT count(*) FROM schema_migration")
        return cursor.fetchone()[0]

    def empty(self) -> None:
        with self._cursor() as cursor:
            if self._applied(cursor) == self.migrations:
                cursor.execute(self.emptying)
                return
        reset_postgres(self.url)
        _migrated(self.url)


@pytest.fixture(scope="session")
def migrated_postgres():
    return MigratedPostgres(POSTGRES_URL) if POSTGRES_URL else None


@functools.cache
def _migrated_sqlite_file() -> Path:
    """A migrated SQLite file made once per process, outside pytest's temporary folders: processes
    forked from this one with a pytest session each (mutmut's, one per mutant) copy it instead of
    migrating again. The process that made it deletes it when it ends."""
    folder = Path(tempfile.mkdtemp(prefix="followup-migrated-"))
    atexit.register(shutil.rmtree, folder, True)
    path = folder / "test.sqlite3"
    _migrated(f"sqlite:///{path}")
    return path


@pytest.fixture(scope="session")
def migrated_sqlite() -> Path:
    return _migrated_sqlite_file()


@pytest.fixture(params=DATABASES)
def database_url(request, tmp_path, migrated_sqlite, migrated_postgres):
    """A migrated, empty database; `@pytest.mark.empty_database` for one without even a schema."""
    empty = request.node.get_closest_marker("empty_database") is not None
    if request.param == "sqlite":
        path = tmp_path / "test.sqlite3"
        if not empty:
            shutil.copy2(migrated_sqlite, path)
        return f"sqlite:///{path}"
    if empty:
        reset_postgres(POSTGRES_URL)
    else:
        migrated_postgres.empty()
    return POSTGRES_URL


@pytest.fixture
def clock():
    return FixedClock(datetime(2026, 1, 15, 12, 0, tzinfo=UTC))


@pytest.fixture
def db(database_url):
    """A migrated database bound to the models, without Flask."""
    database = bind(open_database(database_url))
    database.connect()
    migrate(database)
    yield database
    database.close()
    database.close_all()  # the pool's idle connections too


@pytest.fixture
def app(database_url, tmp_path, clock):
    app = create_app(
        {
            "DATABASE_URL": database_url,
            "INSTANCE_PATH": str(tmp_path / "instance"),
            "SECRET_KEY": "a-test-secret-that-is-long-enough-for-tests",
            "BASE_URL": "http://localhost",
            "CLOCK": clock,
            "TESTING": True,
        }
    )
    database = app.extensions["followup"].db
    database.connect(reuse_if_open=True)
    migrate(database)
    yield app
    database.close()
    database.close_all()


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def runner(app):
    return app.test_cli_runner()


@pytest.fixture
def outbox(app):
    from tests.factories import Outbox

    return Outbox(app.config["OUTBOX_PATH"])


@pytest.fixture
def two_programmes(db, clock):
    """Steget and Steget Fram side by side (see tests.factories.TwoProgrammes)."""
    from tests.factories import make_two_programmes

    return make_two_programmes(db, clock.now())


@pytest.fixture
def invited(app, db, clock, outbox):
    """Return the survey and opt-out paths of two invited participants (E1 Swedish, E2 English)."""
    programme = make_programme(db, clock.now())
    make_participants(
        db,
        clock.now(),
        programme,
        ["E1,2025-07-20,e1@example.org,,sv,G", "E2,2025-07-20,e2@example.org,,en,G"],
    )
    now = at(2026, 1, 21)
    clock.set(now)
    run_tick(app, db, now)
    links = {}
    for email in outbox.emails():
        code = email["To"].split("@")[0].upper()
        links[code] = outbox.link_for(email["To"]).removeprefix("http://localhost")
        links[f"{code}-optout"] = email["List-Unsubscribe"][1:-1].removeprefix("http://localhost")
    return links
