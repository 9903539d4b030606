from datetime import UTC, datetime, time

import pytest

from followup.models import Message
from followup.sending.quiet_hours import SendWindow, parse_window
from tests.factories import STOCKHOLM, at, make_participants, make_programme, run_tick

WINDOW = parse_window("mon-fri", "09:00-19:00", "SE", STOCKHOLM)


@pytest.mark.parametrize(
    ("moment", "is_open"),
    [
        (at(2026, 6, 17, 9, 0), True),  # Wednesday
        (at(2026, 6, 17, 8, 59), False),
        (at(2026, 6, 17, 18, 59), True),
        (at(2026, 6, 17, 19, 0), False),
        (at(2026, 6, 20, 12, 0), False),  # Saturday (and Midsummer Day)
        (at(2026, 6, 19, 12, 0), False),  # Midsummer Eve, a Friday
        (at(2026, 12, 24, 12, 0), False),  # Christmas Eve, a Thursday
        (at(2026, 5, 14, 12, 0), False),  # Ascension Day
        (at(2026, 5, 13, 12, 0), True),
    ],
)
def test_the_window_is_weekdays_office_hours_and_no_holidays(moment, is_open):
    assert WINDOW.is_open(moment) is is_open


def test_the_window_is_local_time_in_summer_and_winter():
    assert WINDOW.is_open(datetime(2026, 6, 17, 7, 0, tzinfo=UTC))  # 09:00 CEST
    assert not WINDOW.is_open(datetime(2026, 1, 14, 7, 0, tzinfo=UTC))  # 08:00 CET


@pytest.mark.parametrize(
    ("days", "hours", "message"),
    [
        ("mon-fry", "09:00-19:00", "FOLLOWUP_SEND_DAYS"),
        ("mon", "19:00-09:00", "must end after"),
        ("mon", "nine to five", "FOLLOWUP_SEND_HOURS"),
    ],
)
def test_bad_window_settings_are_named(days, hours, message):
    with pytest.raises(ValueError, match=message):
        parse_window(days, hours, "SE", STOCKHOLM)


def test_what_falls_due_at_night_goes_out_when_the_window_opens(app, db, clock, outbox):
    programme = make_programme(db, clock.now())
    make_participants(db, clock.now(), programme, ["N1,2025-12-19,n1@example.org,,sv,G"])
    # Due Friday 2026-06-19 10:00, Midsummer Eve: nothing that day, nor at the weekend.
    for moment in (at(2026, 6, 19, 10, 30), at(2026, 6, 20, 12), at(2026, 6, 22, 8, 59)):
        report = run_tick(app, db, moment, window=WINDOW)
        assert report.window_closed and report.sent == 0
    assert outbox.files() == [] and Message.select().count() == 1  # queued, waiting
    report = run_tick(app, db, at(2026, 6, 22, 9, 0), window=WINDOW)
    assert report.sent == 1 and len(outbox.emails()) == 1


# Ordinary days of 2026 with no holiday near them: Monday 2 March to Sunday 8 March.
ORDINARY_WEEK = {
    name: at(2026, 3, 2 + n, 12) for n, name in enumerate(("mon", "tue", "wed", "thu", "fri", "sat", "sun"))
}


def open_days(days: str, holidays: str = "SE") -> list[str]:
    window = parse_window(days, "09:00-19:00", holidays, STOCKHOLM)
    return [name for name, moment in ORDINARY_WEEK.items() if window.is_open(moment)]


@pytest.mark.parametrize(
    ("days", "expected"),
    [
        ("mon-fri", ["mon", "tue", "wed", "thu", "fri"]),
        ("tue-fri", ["tue", "wed", "thu", "fri"]),
        ("mon-wed", ["mon", "tue", "wed"]),
        ("sat-sun", ["sat", "sun"]),
        ("wed", ["wed"]),
        ("mon,wed", ["mon", "wed"]),
        ("mon, wed ,fri", ["mon", "wed", "fri"]),
        ("MON-Tue,sun", ["mon", "tue", "sun"]),
        ("mon-tue,thu-fri", ["mon", "tue", "thu", "fri"]),
        ("fri-mon", ["mon", "fri", "sat", "sun"]),
        ("sun-tue", ["mon", "tue", "sun"]),
    ],
)
def test_send_days_on_an_ordinary_week(days, expected):
    assert open_days(days) == expected


