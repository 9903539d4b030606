"""The database: opened from a URL (SQLite by default, PostgreSQL in production)."""

from __future__ import annotations

from pathlib import Path
from urllib.parse import urlparse

from flask import Flask, g
from peewee import Database, DatabaseProxy, PostgresqlDatabase, SqliteDatabase
from playhouse.db_url import connect
from playhouse.migrations import Runner

database = DatabaseProxy()

SQLITE_PRAGMAS = {
    "journal_mode": "wal",
    "foreign_keys": 1,
    "busy_timeout": 10_000,
    "synchronous": "normal",
}


def open_database(url: str) -> Database:
    """Return an unconnected peewee database for `url` (sqlite:///PATH or postgresql://...)."""
    scheme = urlparse(url).scheme
    if scheme == "sqlite":
        db = connect(url, pragmas=SQLITE_PRAGMAS, autoconnect=False)
    elif scheme in ("postgres", "postgresql"):
        db = connect(url, autoconnect=False)
    else:
        raise ValueError(f"unsupported database URL scheme {scheme!r}: use sqlite:/// or postgresql://")
    return db


def bind(db: Database) -> Database:
    """Make `db` the database that the models use."""
    database.initialize(db)
    return db


def is_postgres(db: Database) -> bool:
    """Tell whether `db` is PostgreSQL (claims can then use SKIP LOCKED)."""
    target = db.obj if isinstance(db, DatabaseProxy) else db
    return isinstance(target, PostgresqlDatabase)


def is_sqlite(db: Database) -> bool:
    """Tell whether `db` is SQLite."""
    target = db.obj if isinstance(db, DatabaseProxy) else db
    return isinstance(target, SqliteDatabase)


def init_app(app: Flask) -> None:
    """Bind the configured database and open/close a connection around each request."""
    bind(open_database(app.config["DATABASE_URL"]))

    @app.before_request
    def _connect() -> None:
        g.opened_database = database.connect(reuse_if_open=True)

    @app.teardown_request
    def _close(_exc: BaseException | None) -> None:
        # Close only what this request opened: a command or test may hold the connection.
        if g.pop("opened_database", False) and not database.is_closed():
            database.close()


MIGRATIONS_DIR = Path(__file__).resolve().parent.parent / "migrations"


def migration_runner(db: Database) -> Runner:
    """Return peewee's migration runner over the numbered files in migrations/."""
    target = db.obj if isinstance(db, DatabaseProxy) else db
    return Runner(target, directory=str(MIGRATIONS_DIR))


def migrate(db: Database) -> list[str]:
    """Apply every pending migration in order; return the names applied (none when up to date)."""
    return migration_runner(db).up()


def pending_migrations(db: Database) -> list[str]:
    """Return the names of migrations not yet applied."""
    return [m.name for m in migration_runner(db).status() if m.path and not m.applied]
