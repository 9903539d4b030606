"""One scheduler pass: expire, plan, queue and send what is due, each message at most once."""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from peewee import JOIN, Database

from followup import scheduling, tokens
from followup.delivery import DeliveryError, Transport
from followup.delivery.email import build_email
from followup.models import Contact, Invitation, Message, Participant, Wave

log = logging.getLogger(__name__)

# A message claimed longer ago than this was in flight when a sender died: queue it again.
STALE_CLAIM = timedelta(minutes=10)


@dataclass(frozen=True)
class Composed:
    """The words of one message: subject and HTML are empty for SMS."""

    text: str
    subject: str = ""
    html: str = ""


# compose(kind, channel, language, link, programme name, last day to answer) -> Composed
Composer = Callable[[str, str, str, str, str, date], Composed]


@dataclass
class Settings:
    zone: ZoneInfo
    send_hour: int
    base_url: str
    mail_from: str
    contact_retention_days: int = 0


@dataclass
class TickReport:
    expired: int = 0
    planned: int = 0
    queued: int = 0
    sent: int = 0
    failed: int = 0
    contacts_deleted: int = 0
    would_send: list[tuple[str, int, str]] = field(default_factory=list)


def channel_for(contact: Contact | None) -> str | None:
    """Return the channel to invite on: e-mail when there is an address, else SMS, else none."""
    if contact is None:
        return None
    if contact.email:
        return "email"
    if contact.phone:
        return "sms"
    return None


def due_invitations(now: datetime):
    """Return the invitations that should be sent at `now`, with their contact and wave."""
    return (
        Invitation.select(Invitation, Participant, Contact, Wave)
        .join(Participant)
        .join(Contact, JOIN.LEFT_OUTER, on=(Contact.participant == Participant.id))
        .switch(Invitation)
        .join(Wave)
        .where(
            (Invitation.state == Invitation.SCHEDULED)
            & (Invitation.due_at <= now)
            & (Invitation.expires_at > now)
            & Participant.opted_out_at.is_null()
        )
        .order_by(Invitation.due_at, Invitation.id)
    )


def queue_due(db: Database, now: datetime) -> int:
    """Create one pending invitation message per due invitation; existing keys are left alone."""
    rows = []
    for invitation in due_invitations(now):
        channel = channel_for(getattr(invitation.participant, "contact", None))
        if channel is None:
            continue
        rows.append(
            {
                "invitation": invitation.id,
                "key": f"{invitation.id}:invitation:{channel}",
                "kind": "invitation",
                "channel": channel,
                "state": Message.PENDING,
                "created_at": now,
            }
        )
    with db.atomic():
        for start in range(0, len(rows), 500):
            Message.insert_many(rows[start : start + 500]).on_conflict_ignore().execute()
    return len(rows)


def requeue_stale(now: datetime) -> int:
    """Put back messages whose sender died mid-send, so none is forgotten."""
    return (
        Message.update(state=Message.PENDING, claimed_at=None)
        .where((Message.state == Message.SENDING) & (Message.claimed_at < now - STALE_CLAIM))
        .execute()
    )


def claim(message_id: int, now: datetime) -> bool:
    """Take a pending message for sending; only one of several concurrent callers gets True."""
    return bool(
        Message.update(state=Message.SENDING, claimed_at=now)
        .where((Message.id == message_id) & (Message.state == Message.PENDING))
        .execute()
    )


def send_pending(
    db: Database, now: datetime, transport: Transport, compose: Composer, settings: Settings
) -> tuple[int, int]:
    """Send every pending message, one transaction per step; return (sent, failed)."""
    sent = failed = 0
    pending = [m.id for m in Message.select(Message.id).where(Message.state == Message.PENDING)]
    for message_id in pending:
        with db.atomic():
            if not claim(message_id, now):
                continue
        if _send_one(db, message_id, now, transport, compose, settings):
            sent += 1
        else:
            failed += 1
    return sent, failed


def _send_one(
    db: Database,
    message_id: int,
    now: datetime,
    transport: Transport,
    compose: Composer,
    settings: Settings,
) -> bool:
    message = Message.get_by_id(message_id)
    invitation = message.invitation
    participant = invitation.participant
    contact = Contact.get_or_none(Contact.participant == participant.id)
    address = None
    if contact is not None:
        address = contact.email if message.channel == "email" else contact.phone
    if (
        address is None
        or participant.opted_out_at is not None
        or invitation.state not in Invitation.OPEN_STATES
        or invitation.expires_at <= now
    ):
        return _finish(db, message, now, error="no longer deliverable")
    with db.atomic():
        token = tokens.issue(invitation.id, now)
    link = f"{settings.base_url}/s/{token}"
    last_day = (invitation.expires_at - timedelta(seconds=1)).astimezone(settings.zone).date()
    words = compose(
        message.kind,
        message.channel,
        participant.language,
        link,
        participant.programme.name,
        last_day,
    )
    try:
        if message.channel == "email":
            email = build_email(
                sender=settings.mail_from,
                to=address,
                subject=words.subject,
                text=words.text,
                html=words.html,
                now=now,
            )
            reference = transport.send_email(email)
        else:
            reference = transport.send_sms(address, words.text)
    except (DeliveryError, OSError) as exc:
        log.warning("message %s failed: %s", message.id, type(exc).__name__)
        return _finish(db, message, now, error=str(exc) or type(exc).__name__)
    return _finish(db, message, now, reference=reference)


def _finish(
    db: Database,
    message: Message,
    now: datetime,
    reference: str | None = None,
    error: str | None = None,
) -> bool:
    with db.atomic():
        Message.update(
            state=Message.FAILED if error else Message.SENT,
            sent_at=None if error else now,
            provider_ref=reference,
            error=error,
        ).where(Message.id == message.id).execute()
        if not error:
            Invitation.update(state=Invitation.SENT, sent_at=now).where(
                (Invitation.id == message.invitation_id) & (Invitation.state == Invitation.SCHEDULED)
            ).execute()
    return error is None


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
    now: datetime,
    transport: Transport,
    compose: Composer,
    settings: Settings,
    dry_run: bool = False,
) -> TickReport:
    """Run one scheduler pass as of `now`; with `dry_run`, only report what would be sent."""
    report = TickReport()
    if dry_run:
        # Plan as a real pass would, list what is due, and leave the database as it was.
        with db.atomic() as transaction:
            scheduling.expire_closed(now)
            scheduling.plan_missing(db, now, settings.zone, settings.send_hour)
            for invitation in due_invitations(now):
                channel = channel_for(getattr(invitation.participant, "contact", None))
                if channel:
                    report.would_send.append(
                        (invitation.participant.code, invitation.wave.offset_months, channel)
                    )
            transaction.rollback()
        return report
    with db.atomic():
        report.expired = scheduling.expire_closed(now)
    report.planned = scheduling.plan_missing(db, now, settings.zone, settings.send_hour)
    with db.atomic():
        requeue_stale(now)
    report.queued = queue_due(db, now)
    report.sent, report.failed = send_pending(db, now, transport, compose, settings)
    with db.atomic():
        report.contacts_deleted = delete_unneeded_contacts(now, settings.contact_retention_days)
    return report
