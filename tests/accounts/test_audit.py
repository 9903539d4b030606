import io
from datetime import timedelta
from zoneinfo import ZoneInfo

import pytest

from followup.accounts.audit import AuditFilter, events, record, write_csv
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
