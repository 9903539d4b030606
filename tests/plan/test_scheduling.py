from datetime import UTC, date, datetime

import pytest

from followup.models import Invitation
from followup.plan.scheduling import add_months, due_at, invitations_for
from tests.factories import STOCKHOLM, make_participant, make_programme


@pytest.mark.parametrize(
    ("start", "months", "expected"),
    [
        (date(2025, 1, 31), 1, date(2025, 2, 28)),
        (date(2024, 1, 31), 1, date(2024, 2, 29)),
        (date(2024, 2, 29), 12, date(2025, 2, 28)),
        (date(2024, 2, 29), 24, date(2026, 2, 28)),
        (date(2024, 2, 29), 48, date(2028, 2, 29)),
        (date(2025, 8, 31), 6, date(2026, 2, 28)),
        (date(2025, 3, 31), 6, date(2025, 9, 30)),
        (date(2025, 7, 15), 6, date(2026, 1, 15)),
        (date(2025, 12, 1), 1, date(2026, 1, 1)),
        (date(2025, 3, 31), -1, date(2025, 2, 28)),
    ],
)
def test_months_are_calendar_months(start, months, expected):
    assert add_months(start, months) == expected


def test_due_at_is_the_local_hour_in_winter_and_summer():
    winter = due_at(date(2025, 7, 10), 6, STOCKHOLM, 10)
    summer = due_at(date(2025, 1, 10), 6, STOCKHOLM, 10)
    assert winter == datetime(2026, 1, 10, 9, 0, tzinfo=UTC)
    assert summer == datetime(2025, 7, 10, 8, 0, tzinfo=UTC)


class Wave:
    def __init__(self, id, offset_months, window_days=60):
        self.id, self.offset_months, self.window_days = id, offset_months, window_days


def test_a_late_import_gets_only_the_waves_still_open():
    waves = [Wave(1, 6), Wave(2, 12), Wave(3, 24)]
    exit_date = date(2024, 1, 10)
    # 12 months after exit is 2025-01-10; its 60-day window is still open on 2025-02-01.
    rows = invitations_for(7, exit_date, waves, datetime(2025, 2, 1, tzinfo=UTC), STOCKHOLM, 10)
    assert [row["wave"] for row in rows] == [2, 3]
    rows = invitations_for(7, exit_date, waves, datetime(2025, 3, 12, tzinfo=UTC), STOCKHOLM, 10)
    assert [row["wave"] for row in rows] == [3]


def test_import_plans_three_waves_with_their_windows(db, clock):
    programme = make_programme(db, clock.now())
    make_participant(db, clock.now(), programme, exit_date=date(2025, 12, 31))
    invitations = list(Invitation.select().order_by(Invitation.due_at))
    assert [i.due_at.astimezone(STOCKHOLM).date() for i in invitations] == [
        date(2026, 6, 30),
        date(2026, 12, 31),
        date(2027, 12, 31),
    ]
    assert all(i.due_at.astimezone(STOCKHOLM).hour == 10 for i in invitations)
    assert all((i.expires_at - i.due_at).days == 60 for i in invitations)
    assert {i.state for i in invitations} == {"scheduled"}


def test_a_plan_can_set_other_offsets(db, clock):
    programme = make_programme(db, clock.now(), offsets=[3, 36], window_days=30)
    make_participant(db, clock.now(), programme, exit_date=date(2025, 12, 1))
    due = sorted(i.due_at.astimezone(STOCKHOLM).date() for i in Invitation.select())
    assert due == [date(2026, 3, 1), date(2028, 12, 1)]
