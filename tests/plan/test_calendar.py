"""The preview calendar: every message a participant leaving on a day would get, and when it goes out."""

from datetime import date, datetime, timedelta

from followup.models import Wave
from followup.plan.calendar import preview
from followup.plan.scheduling import due_at
from followup.sending.quiet_hours import parse_window
from tests.factories import STOCKHOLM, make_programme


def local(*parts: int) -> datetime:
    return datetime(*parts, tzinfo=STOCKHOLM)


def test_without_a_send_window_each_wave_has_its_invitation_then_its_reminders(db, clock):
    programme = make_programme(db, clock.now())  # waves at 6, 12 and 24 months, 60 days open, reminders 7, 14
    sends = preview(programme, date(2025, 3, 3), STOCKHOLM, 10, None)
    expected = []
    for months in (6, 12, 24):
        due = due_at(date(2025, 3, 3), months, STOCKHOLM, 10)
        closes = due + timedelta(days=60)
        expected.append((months, "invitation", 0, due, due, closes))
        for sequence, days in ((1, 7), (2, 14)):
            expected.append(
                (months, "reminder", sequence, due + timedelta(days=days), due + timedelta(days=days), closes)
            )
    assert [(s.months, s.kind, s.sequence, s.due, s.goes_out, s.closes) for s in sends] == expected


def test_reminders_count_from_when_the_invitation_goes_out_and_stop_when_the_wave_closes(db, clock):
    programme = make_programme(db, clock.now(), offsets=[6], window_days=16, reminder_days=[7, 14])
    window = parse_window("mon-fri", "09:00-19:00", "SE", STOCKHOLM)
    # Due on Saturday 6 September 2025 at 10:00; the window opens on Monday the 8th at 09:00.
    sends = preview(programme, date(2025, 3, 6), STOCKHOLM, 10, window)
    assert [(s.kind, s.due, s.goes_out, s.closes) for s in sends] == [
        ("invitation", local(2025, 9, 6, 10), local(2025, 9, 8, 9), local(2025, 9, 22, 10)),
        ("reminder", local(2025, 9, 15, 9), local(2025, 9, 15, 9), local(2025, 9, 22, 10)),
        ("reminder", local(2025, 9, 22, 9), local(2025, 9, 22, 9), local(2025, 9, 22, 10)),
    ]
    # A day less and the second reminder would go out after the wave closes: it is left out.
    Wave.update(window_days=15).where(Wave.programme == programme).execute()
    sends = preview(programme, date(2025, 3, 6), STOCKHOLM, 10, window)
    assert [(s.kind, s.sequence) for s in sends] == [("invitation", 0), ("reminder", 1)]


def test_a_reminder_due_at_the_closing_instant_is_not_planned(db, clock):
    programme = make_programme(db, clock.now(), offsets=[6], window_days=15, reminder_days=[7, 14])
    Wave.update(window_days=14).where(Wave.programme == programme).execute()
    sends = preview(programme, date(2025, 3, 3), STOCKHOLM, 10, None)
    assert [(s.kind, s.sequence) for s in sends] == [("invitation", 0), ("reminder", 1)]


def test_only_the_programme_s_own_waves_are_shown(db, clock, two_programmes):
    sends = preview(two_programmes.b, date(2025, 3, 3), STOCKHOLM, 10, None)
    assert [(s.months, s.kind, s.sequence) for s in sends] == [
        (3, "invitation", 0),
        (3, "reminder", 1),
        (12, "invitation", 0),
        (12, "reminder", 1),
    ]


def test_a_reminder_in_closed_hours_waits_for_the_window_and_a_wave_added_later_comes_in_its_order(db, clock):
    programme = make_programme(db, clock.now(), offsets=[6], window_days=30, reminder_days=[5])
    Wave.create(programme=programme, offset_months=3, survey="standard", window_days=30)  # added by a change
    window = parse_window("mon-fri", "09:00-19:00", "SE", STOCKHOLM)
    sends = preview(programme, date(2025, 3, 6), STOCKHOLM, 10, window)
    # 3 months: due Friday 6 June 2025 (the National Day, a holiday), out Monday the 9th at 09:00.
    # 6 months: out Monday 8 September at 09:00; its reminder, five days on, falls on a Saturday.
    assert [(s.months, s.kind, s.due, s.goes_out) for s in sends] == [
        (3, "invitation", local(2025, 6, 6, 10), local(2025, 6, 9, 9)),
        (3, "reminder", local(2025, 6, 14, 9), local(2025, 6, 16, 9)),
        (6, "invitation", local(2025, 9, 6, 10), local(2025, 9, 8, 9)),
        (6, "reminder", local(2025, 9, 13, 9), local(2025, 9, 15, 9)),
    ]
