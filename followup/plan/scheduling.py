"""When invitations fall due: calendar months after exit, at a local hour, while the window is open."""

from __future__ import annotations

import calendar
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from functools import lru_cache
from zoneinfo import ZoneInfo

from peewee import JOIN, Database

from followup.db import insert_rows
from followup.models import Invitation, Participant, Wave, window_open

DEFAULT_OFFSETS = (6, 12, 24)
DEFAULT_WINDOW_DAYS = 60


def add_months(day: date, months: int) -> date:
    """Return `day` moved by whole calendar months, clamped to the month's last day."""
    index = day.year * 12 + day.month - 1 + months
    year, month = divmod(index, 12)
    last = calendar.monthrange(year, month + 1)[1]
    return date(year, month + 1, min(day.day, last))


@lru_cache(maxsize=4096)
def due_at(exit_date: date, offset_months: int, zone: ZoneInfo, hour: int) -> datetime:
    """Return the UTC moment a wave falls due: that local day at `hour` in `zone`.

    Cached: an import plans the same few exit dates and offsets for many participants.
    """
    local = datetime.combine(add_months(exit_date, offset_months), time(hour), tzinfo=zone)
    return local.astimezone(UTC)


def invitations_for(
    participant_id: int,
    exit_date: date,
    waves: Iterable[Wave],
    now: datetime,
    zone: ZoneInfo,
    hour: int,
) -> list[dict]:
    """Return invitation rows for one participant, leaving out waves whose window has closed."""
    rows = []
    for wave in waves:
        due = due_at(exit_date, wave.offset_months, zone, hour)
        expires = due + timedelta(days=wave.window_days)
        if not window_open(expires, now):
            continue
        rows.append(
            {
                "participant": participant_id,
                "wave": wave.id,
                "due_at": due,
                "expires_at": expires,
                "state": Invitation.SCHEDULED,
            }
        )
    return rows


INVITATION_FIELDS = (
    Invitation.participant,
    Invitation.wave,
    Invitation.due_at,
    Invitation.expires_at,
    Invitation.state,
)


def insert_invitations(db: Database, rows: list[dict]) -> int:
    """Insert invitation rows, ignoring ones that exist already; return how many were given."""
    names = [field.name for field in INVITATION_FIELDS]
    values = [tuple(row[name] for name in names) for row in rows]
    with db.atomic():
        insert_rows(db, Invitation, INVITATION_FIELDS, values, ignore_conflicts=True)
    return len(rows)


def plan_missing(db: Database, now: datetime, zone: ZoneInfo, hour: int) -> int:
    """Create the invitations that participants lack, e.g. for a wave added to a plan later."""
    missing = (
        Participant.select(Participant.id, Participant.exit_date, Wave.id.alias("wave_id"))
        .join(Wave, on=(Wave.programme == Participant.programme))
        .join(
            Invitation,
            JOIN.LEFT_OUTER,
            on=((Invitation.participant == Participant.id) & (Invitation.wave == Wave.id)),
        )
        .where(Invitation.id.is_null() & Participant.opted_out_at.is_null())
        .objects()
    )
    waves = {wave.id: wave for wave in Wave.select()}
    rows: list[dict] = []
    for found in missing:
        rows += invitations_for(found.id, found.exit_date, [waves[found.wave_id]], now, zone, hour)
    return insert_invitations(db, rows)


def expire_closed(now: datetime) -> int:
    """Mark open invitations whose window has closed as expired; return how many."""
    return (
        Invitation.update(state=Invitation.EXPIRED)
        .where(Invitation.state.in_(Invitation.OPEN_STATES) & ~window_open(Invitation.expires_at, now))
        .execute()
    )


@dataclass
class WhatComesNext:
    """What a participant who has just answered may expect: the next follow-up, or none."""

    next_due: date | None
    opted_out: bool


def what_comes_next(invitation_id: int, zone: ZoneInfo, hour: int) -> WhatComesNext:
    """Return the local day the participant's next follow-up falls due after this one, if any."""
    invitation = (
        Invitation.select(Invitation, Participant, Wave)
        .join(Participant)
        .switch(Invitation)
        .join(Wave)
        .where(Invitation.id == invitation_id)
        .get()
    )
    participant = invitation.participant
    later = (
        Wave.select(Wave.offset_months)
        .where(
            (Wave.programme == invitation.wave.programme_id)
            & (Wave.offset_months > invitation.wave.offset_months)
        )
        .order_by(Wave.offset_months)
        .first()
    )
    next_due = None
    if later is not None:
        next_due = due_at(participant.exit_date, later.offset_months, zone, hour).astimezone(zone).date()
    return WhatComesNext(next_due, participant.opted_out_at is not None)
