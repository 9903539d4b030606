from datetime import UTC, date, datetime, timedelta

import pytest

from followup.models import Invitation, Participant, window_open
from followup.models import Wave as StoredWave
from followup.plan.scheduling import (
    add_months,
    due_at,
    expire_closed,
    insert_invitations,
    invitations_for,
    plan_missing,
    what_comes_next,
)
from tests.factories import STOCKHOLM, make_participant, make_programme, programme_rows


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


MICROSECOND = timedelta(microseconds=1)


def test_a_window_is_open_until_the_instant_it_closes():
    closes = datetime(2026, 3, 1, 9, 0, tzinfo=UTC)
    assert window_open(closes, closes - MICROSECOND)
    assert not window_open(closes, closes)
    assert not window_open(closes, closes + MICROSECOND)


def test_an_import_plans_a_wave_up_to_the_instant_it_closes():
    waves = [Wave(1, 6)]
    expires = due_at(date(2025, 7, 10), 6, STOCKHOLM, 10) + timedelta(days=60)
    planned = invitations_for(7, date(2025, 7, 10), waves, expires - MICROSECOND, STOCKHOLM, 10)
    assert [(row["wave"], row["expires_at"]) for row in planned] == [(1, expires)]
    assert invitations_for(7, date(2025, 7, 10), waves, expires, STOCKHOLM, 10) == []


def test_an_invitation_expires_at_the_instant_its_window_closes(db, clock):
    programme = make_programme(db, clock.now(), offsets=[6])
    make_participant(db, clock.now(), programme, exit_date=date(2025, 7, 10))
    expires = Invitation.get().expires_at
    assert expire_closed(expires - MICROSECOND) == 0
    assert Invitation.get().state == Invitation.SCHEDULED
    assert expire_closed(expires) == 1
    assert Invitation.get().state == Invitation.EXPIRED
    assert expire_closed(expires + MICROSECOND) == 0  # expired once; answered or sent ones are left alone


def test_an_answered_invitation_never_expires(db, clock):
    programme = make_programme(db, clock.now(), offsets=[6])
    make_participant(db, clock.now(), programme, exit_date=date(2025, 7, 10))
    Invitation.update(state=Invitation.ANSWERED).execute()
    assert expire_closed(Invitation.get().expires_at) == 0
    assert Invitation.get().state == Invitation.ANSWERED


def invitations_by_person():
    query = Invitation.select(Participant.programme, Participant.code, StoredWave.offset_months).join(
        Participant
    )
    query = query.switch(Invitation).join(StoredWave).tuples()
    return sorted(query)


def test_a_wave_added_after_the_import_is_planned_for_that_programme_only(db, clock, two_programmes):
    a, b = two_programmes.a, two_programmes.b
    others = programme_rows(b)
    before = invitations_by_person()
    StoredWave.create(programme=a, offset_months=18, survey="standard", window_days=60)
    assert plan_missing(db, clock.now(), STOCKHOLM, 10) == 2
    added = sorted(set(invitations_by_person()) - set(before))
    assert added == [(a.id, "P1", 18), (a.id, "P2", 18)]
    # Exit 2025-06-30 + 18 months, 10:00 in Stockholm (winter time), open for 60 days.
    new = Invitation.select().join(StoredWave).where(StoredWave.offset_months == 18).first()
    assert new.due_at == datetime(2026, 12, 30, 9, 0, tzinfo=UTC)
    assert new.expires_at == new.due_at + timedelta(days=60)
    assert new.state == Invitation.SCHEDULED
    assert programme_rows(b) == others
    # Nothing is missing any more.
    assert plan_missing(db, clock.now(), STOCKHOLM, 10) == 0


def test_plan_missing_leaves_out_closed_windows_and_people_who_opted_out(db, clock, two_programmes):
    a = two_programmes.a
    make_participant(db, clock.now(), a, code="P9", exit_date=date(2025, 1, 10))
    Participant.update(opted_out_at=clock.now()).where(Participant.code == "P2").execute()
    before = invitations_by_person()
    # Three months after 2025-01-10 closed long ago; after 2025-06-30 it is 2025-09-30, closed on 2025-11-29.
    StoredWave.create(programme=a, offset_months=3, survey="standard", window_days=60)
    StoredWave.create(programme=a, offset_months=13, survey="standard", window_days=60)
    assert plan_missing(db, clock.now(), STOCKHOLM, 10) == 2
    added = sorted(set(invitations_by_person()) - set(before))
    assert added == [(a.id, "P1", 13), (a.id, "P9", 13)]


