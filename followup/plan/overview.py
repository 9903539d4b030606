"""The follow-up status a coordinator watches: counts per wave and cohort, the next two weeks, and
the participant list with each wave's state. A fixed number of queries whatever the programme's
size; contact details are never read, only whether they failed.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from peewee import JOIN, fn

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


def _grouped(query, programme_id: int):
    return (
        query.join(Wave, on=(Invitation.wave == Wave.id))
        .switch(Invitation)
        .join(Participant, on=(Invitation.participant == Participant.id))
        .join(Cohort, JOIN.LEFT_OUTER, on=(Participant.cohort == Cohort.id))
        .where(Wave.programme == programme_id)
        .group_by(Wave.offset_months, Cohort.name)
    )


def status_rows(programme_id: int) -> list[StatusRow]:
    """Return per wave a total row followed by one row per cohort."""
    rows: dict[tuple[int, str | None], StatusRow] = {}

    def add(months: int, cohort: str | None, name: str, count: int) -> None:
        for key in ((months, None), (months, cohort or "")):
            rows.setdefault(key, StatusRow(months, key[1])).counts[name] += count

    states = (
        Invitation.select(Wave.offset_months, Cohort.name, Invitation.state, fn.COUNT(Invitation.id))
        .join(Wave)
        .switch(Invitation)
        .join(Participant)
        .join(Cohort, JOIN.LEFT_OUTER)
        .where(Wave.programme == programme_id)
        .group_by(Wave.offset_months, Cohort.name, Invitation.state)
        .tuples()
    )
    for months, cohort, state, count in states:
        add(months, cohort, "invited", count)
        # "sent" counts every invitation that went out (below), whatever happened after.
        if state in COUNTS and state != "sent":
            add(months, cohort, state, count)
    measures = {
        "sent": Invitation.sent_at.is_null(False),
        "bounced": Contact.email_failed_at.is_null(False) | Contact.phone_failed_at.is_null(False),
        "opted_out": Participant.opted_out_at.is_null(False) | Participant.sms_opted_out_at.is_null(False),
    }
    for name, condition in measures.items():
        query = _grouped(
            Invitation.select(Wave.offset_months, Cohort.name, fn.COUNT(Invitation.id)), programme_id
        )
        if name == "bounced":
            query = query.join(Contact, on=(Contact.participant == Participant.id), src=Participant)
        for months, cohort, count in query.where(condition).tuples():
            add(months, cohort, name, count)
    reached = Message.select(Message.invitation).where(Message.state.in_((Message.SENT, Message.DELIVERED)))
    for name, condition in {
        "delivered": Invitation.id.in_(
            Message.select(Message.invitation).where(Message.state == Message.DELIVERED)
        ),
        "failed": Invitation.id.in_(Message.select(Message.invitation).where(Message.state == Message.FAILED))
        & Invitation.id.not_in(reached),
    }.items():
        query = _grouped(
            Invitation.select(Wave.offset_months, Cohort.name, fn.COUNT(Invitation.id)), programme_id
        )
        for months, cohort, count in query.where(condition).tuples():
            add(months, cohort, name, count)
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
