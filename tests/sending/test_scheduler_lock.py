"""One scheduler per database, held by the process and let go when it dies."""

import subprocess
import sys

import pytest

import followup.sending.scheduler_lock as scheduler_lock
from followup.db import migrate, open_database

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
