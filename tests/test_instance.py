import os
import stat
from pathlib import Path

import pytest

from followup import create_app
from followup.db import migrate
from followup.sending.scheduler_lock import hold, release
from tests.factories import Outbox, make_participants, make_programme, run_tick


def mode(path) -> int:
    return stat.S_IMODE(os.stat(path).st_mode)


@pytest.fixture
def permissive_umask():
    previous = os.umask(0o000)
    yield
    os.umask(previous)


def test_everything_followup_writes_is_owner_only_whatever_the_umask(permissive_umask, tmp_path, clock):
    instance = tmp_path / "instance"
    app = create_app({"INSTANCE_PATH": str(instance), "CLOCK": clock, "TESTING": True})
    database = app.extensions["followup"].db
    with database.connection_context():
        migrate(database)
        programme = make_programme(database, clock.now())
        make_participants(
            database,
            clock.now(),
            programme,
            ["E1,2025-07-20,e1@example.org,,sv,G", "T1,2025-07-20,,070-1740605,sv,G"],
        )
        run_tick(app, database, clock.now().replace(month=3))
        assert Path(f"{instance / 'followup.sqlite3'}-wal").exists()
        hold(app.config["DATABASE_URL"])
        release()
    outbox = Outbox(app.config["OUTBOX_PATH"])
    assert outbox.emails()
    assert mode(instance) == 0o700 and mode(outbox.folder) == 0o700
    written = [p for p in instance.rglob("*") if p.is_file()]
    names = {p.name for p in written}
    assert {"secret_key", "followup.sqlite3", "followup.sqlite3-wal", "followup.sqlite3-shm"} <= names
    assert "followup.sqlite3.scheduler-lock" in names
    assert {p.suffix for p in written} >= {".eml", ".txt"}
    assert {oct(mode(p)) for p in written} == {oct(0o600)}, {p.name: oct(mode(p)) for p in written}


def test_an_instance_folder_left_open_by_an_older_version_is_closed(tmp_path, clock):
    instance = tmp_path / "instance"
    instance.mkdir(mode=0o755)
    os.chmod(instance, 0o755)  # noqa: S103 - as an older version left it
    create_app({"INSTANCE_PATH": str(instance), "CLOCK": clock, "TESTING": True})
    assert mode(instance) == 0o700
