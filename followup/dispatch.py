"""One scheduler pass: expire, plan, queue, and send what is due, each message at most once."""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from peewee import Database

from followup import queueing, scheduling, tokens
from followup.delivery import (
    DeliveryError,
    PermanentFailure,
    RecipientOptedOut,
    Senders,
    TemporaryFailure,
)
from followup.delivery.email import build_email
from followup.delivery.pacing import Pacer
from followup.models import Contact, Invitation, Message, Participant, Programme
from followup.quiet_hours import SendWindow

log = logging.getLogger(__name__)


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


def backoff(attempts: int) -> timedelta:
    """Return the wait before attempt number `attempts + 1`: 5, 15, 45 minutes, ... at most a day."""
    return min(timedelta(minutes=5 * 3 ** (attempts - 1)), timedelta(days=1))


def requeue_stale(now: datetime, older_than: timedelta) -> int:
    """Put back messages whose sender died mid-send, so none is forgotten."""
    return (
        Message.update(state=Message.PENDING, claimed_at=None)
        .where((Message.state == Message.SENDING) & (Message.claimed_at < now - older_than))
        .execute()
    )


def claim(message_id: int, now: datetime) -> bool:
    """Take a pending message for sending; only one of several concurrent callers gets True."""
    return bool(
        Message.update(state=Message.SENDING, claimed_at=now)
        .where((Message.id == message_id) & (Message.state == Message.PENDING))
        .execute()
    )


class _Pass:
    """The sending part of one tick: claims, sends and records, one transaction per step."""

    def __init__(self, db: Database, clock, senders: Senders, compose: Composer, settings: Settings):
        self.db, self.clock, self.senders, self.compose, self.settings = db, clock, senders, compose, settings
        self.report = TickReport()

    def send_pending(self) -> None:
        now = self.clock.now()
        pending = (
            Message.select(Message.id, Message.channel)
            .where(
                (Message.state == Message.PENDING)
                & (Message.next_attempt_at.is_null() | (Message.next_attempt_at <= now))
            )
            .order_by(Message.id)
        )
        by_channel: dict[str, list[int]] = {"email": [], "sms": []}
        for message in pending:
            by_channel[message.channel].append(message.id)
        for channel, ids in by_channel.items():
            if not ids:
                continue
            sender = getattr(self.senders, channel)
            with sender.batch():
                for message_id in ids:
                    with self.db.atomic():
                        if not claim(message_id, self.clock.now()):
                            continue
                    self.send_one(Message.get_by_id(message_id))

    def send_one(self, message: Message) -> None:
        now = self.clock.now()
        invitation = message.invitation
        participant = invitation.participant
        contact = Contact.get_or_none(Contact.participant == participant.id)
        address = None
        if contact is not None:
            address = contact.email if message.channel == "email" else contact.phone
        unwanted = (
            participant.opted_out_at is not None
            or (message.channel == "sms" and participant.sms_opted_out_at is not None)
            or invitation.state not in Invitation.OPEN_STATES
            or invitation.expires_at <= now
            or (message.sequence and invitation.state != Invitation.SENT)
        )
        if unwanted or not address:
            self._record(message, Message.CANCELLED, now, error=None if unwanted else "no address")
            self.report.cancelled += 1
            return
        with self.db.atomic():
            token = tokens.issue(invitation.id, now)
        link = f"{self.settings.base_url}/s/{token}"
        optout = f"{self.settings.base_url}/u/{token}"
        last_day = (invitation.expires_at - timedelta(seconds=1)).astimezone(self.settings.zone).date()
        words = self.compose(
            message.kind,
            message.channel,
            participant.language,
            link,
            optout,
            participant.programme.name,
            last_day,
        )
        try:
            reference = self._hand_over(message.channel, address, words, optout, now)
        except RecipientOptedOut as exc:
            with self.db.atomic():
                Participant.update(sms_opted_out_at=now).where(Participant.id == participant.id).execute()
                self._record(message, Message.FAILED, now, error=str(exc))
            self.report.failed += 1
        except PermanentFailure as exc:
            self._fail_address(message, contact, participant, now, str(exc))
        except (TemporaryFailure, DeliveryError, OSError) as exc:
            self._retry_later(message, now, str(exc) or type(exc).__name__)
        else:
            with self.db.atomic():
                self._record(message, Message.SENT, now, reference=reference)
                Invitation.update(state=Invitation.SENT, sent_at=now).where(
                    (Invitation.id == invitation.id) & (Invitation.state == Invitation.SCHEDULED)
                ).execute()
            self.report.sent += 1

    def _hand_over(self, channel: str, address: str, words: Composed, optout: str, now: datetime) -> str:
        if channel == "sms":
            self.settings.pacers["sms"].wait()
            return self.senders.sms.send(address, words.text, self.settings.status_callback)
        email = build_email(
            sender=self.settings.mail_from,
            to=address,
            subject=words.subject,
            text=words.text,
            html=words.html,
            now=now,
            headers={
                "List-Unsubscribe": f"<{optout}>",
                "List-Unsubscribe-Post": "List-Unsubscribe=One-Click",
            },
        )
        # Paced right before the hand-over, so the work of preparing a message is not in the gap.
        self.settings.pacers["email"].wait()
        return self.senders.email.send(email)

    def _fail_address(self, message, contact, participant, now, problem: str) -> None:
        failed_at, problem_field = (
            (Contact.email_failed_at, Contact.email_problem)
            if message.channel == "email"
            else (Contact.phone_failed_at, Contact.phone_problem)
        )
        with self.db.atomic():
            Contact.update({failed_at: now, problem_field: problem}).where(Contact.id == contact.id).execute()
            self._record(message, Message.FAILED, now, error=problem)
            policy = participant.programme.channel_policy
            if message.channel == "email" and policy == Programme.EMAIL_THEN_SMS:
                contact = Contact.get_by_id(contact.id)
                if queueing.usable_channels(policy, contact, participant) == ["sms"]:
                    queueing.insert_messages(
                        self.db, [queueing.message_row(message.invitation_id, message.sequence, "sms", now)]
                    )
        log.info("message %s: address does not work (%s)", message.id, problem)
        self.report.failed += 1

    def _retry_later(self, message: Message, now: datetime, problem: str) -> None:
        attempts = message.attempts + 1
        if attempts >= self.settings.max_attempts:
            self._record(message, Message.FAILED, now, error=problem, attempts=attempts)
            self.report.failed += 1
            return
        with self.db.atomic():
            Message.update(
                state=Message.PENDING,
                claimed_at=None,
                attempts=attempts,
                next_attempt_at=now + backoff(attempts),
                error=problem,
            ).where(Message.id == message.id).execute()
        log.info("message %s: temporary failure, attempt %d (%s)", message.id, attempts, problem)
        self.report.retried += 1

    def _record(self, message: Message, state: str, now: datetime, **values) -> None:
        with self.db.atomic():
            Message.update(
                state=state,
                sent_at=now if state == Message.SENT else None,
                provider_ref=values.get("reference"),
                error=values.get("error"),
                attempts=values.get("attempts", message.attempts + (state != Message.CANCELLED)),
            ).where(Message.id == message.id).execute()


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


def requeue_in_flight() -> int:
    """At worker start, put back every message left 'sending': its sender is gone."""
    return (
        Message.update(state=Message.PENDING, claimed_at=None)
        .where(Message.state == Message.SENDING)
        .execute()
    )


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
    sending = _Pass(db, clock, senders, compose, settings)
    report = sending.report
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
