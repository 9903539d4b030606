"""The only place that knows what time it is. Every moment is an aware UTC datetime."""

from __future__ import annotations

from datetime import UTC, datetime


class SystemClock:
    """The real wall clock."""

    def now(self) -> datetime:
        """Return the current moment in UTC."""
        return datetime.now(UTC)


class FixedClock:
    """A clock that stands still until told to move; used by tests and `followup tick --at`."""

    def __init__(self, moment: datetime) -> None:
        self.set(moment)

    def now(self) -> datetime:
        """Return the moment this clock is set to."""
        return self._moment

    def set(self, moment: datetime) -> None:
        """Move the clock to `moment`, which must be timezone-aware."""
        if moment.tzinfo is None:
            raise ValueError("FixedClock needs a timezone-aware datetime")
        self._moment = moment.astimezone(UTC)


def to_utc(moment: datetime) -> datetime:
    """Return `moment` as aware UTC; naive values from the database are taken as UTC."""
    if moment.tzinfo is None:
        return moment.replace(tzinfo=UTC)
    return moment.astimezone(UTC)
