"""Benchmarks. Run them all with `.venv/bin/python -m bench` from the repository root."""

from __future__ import annotations

from pathlib import Path


def migrated_app(directory: Path, database: str, **settings):
    """Return a Flask app over a new, migrated SQLite database in `directory`, its connection open.

    `settings` are config keys on top of the instance folder and a fixed secret.
    """
    from followup import create_app
    from followup.db import migrate

    app = create_app(
        {
            "DATABASE_URL": f"sqlite:///{directory / database}",
            "INSTANCE_PATH": str(directory / "instance"),
            "SECRET_KEY": "a-benchmark-secret-that-is-long-enough",
            **settings,
        }
    )
    db = app.extensions["followup"].db
    db.connect()
    migrate(db)
    return app
