"""One scheduler pass: expire, plan, queue, and send what is due, each message at most once."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from peewee import Database

from followup.models import Contact, Invitation, Participant
from followup.plan import scheduling
from followup.sending import queueing
from followup.sending.delivery import Senders
from followup.sending.delivery.pacing import Pacer
from followup.sending.quiet_hours import SendWindow
from followup.sending.sender import Sending, requeue_stale


@dataclass(frozen=True)
class Composed:
    """The words of one message: subject and HTML are empty for SMS."""

    text: str
    subject: str = ""
    html: str = ""


# compose(kind, channel, language, link, opt-out link, programme name, last day to answer)
Composer = Callable[[str, str, str, str, str, str, date], Composed]


@dataclass
class Settings:
    zone: ZoneInfo
    send_hour: int
    base_url: str
    mail_from: str
    contact_retention_days: int = 0
    window: SendWindow | None = None
    email_per_second: float = 0.0
    sms_per_second: float = 1.0
    status_callback: str | None = None
    max_attempts: int = 6
    # A message claimed longer ago than this was in flight when its sender died: queue it again.
    stale_claim: timedelta = timedelta(minutes=10)
    # One pacer per channel for the life of these settings, so pacing holds across ticks too.
    pacers: dict[str, Pacer] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self.pacers.setdefault("email", Pacer(self.email_per_second))
        self.pacers.setdefault("sms", Pacer(self.sms_per_second))


@dataclass
class TickReport:
    expired: int = 0
    planned: int = 0
    queued: int = 0
    sent: int = 0
    failed: int = 0
    retried: int = 0
    cancelled: int = 0
    contacts_deleted: int = 0
    window_closed: bool = False
    would_send: list[tuple[str, int, str, str]] = field(default_factory=list)


def delete_unneeded_contacts(now: datetime, retention_days: int) -> int:
    """Delete contact details of participants no open wave needs (opted out, or all waves done)."""
    cutoff = now - timedelta(days=retention_days)
    still_needed = (
        Invitation.select(Invitation.participant)
        .join(Participant)
        .where(
            Invitation.state.in_(Invitation.OPEN_STATES)
            & (Invitation.expires_at > cutoff)
            & Participant.opted_out_at.is_null()
        )
    )
    return Contact.delete().where(Contact.participant.not_in(still_needed)).execute()


def tick(
    db: Database,
    clock,
    senders: Senders,
    compose: Composer,
    settings: Settings,
    dry_run: bool = False,
) -> TickReport:
    """Run one scheduler pass as of `clock.now()`; with `dry_run`, only report what would be sent."""
    now = clock.now()
    if dry_run:
        return _dry_run(db, now, settings)
    report = TickReport()
    sending = Sending(db, clock, senders, compose, settings, report)
    with db.atomic():
        report.expired = scheduling.expire_closed(now)
    report.planned = scheduling.plan_missing(db, now, settings.zone, settings.send_hour)
    with db.atomic():
        requeue_stale(now, settings.stale_claim)
    rows = queueing.invitation_messages(now) + queueing.reminder_messages(now)
    queueing.insert_messages(db, rows)
    report.queued = len(rows)
    if settings.window is None or settings.window.is_open(now):
        sending.send_pending()
    else:
        report.window_closed = True
    with db.atomic():
        report.contacts_deleted = delete_unneeded_contacts(now, settings.contact_retention_days)
    return report


def _dry_run(db: Database, now: datetime, settings: Settings) -> TickReport:
    # Plan as a real pass would, list what would be queued, and leave the database as it was.
    report = TickReport(window_closed=bool(settings.window and not settings.window.is_open(now)))
    with db.atomic() as transaction:
        scheduling.expire_closed(now)
        scheduling.plan_missing(db, now, settings.zone, settings.send_hour)
        rows = queueing.invitation_messages(now) + queueing.reminder_messages(now)
        for row in rows:
            invitation = Invitation.get_by_id(row["invitation"])
            report.would_send.append(
                (invitation.participant.code, invitation.wave.offset_months, row["kind"], row["channel"])
            )
        transaction.rollback()
    return report
