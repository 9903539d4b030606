import os
from datetime import UTC, datetime

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


@pytest.fixture(params=DATABASES)
def database_url(request, tmp_path):
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'test.sqlite3'}"
    reset_postgres(POSTGRES_URL)
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
