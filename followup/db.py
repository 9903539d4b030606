"""The database: opened from a URL (SQLite by default, PostgreSQL in production)."""

from __future__ import annotations

import os
from collections.abc import Sequence
from functools import lru_cache
from pathlib import Path
from urllib.parse import urlparse

from flask import Flask, g
from peewee import Database, DatabaseProxy, Field, Model
from playhouse.db_url import connect
from playhouse.migrations import Runner

from followup.instance import FILE_MODE, private_file, private_folder

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
    # Pooled: a request takes an open connection instead of opening one (and, for SQLite, setting
    # its pragmas) every time; close() hands it back.
    pool = {"max_connections": 64, "stale_timeout": 300, "autoconnect": False}
    if scheme == "sqlite":
        _private_sqlite(url)
        # A pooled connection may be handed to another thread after it is returned.
        return connect(
            url.replace("sqlite:", "sqlite+pool:", 1), pragmas=SQLITE_PRAGMAS, check_same_thread=False, **pool
        )
    if scheme in ("postgres", "postgresql"):
        return connect(url.replace(f"{scheme}:", "postgresql+pool:", 1), **pool)
    raise ValueError(f"unsupported database URL scheme {scheme!r}: use sqlite:/// or postgresql://")


def _private_sqlite(url: str) -> None:
    """Make the database file owner-only before SQLite opens it: SQLite gives its -wal and -shm
    files the mode of the database file, whatever the umask."""
    path = url.split("///", 1)[1].split("?", 1)[0] if "///" in url else ""
    if path in ("", ":memory:") or path.startswith("file:"):
        return
    database = Path(path)
    if not database.parent.exists():
        private_folder(database.parent)
    private_file(database)
    for companion in ("-wal", "-shm"):
        if Path(f"{database}{companion}").exists():
            os.chmod(f"{database}{companion}", FILE_MODE)


def bind(db: Database) -> Database:
    """Make `db` the database that the models use."""
    database.initialize(db)
    return db


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


def statement(db: Database, template: str, **models: type[Model]) -> str:
    """Return SQL written out by hand, for `db`: `{p}` becomes its placeholder and `{name}` the
    quoted table of `models[name]`. For statements run so often that peewee building them would
    take longer than the database running them; the text is made once per database kind."""
    opening, closing = db.quote
    tables = tuple((name, f"{opening}{model._meta.table_name}{closing}") for name, model in models.items())
    return _filled(template, db.param, tables)


@lru_cache(maxsize=64)
def _filled(template: str, param: str, tables: tuple[tuple[str, str], ...]) -> str:
    return template.format(p=param, **dict(tables))


def insert_rows(
    db: Database,
    model: type[Model],
    fields: Sequence[Field],
    rows: Sequence[Sequence],
    batch: int = 500,
    ignore_conflicts: bool = False,
) -> None:
    """Insert `rows` (value tuples in `fields` order) with multi-row INSERTs of `batch` rows.

    The same statements as `model.insert_many(...)`, but peewee builds the SQL text only once per
    batch size instead of once per value: building it dominated bulk imports. Values go through each
    field's `db_value`, as with insert_many, and the first batch of each size is checked against
    peewee's own parameters, so a column peewee would add (a default) cannot go unnoticed.
    """
    converters = [field.db_value for field in fields]
    statements: dict[int, str] = {}
    for start in range(0, len(rows), batch):
        chunk = rows[start : start + batch]
        params = [convert(value) for row in chunk for convert, value in zip(converters, row, strict=True)]
        sql = statements.get(len(chunk))
        if sql is None:
            query = model.insert_many(chunk, fields=list(fields))
            if ignore_conflicts:
                query = query.on_conflict_ignore()
            sql, expected = query.sql()
            if expected != params:
                raise RuntimeError(f"bulk insert into {model.__name__}: columns differ from insert_many")
            statements[len(chunk)] = sql
        db.execute_sql(sql, params)
