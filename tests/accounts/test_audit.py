import csv
import io
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from followup.accounts.audit import AuditFilter, actions, all_events, events, record, write_csv
from followup.accounts.users import create_user
from followup.models import Role
from tests.factories import make_programme

ZONE = ZoneInfo("Europe/Stockholm")


def test_events_filter_by_programme_user_action_and_day(db, clock):
    steget = make_programme(db, clock.now(), "Steget")
    fram = make_programme(db, clock.now(), "Fram")
    anna = create_user(db, clock.now(), "anna@example.org", "Anna", Role.ADMIN)
    bo = create_user(db, clock.now(), "bo@example.org", "Bo", Role.COORDINATOR, steget)
    record(db, clock.now(), "contact.shown", bo, steget, "P1")
    record(db, clock.now() + timedelta(days=1), "import", anna, fram, None, file="a.csv", created=3)
    record(db, clock.now() + timedelta(days=2), "sign_in", anna)

    assert [e.action for e in events(AuditFilter(), ZONE)] == ["sign_in", "import", "contact.shown"]
    mine = AuditFilter(programme_ids=frozenset({steget.id}))
    assert [e.participant_code for e in events(mine, ZONE)] == ["P1"]
    assert [e.action for e in events(AuditFilter(user_id=anna.id), ZONE)] == ["sign_in", "import"]
    assert [e.action for e in events(AuditFilter(action="import"), ZONE)] == ["import"]
    day = clock.now().astimezone(ZONE).date() + timedelta(days=1)
    assert [e.action for e in events(AuditFilter(since=day, until=day), ZONE)] == ["import"]
    assert events(AuditFilter(programme_ids=frozenset()), ZONE) == []


def test_paging_goes_back_by_id(db, clock):
    for n in range(5):
        record(db, clock.now(), "sign_in", None, None, None, n=n)
    first = events(AuditFilter(), ZONE, limit=2)
    second = events(AuditFilter(), ZONE, before=first[-1].id, limit=2)
    assert [e.id for e in first + second] == sorted((e.id for e in first + second), reverse=True)
    assert len({e.id for e in first + second}) == 4


@pytest.mark.parametrize("name", ["email", "phone", "answers", "password"])
def test_contact_details_and_answers_are_refused(db, clock, name):
    with pytest.raises(ValueError):
        record(db, clock.now(), "oops", **{name: "x"})


def test_csv_cells_that_would_be_formulas_are_made_text(db, clock):
    programme = make_programme(db, clock.now(), "=HYPERLINK(1)")
    record(db, clock.now(), "import", None, programme, "-P1", file="@evil.csv")
    out = io.StringIO()
    write_csv(events(AuditFilter(), ZONE), out, ZONE)
    lines = out.getvalue().splitlines()
    assert lines[0] == "time,user,action,programme,participant_code,details"
    assert "'=HYPERLINK(1)" in lines[1] and "'-P1" in lines[1]
    assert "+01:00" in lines[1]


def test_a_refusal_names_what_the_log_does_not_keep(db, clock):
    with pytest.raises(ValueError, match="keeps no email, phone$"):
        record(db, clock.now(), "oops", phone="x", email="y", file="z")


def test_details_are_kept_as_readable_json(db, clock):
    record(db, clock.now(), "import", None, None, None, file="å.csv", created=3, day=clock.now().date())
    assert events(AuditFilter(), ZONE)[0].details == '{"created": 3, "day": "2026-01-15", "file": "å.csv"}'


def test_days_are_whole_local_days_from_midnight_to_midnight(db, clock):
    # 2026-01-15 in Stockholm runs from 2026-01-14 23:00 to 2026-01-15 23:00 UTC.
    midnight = datetime(2026, 1, 14, 23, 0, tzinfo=UTC)
    for name, at in [
        ("day before", midnight - timedelta(microseconds=1)),
        ("first instant", midnight),
        ("half past midnight", midnight + timedelta(minutes=30)),
        ("half past eleven", midnight + timedelta(hours=23, minutes=30)),
        ("next midnight", midnight + timedelta(days=1)),
    ]:
        record(db, at, name)
    day = date(2026, 1, 15)
    found = [e.action for e in events(AuditFilter(since=day, until=day), ZONE)]
    assert found == ["half past eleven", "half past midnight", "first instant"]
    assert [e.action for e in all_events(AuditFilter(since=day, until=day), ZONE)] == found


def test_the_filter_offers_the_actions_that_occur(db, clock):
    for action in ("sign_in", "import", "sign_in"):
        record(db, clock.now(), action)
    assert actions() == ["import", "sign_in"]


def test_csv_rows_name_the_user_and_programme_and_leave_missing_ones_empty(db, clock):
    programme = make_programme(db, clock.now(), "Steget")
    anna = create_user(db, clock.now(), "anna@example.org", "Anna", Role.ADMIN)
    record(db, clock.now(), "contact.shown", anna, programme, "P1")
    record(db, clock.now() + timedelta(seconds=1), "sign_in.failed")
    out = io.StringIO()
    write_csv(all_events(AuditFilter(), ZONE), out, ZONE)
    rows = list(csv.reader(io.StringIO(out.getvalue())))
    assert rows[1] == ["2026-01-15T13:00:01+01:00", "", "sign_in.failed", "", "", "{}"]
    assert rows[2] == ["2026-01-15T13:00:00+01:00", "Anna", "contact.shown", "Steget", "P1", "{}"]
