"""The follow-up status a coordinator watches: counts per wave and cohort, the next two weeks, and
the participant list with each wave's state. A fixed number of queries whatever the programme's
size; contact details are never read, only whether they failed.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from peewee import JOIN, Case, fn

from followup.models import Cohort, Contact, Invitation, Message, Participant, Wave

COUNTS = (
    "invited",
    "scheduled",
    "sent",
    "delivered",
    "failed",
    "bounced",
    "opted_out",
    "declined",
    "answered",
    "expired",
)


@dataclass
class StatusRow:
    """The counts of one wave, for one cohort or (cohort None) for all of them."""

    months: int
    cohort: str | None
    counts: dict[str, int] = field(default_factory=lambda: dict.fromkeys(COUNTS, 0))

    @property
    def response_rate(self) -> float | None:
        """Answered as a share of those who got the survey; None before anyone did."""
        reached = self.counts["sent"]
        return self.counts["answered"] / reached if reached else None


def _share(condition) -> fn:
    return fn.SUM(Case(None, [(condition, 1)], 0))


def status_rows(programme_id: int) -> list[StatusRow]:
    """Return per wave a total row followed by one row per cohort (one pass over the invitations)."""
    rows: dict[tuple[int, str | None], StatusRow] = {}
    delivered = Message.select(Message.invitation).where(Message.state == Message.DELIVERED)
    failed = Message.select(Message.invitation).where(Message.state == Message.FAILED)
    reached = Message.select(Message.invitation).where(Message.state.in_((Message.SENT, Message.DELIVERED)))
    measures = {
        "invited": fn.COUNT(Invitation.id),
        "sent": _share(Invitation.sent_at.is_null(False)),
        "delivered": _share(Invitation.id.in_(delivered)),
        "failed": _share(Invitation.id.in_(failed) & Invitation.id.not_in(reached)),
        "bounced": _share(Contact.email_failed_at.is_null(False) | Contact.phone_failed_at.is_null(False)),
        "opted_out": _share(
            Participant.opted_out_at.is_null(False) | Participant.sms_opted_out_at.is_null(False)
        ),
    }
    query = (
        Invitation.select(Wave.offset_months, Cohort.name, Invitation.state, *measures.values())
        .join(Wave)
        .switch(Invitation)
        .join(Participant)
        .join(Cohort, JOIN.LEFT_OUTER)
        .switch(Participant)
        .join(Contact, JOIN.LEFT_OUTER, on=(Contact.participant == Participant.id))
        .where(Wave.programme == programme_id)
        .group_by(Wave.offset_months, Cohort.name, Invitation.state)
        .tuples()
    )
    for months, cohort, state, *values in query:
        counts = dict(zip(measures, (int(v or 0) for v in values), strict=True))
        # "sent" counts every invitation that went out, whatever happened after; the others are states.
        if state in COUNTS and state != "sent":
            counts[state] = counts["invited"]
        for key in ((months, None), (months, cohort or "")):
            row = rows.setdefault(key, StatusRow(months, key[1]))
            for name, count in counts.items():
                row.counts[name] += count
    return [rows[key] for key in sorted(rows, key=lambda k: (k[0], k[1] is not None, k[1] or ""))]


@dataclass(frozen=True)
class PlannedDay:
    day: date
    months: int
    invitations: int


def next_days(programme_id: int, now: datetime, zone: ZoneInfo, days: int = 14) -> list[PlannedDay]:
    """Return the invitations planned to fall due in the next `days` days, per local day and wave."""
    query = (
        Invitation.select(Invitation.due_at, Wave.offset_months, fn.COUNT(Invitation.id))
        .join(Wave)
        .where(
            (Wave.programme == programme_id)
            & (Invitation.state == Invitation.SCHEDULED)
            & (Invitation.due_at >= now)
            & (Invitation.due_at < now + timedelta(days=days))
        )
        .group_by(Invitation.due_at, Wave.offset_months)
        .tuples()
    )
    counts: dict[tuple[date, int], int] = defaultdict(int)
    for due, months, count in query:
        counts[(due.astimezone(zone).date(), months)] += count
    return [PlannedDay(day, months, n) for (day, months), n in sorted(counts.items())]


WAVE_STATES = ("scheduled", "sent", "answered", "declined", "expired")
PERSON_STATES = ("opted_out", "contact_failed")
PAGE_SIZE = 50


@dataclass
class ListedParticipant:
    id: int
    code: str
    cohort: str | None
    exit_date: date
    opted_out: bool
    contact_failed: bool
    waves: dict[int, str] = field(default_factory=dict)


def participant_page(
    programme_id: int,
    cohort: str | None = None,
    months: int | None = None,
    state: str | None = None,
    after: str | None = None,
    limit: int = PAGE_SIZE,
) -> list[ListedParticipant]:
    """Return up to `limit` participants by code after `after` (keyset paging), with their waves' states.

    `state` is a wave state (with `months`, of that wave; without, of any wave), opted_out or
    contact_failed.
    """
    failed = Contact.email_failed_at.is_null(False) | Contact.phone_failed_at.is_null(False)
    query = (
        Participant.select(
            Participant.id,
            Participant.code,
            Cohort.name,
            Participant.exit_date,
            Participant.opted_out_at.is_null(False),
            failed,
        )
        .join(Cohort, JOIN.LEFT_OUTER)
        .switch(Participant)
        .join(Contact, JOIN.LEFT_OUTER, on=(Contact.participant == Participant.id))
        .where(Participant.programme == programme_id)
    )
    if cohort:
        query = query.where(Cohort.name == cohort)
    if state == "opted_out":
        query = query.where(Participant.opted_out_at.is_null(False))
    elif state == "contact_failed":
        query = query.where(failed)
    elif state in WAVE_STATES:
        matching = Invitation.select(Invitation.participant).where(Invitation.state == state)
        if months is not None:
            matching = matching.join(Wave).where(Wave.offset_months == months)
        query = query.where(Participant.id.in_(matching))
    if after:
        query = query.where(Participant.code > after)
    found = [
        ListedParticipant(pid, code, cohort_name, exit_date, bool(opted), bool(bad))
        for pid, code, cohort_name, exit_date, opted, bad in query.order_by(Participant.code)
        .limit(limit)
        .tuples()
    ]
    if found:
        by_id = {p.id: p for p in found}
        waves = (
            Invitation.select(Invitation.participant, Wave.offset_months, Invitation.state)
            .join(Wave)
            .where(Invitation.participant.in_(list(by_id)))
            .tuples()
        )
        for pid, wave_months, wave_state in waves:
            by_id[pid].waves[wave_months] = wave_state
    return found


def cohort_names(programme_id: int) -> list[str]:
    """Return the programme's cohorts by name."""
    return [
        c.name
        for c in Cohort.select(Cohort.name).where(Cohort.programme == programme_id).order_by(Cohort.name)
    ]


def wave_months(programme_id: int) -> list[int]:
    """Return the programme's waves, months after exit."""
    return [
        w.offset_months
        for w in Wave.select().where(Wave.programme == programme_id).order_by(Wave.offset_months)
    ]
