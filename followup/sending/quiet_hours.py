"""When messages may go out: weekdays within office hours, not on public holidays, local time."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from functools import cache
from zoneinfo import ZoneInfo

import holidays

DAY_NAMES = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")


@dataclass(frozen=True)
class SendWindow:
    """The local days and hours in which messages may be sent."""

    zone: ZoneInfo
    days: frozenset[int]
    start: time
    end: time
    holiday_country: str | None

    def is_open(self, moment: datetime) -> bool:
        """Tell whether a message may be sent at `moment`."""
        local = moment.astimezone(self.zone)
        return self._open_day(local.date()) and self.start <= local.time() < self.end

    def next_open(self, moment: datetime) -> datetime:
        """Return the first moment at or after `moment` when a message may be sent, in `moment`'s zone."""
        local = moment.astimezone(self.zone)
        for _ in range(400):
            if self._open_day(local.date()):
                if local.time() < self.start:
                    local = datetime.combine(local.date(), self.start, tzinfo=self.zone)
                if local.time() < self.end:
                    return local.astimezone(moment.tzinfo)
            local = datetime.combine(local.date() + timedelta(days=1), self.start, tzinfo=self.zone)
        raise ValueError("the send window never opens")

    def _open_day(self, day: date) -> bool:
        if day.weekday() not in self.days:
            return False
        return not (self.holiday_country and day in _holidays(self.holiday_country))


@cache
def _holidays(country: str) -> holidays.HolidayBase:
    # Midsummer, Christmas and New Year's Eve are de facto holidays in Sweden: nobody wants a survey then.
    # The calendar fills in each year the first time a day of that year is looked up.
    return holidays.country_holidays(country, categories=("public", "de_facto"))


def parse_window(days: str, hours: str, country: str, zone: ZoneInfo) -> SendWindow:
    """Build a SendWindow from settings like 'mon-fri' or 'mon,wed', '09:00-19:00' and 'SE'."""
    start, end = _parse_hours(hours)
    return SendWindow(
        zone=zone,
        days=_parse_days(days),
        start=start,
        end=end,
        holiday_country=None if country.strip().lower() in ("", "none") else country.strip().upper(),
    )


def _parse_days(text: str) -> frozenset[int]:
    chosen: set[int] = set()
    for part in text.lower().replace(" ", "").split(","):
        first, _, last = part.partition("-")
        if first not in DAY_NAMES or (last and last not in DAY_NAMES):
            raise ValueError(f"FOLLOWUP_SEND_DAYS: {part!r} is not a day or range such as mon-fri")
        start, stop = DAY_NAMES.index(first), DAY_NAMES.index(last or first)
        # A range past Sunday goes on from Monday: fri-mon is Friday to Monday.
        chosen.update(day % 7 for day in range(start, stop + 1 + (7 if stop < start else 0)))
    return frozenset(chosen)


def _parse_hours(text: str) -> tuple[time, time]:
    try:
        start, end = (time.fromisoformat(part.strip()) for part in text.split("-"))
    except ValueError:
        raise ValueError(f"FOLLOWUP_SEND_HOURS: {text!r} is not a range such as 09:00-19:00") from None
    if start >= end:
        raise ValueError("FOLLOWUP_SEND_HOURS: the window must end after it starts")
    return start, end
