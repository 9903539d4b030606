"""Programmes and their follow-up plans (the waves)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from peewee import JOIN, Database, fn

from followup.i18n import _l
from followup.models import Participant, Programme, Wave
from followup.plan.scheduling import DEFAULT_OFFSETS, DEFAULT_WINDOW_DAYS

DEFAULT_SURVEY = "standard"


class ProgrammeError(Exception):
    """A programme cannot be found or created as asked."""


def find_programme(name: str) -> Programme:
    """Return the programme called `name`, or raise ProgrammeError."""
    programme = Programme.get_or_none(Programme.name == name.strip())
    if programme is None:
        raise ProgrammeError(str(_l("There is no programme called '%(name)s'.", name=name)))
    return programme


def create_programme(
    db: Database,
    now: datetime,
    name: str,
    offsets: Sequence[int] = DEFAULT_OFFSETS,
    window_days: int = DEFAULT_WINDOW_DAYS,
    survey: str = DEFAULT_SURVEY,
    channel_policy: str = Programme.EMAIL_THEN_SMS,
    reminder_days: Sequence[int] = (7, 14),
) -> Programme:
    """Create a programme with one wave per offset (months after exit) and its contact plan."""
    name = name.strip()
    if not name:
        raise ProgrammeError(str(_l("A programme needs a name.")))
    if not offsets or any(o < 1 for o in offsets) or len(set(offsets)) != len(offsets):
        raise ProgrammeError(str(_l("Wave offsets must be different whole months from 1.")))
    if window_days < 1:
        raise ProgrammeError(str(_l("The response window must be at least one day.")))
    if channel_policy not in Programme.CHANNEL_POLICIES:
        raise ProgrammeError(
            str(
                _l(
                    "Unknown channel policy; use one of %(policies)s.",
                    policies=", ".join(Programme.CHANNEL_POLICIES),
                )
            )
        )
    if any(day < 1 or day >= window_days for day in reminder_days) or list(reminder_days) != sorted(
        set(reminder_days)
    ):
        raise ProgrammeError(str(_l("Reminder days must increase and fall inside the response window.")))
    with db.atomic():
        if Programme.get_or_none(Programme.name == name):
            raise ProgrammeError(str(_l("There is already a programme called '%(name)s'.", name=name)))
        programme = Programme.create(
            name=name,
            created_at=now,
            channel_policy=channel_policy,
            reminder_days=",".join(map(str, reminder_days)),
        )
        for offset in sorted(offsets):
            Wave.create(programme=programme, offset_months=offset, survey=survey, window_days=window_days)
    return programme


@dataclass
class ProgrammeSummary:
    name: str
    wave_months: list[int]
    channel_policy: str
    participants: int


def list_programmes() -> list[ProgrammeSummary]:
    """Return every programme with its waves, channel policy and number of participants, by name."""
    counts = dict(
        Programme.select(Programme.id, fn.COUNT(Participant.id))
        .join(Participant, JOIN.LEFT_OUTER)
        .group_by(Programme.id)
        .tuples()
    )
    waves: dict[int, list[int]] = {}
    for programme_id, months in (
        Wave.select(Wave.programme, Wave.offset_months).order_by(Wave.offset_months).tuples()
    ):
        waves.setdefault(programme_id, []).append(months)
    return [
        ProgrammeSummary(found.name, waves.get(found.id, []), found.channel_policy, counts.get(found.id, 0))
        for found in Programme.select().order_by(Programme.name)
    ]