@pytest.mark.parametrize("setting", ["none", "None", " NONE ", ""])
def test_holidays_none_sends_on_holidays(setting):
    window = parse_window("mon-sun", "09:00-19:00", setting, STOCKHOLM)
    for holiday in (at(2026, 5, 14, 12), at(2026, 6, 19, 12), at(2026, 12, 24, 12), at(2027, 1, 1, 12)):
        assert window.is_open(holiday)


@pytest.mark.parametrize("setting", ["SE", "se", " se "])
def test_a_country_closes_its_holidays_in_every_year(setting):
    window = parse_window("mon-sun", "09:00-19:00", setting, STOCKHOLM)
    # Ascension Day moves from year to year: 14 May 2026, 6 May 2027.
    assert not window.is_open(at(2026, 5, 14, 12)) and window.is_open(at(2027, 5, 14, 12))
    assert not window.is_open(at(2027, 5, 6, 12)) and window.is_open(at(2026, 5, 6, 12))


def test_the_hours_are_the_settings_in_the_settings_zone():
    window = parse_window("mon-sun", "08:30-16:00", "none", STOCKHOLM)
    assert window.is_open(datetime(2026, 6, 17, 6, 30, tzinfo=UTC))  # 08:30 CEST
    assert not window.is_open(datetime(2026, 6, 17, 6, 29, tzinfo=UTC))
    assert window.is_open(datetime(2026, 6, 17, 13, 59, tzinfo=UTC))
    assert not window.is_open(datetime(2026, 6, 17, 14, 0, tzinfo=UTC))  # 16:00 CEST


@pytest.mark.parametrize("hours", ["09:00-09:00", "10:00-09:00"])
def test_a_window_that_does_not_end_after_it_starts_is_refused_with_the_settings_name(hours):
    with pytest.raises(ValueError, match="^FOLLOWUP_SEND_HOURS: .*must end after"):
        parse_window("mon", hours, "SE", STOCKHOLM)


@pytest.mark.parametrize("days", ["mon-fry", "mon;wed", "mon wed", "monday", ""])
def test_send_days_not_a_day_are_refused_with_the_settings_name(days):
    with pytest.raises(ValueError, match="^FOLLOWUP_SEND_DAYS: "):
        parse_window(days, "09:00-19:00", "SE", STOCKHOLM)


@pytest.mark.parametrize(
    ("moment", "opens"),
    [
        (at(2026, 6, 17, 10, 0), at(2026, 6, 17, 10, 0)),  # open already
        (at(2026, 6, 17, 7, 30), at(2026, 6, 17, 9, 0)),  # before the hours
        (at(2026, 6, 17, 19, 0), at(2026, 6, 18, 9, 0)),  # after them
        (at(2026, 6, 18, 20, 0), at(2026, 6, 22, 9, 0)),  # Midsummer Eve and the weekend
        (at(2026, 12, 23, 19, 30), at(2026, 12, 28, 9, 0)),  # Christmas
    ],
)
def test_the_next_moment_the_window_opens(moment, opens):
    assert WINDOW.next_open(moment) == opens
    assert WINDOW.is_open(WINDOW.next_open(moment))


def test_the_next_moment_comes_back_in_the_zone_it_was_asked_in():
    asked = datetime(2026, 6, 17, 5, 30, tzinfo=UTC)
    opens = WINDOW.next_open(asked)
    assert opens.tzinfo is UTC and opens == datetime(2026, 6, 17, 7, 0, tzinfo=UTC)  # 09:00 CEST
    assert WINDOW.next_open(at(2026, 6, 17, 7, 30)).tzinfo is STOCKHOLM


def test_a_window_with_no_open_day_says_so_instead_of_searching_for_ever():
    never = SendWindow(zone=STOCKHOLM, days=frozenset(), start=time(9), end=time(19), holiday_country=None)
    with pytest.raises(ValueError, match="^the send window never opens$"):
        never.next_open(at(2026, 6, 17, 10))
