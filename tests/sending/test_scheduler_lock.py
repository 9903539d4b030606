"""One scheduler per database, held by the process and let go when it dies."""

import subprocess
import sys

import pytest
from peewee import OperationalError

import followup.sending.scheduler_lock as scheduler_lock
from followup.db import migrate, open_database
from tests.conftest import DATABASES

TRY_TO_HOLD = """
import sys
import followup.sending.scheduler_lock as scheduler_lock
try:
    scheduler_lock.hold(sys.argv[1])
except scheduler_lock.SchedulerBusy:
    sys.exit(3)
"""


def another_process_holds(url: str) -> int:
    """Return 0 if another process could become the scheduler, 3 if it was refused."""
    return subprocess.run([sys.executable, "-c", TRY_TO_HOLD, url], timeout=60).returncode


@pytest.fixture
def lock():
    yield scheduler_lock
    scheduler_lock.release()


def test_a_second_scheduler_is_refused_until_the_first_lets_go(lock, database_url):
    database = open_database(database_url)
    database.connect()
    migrate(database)
    database.close()

    assert another_process_holds(database_url) == 0  # it held the lock, then ended and let go
    lock.hold(database_url)
    lock.hold(database_url)  # holding it twice in one process is harmless
    assert another_process_holds(database_url) == 3
    lock.release()
    assert another_process_holds(database_url) == 0


def test_the_lock_file_lies_beside_the_database_and_is_its_owners_alone(lock, tmp_path):
    database = tmp_path / "followup.sqlite3"
    lock.hold(f"sqlite:///{database}")
    lock_file = tmp_path / "followup.sqlite3.scheduler-lock"
    assert lock_file.exists()
    assert lock_file.stat().st_mode & 0o777 == 0o600
    assert another_process_holds(f"sqlite:///{database}") == 3


def test_schedulers_of_two_databases_do_not_refuse_each_other(lock, tmp_path):
    lock.hold(f"sqlite:///{tmp_path / 'one.sqlite3'}")
    assert another_process_holds(f"sqlite:///{tmp_path / 'two.sqlite3'}") == 0


@pytest.mark.parametrize("url", ["sqlite:///:memory:", "sqlite://"])
def test_a_database_in_memory_is_its_own_process_alone(lock, url):
    lock.hold(url)
    assert another_process_holds(url) == 0


@pytest.mark.parametrize("scheme", ["postgres", "postgresql"])
def test_both_names_of_postgresql_take_the_lock_on_the_server(lock, scheme):
    # Nothing listens on port 9: the error is the server's being unreachable, not an unknown scheme.
    with pytest.raises(OperationalError):
        lock.hold(f"{scheme}://nobody@127.0.0.1:9/followup")


def test_another_kind_of_database_is_refused_by_name(lock):
    with pytest.raises(ValueError, match="'mysql'"):
        lock.hold("mysql://nobody@127.0.0.1:9/followup")


# PostgreSQL's two names for itself: on PostgreSQL only (with FOLLOWUP_TEST_DATABASE_URL set, as in CI).
@pytest.mark.parametrize("database_url", [d for d in DATABASES if d == "postgresql"], indirect=True)
def test_a_postgres_url_is_the_same_lock_as_a_postgresql_one(lock, database_url):
    other_name = database_url.replace("postgresql://", "postgres://", 1)
    lock.hold(database_url)
    assert another_process_holds(other_name) == 3
    lock.release()
    assert another_process_holds(other_name) == 0
