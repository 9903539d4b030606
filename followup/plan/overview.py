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

from followup.models import (
    Cohort,
    Contact,
    Invitation,
    Participant,
    Programme,
    StatusCount,
    Wave,
    day_list,
    window_open,
)
from followup.sending.quiet_hours import SendWindow

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


def unindexed(column):
    """Return `column` in a form no index matches, so the database starts from a rarer condition.

    Without statistics (SQLite's are never gathered here) a planner takes an index on the programme
    for a few rows, when it holds all 100,000; "+ 0" is the customary way to steer it away.
    """
    return column + 0


def contact_failed():
    """A condition true for contacts whose e-mail or phone is marked not working (a partial index)."""
    return Contact.email_failed_at.is_null(False) | Contact.phone_failed_at.is_null(False)


def status_rows(programme_id: int) -> list[StatusRow]:
    """Return per wave a total row followed by one row per cohort.

    Read from the counts the database keeps per wave and cohort (StatusCount, kept by triggers in
    the same transaction as each change), so the page reads a few rows whatever the programme's size
    and the counts are always exact.
    """
    waves = dict(Wave.select(Wave.id, Wave.offset_months).where(Wave.programme == programme_id).tuples())
    if not waves:
        return []
    cohorts = dict(Cohort.select(Cohort.id, Cohort.name).where(Cohort.programme == programme_id).tuples())
    counted = StatusCount.select().where(StatusCount.wave_id.in_(list(waves)) & (StatusCount.invited != 0))
    rows: dict[tuple[int, str | None], StatusRow] = {}
    for count in counted:
        months = waves[count.wave_id]
        for key in ((months, None), (months, cohorts.get(count.cohort_id, ""))):
            row = rows.setdefault(key, StatusRow(months, key[1]))
            for name in COUNTS:
                row.counts[name] += getattr(count, name)
    return [rows[key] for key in sorted(rows, key=lambda k: (k[0], k[1] is not None, k[1] or ""))]


@dataclass(frozen=True)
class PlannedDay:
    """How many invitations and reminders of one wave go out on one local day."""

    day: date
    months: int
    invitations: int = 0
    reminders: int = 0


# How long a send window can stay shut (Easter, Christmas and a weekend), bounding what is looked at:
# something due longer ago than this has gone out already or never will.
LONGEST_CLOSED = timedelta(days=14)


def next_days(
    programme: Programme, now: datetime, zone: ZoneInfo, window: SendWindow | None, days: int = 14
) -> list[PlannedDay]:
    """Return the invitations and reminders planned to go out in the next `days` days, per local day and wave.

    The same rules as the scheduler: an invitation goes out when the send window first opens at or
    after it falls due, each reminder `reminder_days` after the invitation went out (again at the
    next open moment), and nothing once the wave's response window has closed. Only participants
    who have not opted out and can be reached on a channel the programme uses are counted; a
    reminder assumes the participant has not answered by then.
    """
    horizon = now + timedelta(days=days)
    offsets = [timedelta(days=n) for n in day_list(programme.reminder_days)]
    goes_out = _going_out(window)
    counts: dict[tuple[date, int], list[int]] = defaultdict(lambda: [0, 0])

    def count(moment: datetime, closes: datetime, months: int, kind: int, number: int) -> bool:
        """Count a send going out at `moment`; tell whether it goes out at all."""
        if not (moment >= now and window_open(closes, moment)):
            return False
        if moment < horizon:
            counts[(moment.astimezone(zone).date(), months)][kind] += number
        return True

    def reminders(sent: datetime, closes: datetime, months: int, number: int) -> None:
        dues = [sent + offset for offset in offsets]
        for sequence, due in enumerate(dues):
            moment = goes_out(due)
            # A reminder still waiting when the next one falls due is skipped, as the scheduler does.
            if sequence + 1 < len(dues) and dues[sequence + 1] <= moment:
                continue
            count(moment, closes, months, 1, number)

    waves = dict(Wave.select(Wave.id, Wave.offset_months).where(Wave.programme == programme.id).tuples())

    # The few who opted out (a partial index holds them) are left out as a list rather than by
    # joining every invitation with its participant: the contact alone says whether one can be reached.
    opted_out = Participant.select(Participant.id).where(
        (Participant.programme == programme.id) & Participant.opted_out_at.is_null(False)
    )
    sms_opted_out = Participant.select(Participant.id).where(
        (Participant.programme == programme.id) & Participant.sms_opted_out_at.is_null(False)
    )

    def planned(state: str, column, since: datetime, until: datetime):
        return (
            Invitation.select(column, Invitation.expires_at, Invitation.wave, fn.COUNT(Invitation.id))
            .join(Contact, on=(Contact.participant == Invitation.participant))
            .where(
                Invitation.wave.in_(list(waves))
                & (Invitation.state == state)
                & (column >= since)
                & (column < until)
                & window_open(Invitation.expires_at, now)
                & Invitation.participant.not_in(opted_out)
                & _reachable(programme.channel_policy, sms_opted_out)
            )
            .group_by(column, Invitation.expires_at, Invitation.wave)
            .tuples()
        )

    for due, closes, wave_id, number in planned(
        Invitation.SCHEDULED, Invitation.due_at, now - LONGEST_CLOSED, horizon
    ):
        moment = goes_out(due)
        if count(moment, closes, waves[wave_id], 0, number):
            reminders(moment, closes, waves[wave_id], number)
    if offsets:
        for sent, closes, wave_id, number in planned(
            Invitation.SENT, Invitation.sent_at, now - max(offsets) - LONGEST_CLOSED, horizon - min(offsets)
        ):
            reminders(sent, closes, waves[wave_id], number)
    return [PlannedDay(day, months, *n) for (day, months), n in sorted(counts.items())]


def _going_out(window: SendWindow | None):
    """Return when something due at a moment goes out: when the send window first opens."""
    if window is None:
        return lambda due: due
    known: dict[datetime, datetime] = {}

    def goes_out(due: datetime) -> datetime:
        if due not in known:
            known[due] = window.next_open(due)
        return known[due]

    return goes_out


def _reachable(policy: str, sms_opted_out):
    """A condition true for contacts the programme's channels can reach (as queueing decides);
    `sms_opted_out` selects the participants who stopped SMS."""
    email = Contact.email.is_null(False) & Contact.email_failed_at.is_null()
    sms = (
        Contact.phone.is_null(False)
        & Contact.phone_failed_at.is_null()
        & Contact.participant.not_in(sms_opted_out)
    )
    if policy == Programme.EMAIL_ONLY:
        return email
    if policy == Programme.SMS_ONLY:
        return sms
    return email | sms


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
    failed = contact_failed()
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
        .join(Contact, JOIN.LEFT_OUTER)
        .where(Participant.programme == programme_id)
    )
    if cohort:
        query = query.where(Cohort.name == cohort)
    if state == "opted_out":
        query = query.where(Participant.opted_out_at.is_null(False))
    elif state == "contact_failed":
        query = query.where(failed)
    elif state in WAVE_STATES:
        waves = Wave.select(Wave.id).where(Wave.programme == programme_id)
        if months is not None:
            waves = waves.where(Wave.offset_months == months)
        # By wave and state: the index (wave, state, participant, ...) holds exactly these.
        matching = Invitation.select(Invitation.participant).where(
            Invitation.wave.in_(waves) & (Invitation.state == state)
        )
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