def test_a_participant_imported_before_the_plan_had_waves_gets_them_later(db, clock):
    programme = make_programme(db, clock.now(), offsets=[6])
    StoredWave.delete().execute()
    make_participant(db, clock.now(), programme, code="P1", exit_date=date(2025, 12, 31))
    assert Invitation.select().count() == 0
    StoredWave.create(programme=programme, offset_months=6, survey="standard", window_days=60)
    # P2, imported after the wave was added, has its invitation already; P1 still lacks one.
    make_participant(db, clock.now(), programme, code="P2", exit_date=date(2025, 11, 30))
    assert plan_missing(db, clock.now(), STOCKHOLM, 10) == 1
    invitation = Invitation.get(Invitation.participant == Participant.get(Participant.code == "P1"))
    assert invitation.due_at.astimezone(STOCKHOLM) == datetime(2026, 6, 30, 10, 0, tzinfo=STOCKHOLM)


def test_planning_what_exists_already_changes_nothing(db, clock):
    # Two schedulers may plan the same missing invitation at once: the second insert is no error.
    programme = make_programme(db, clock.now(), offsets=[6])
    make_participant(db, clock.now(), programme, exit_date=date(2025, 12, 31))
    before = list(Invitation.select().tuples())
    rows = invitations_for(
        Participant.get().id, date(2025, 12, 31), StoredWave.select(), clock.now(), STOCKHOLM, 11
    )
    assert insert_invitations(db, rows) == 1
    assert list(Invitation.select().tuples()) == before


def invitation_of(programme, code, months):
    return (
        Invitation.select()
        .join(Participant)
        .switch(Invitation)
        .join(StoredWave)
        .where(
            (Participant.programme == programme)
            & (Participant.code == code)
            & (StoredWave.offset_months == months)
        )
        .get()
    )


def test_what_comes_next_is_the_next_wave_of_the_same_programme_on_the_local_day(db, clock, two_programmes):
    a, b = two_programmes.a, two_programmes.b
    # Steget has waves at 6, 12 and 24 months, Steget Fram at 3 and 12. P3 (Steget Fram) left on
    # 2025-09-30: after 3 months comes 12 (Steget's 6 would be 2026-03-30). P1 left on 2025-06-30.
    after_three = what_comes_next(invitation_of(b, "P3", 3).id, STOCKHOLM, 10)
    assert after_three.next_due == date(2026, 9, 30)
    assert not after_three.opted_out
    assert what_comes_next(invitation_of(a, "P1", 6).id, STOCKHOLM, 10).next_due == date(2026, 6, 30)
    assert what_comes_next(invitation_of(a, "P1", 12).id, STOCKHOLM, 10).next_due == date(2027, 6, 30)
    # Midnight in Stockholm is still the day before in UTC, and 23:00 the day after: the day named
    # is Stockholm's.
    assert what_comes_next(invitation_of(a, "P1", 12).id, STOCKHOLM, 0).next_due == date(2027, 6, 30)
    assert what_comes_next(invitation_of(a, "P1", 12).id, STOCKHOLM, 23).next_due == date(2027, 6, 30)
    # A wave added later comes in its place by months, not by when it was added.
    StoredWave.create(programme=a, offset_months=18, survey="standard", window_days=60)
    assert what_comes_next(invitation_of(a, "P1", 12).id, STOCKHOLM, 10).next_due == date(2026, 12, 30)


def test_after_the_last_wave_nothing_comes_next_and_an_opt_out_is_told(db, clock, two_programmes):
    a = two_programmes.a
    last = what_comes_next(invitation_of(a, "P2", 24).id, STOCKHOLM, 10)
    assert last.next_due is None
    Participant.update(opted_out_at=clock.now()).where(
        (Participant.programme == a) & (Participant.code == "P2")
    ).execute()
    assert what_comes_next(invitation_of(a, "P2", 6).id, STOCKHOLM, 10).opted_out
    assert not what_comes_next(invitation_of(a, "P1", 6).id, STOCKHOLM, 10).opted_out
