"""Which messages should exist now: invitations that fell due and reminders whose day has come."""

from __future__ import annotations

from collections import defaultdict
from datetime import datetime, timedelta

from peewee import Database, fn

from followup.db import insert_rows
from followup.models import Contact, Invitation, Message, Participant, Programme, day_list, window_open


def sms_works(contact: Contact, participant: Participant) -> bool:
    """Tell whether an SMS can reach this person: a number that has not failed, and no STOP."""
    return _sms_ok(contact.phone, contact.phone_failed_at, participant.sms_opted_out_at)


def _sms_ok(phone, phone_failed_at, sms_opted_out_at) -> bool:
    return bool(phone and not phone_failed_at and not sms_opted_out_at)


def _channels(policy: str, email, email_failed_at, phone, phone_failed_at, sms_opted_out_at) -> list[str]:
    email_ok = bool(email and not email_failed_at)
    sms_ok = _sms_ok(phone, phone_failed_at, sms_opted_out_at)
    if policy == Programme.EMAIL_ONLY:
        return ["email"] if email_ok else []
    if policy == Programme.SMS_ONLY:
        return ["sms"] if sms_ok else []
    if policy == Programme.BOTH:
        return [name for name, ok in (("email", email_ok), ("sms", sms_ok)) if ok]
    return ["email"] if email_ok else ["sms"] if sms_ok else []


def usable_channels(policy: str, contact: Contact | None, participant: Participant) -> list[str]:
    """Return the channels a message to this person goes by under `policy`: working ones only."""
    if contact is None:
        return []
    return _channels(
        policy,
        contact.email,
        contact.email_failed_at,
        contact.phone,
        contact.phone_failed_at,
        participant.sms_opted_out_at,
    )


RESEND = "resend"
# A fresh link's key holds the stretch of time it was asked for in, so two clicks in one stretch
# make one message even when they race (the interval check alone cannot see a concurrent click).
RESEND_INTERVAL = timedelta(minutes=10)


def resend_row(invitation_id: int, channel: str, now: datetime) -> dict:
    """Return a pending fresh-link message: the invitation again, with a link issued when it goes."""
    stretch = int(now.timestamp() // RESEND_INTERVAL.total_seconds())
    return {
        **message_row(invitation_id, 0, channel, now),
        "key": f"{invitation_id}:{RESEND}{stretch}:{channel}",
        "kind": RESEND,
    }


def message_row(invitation_id: int, sequence: int, channel: str, now: datetime) -> dict:
    """Return a new pending message; its key makes a second copy impossible."""
    return {
        "invitation": invitation_id,
        "key": f"{invitation_id}:{sequence}:{channel}",
        "kind": "reminder" if sequence else "invitation",
        "sequence": sequence,
        "channel": channel,
        "state": Message.PENDING,
        "created_at": now,
        "attempts": 0,
    }


_MESSAGE_FIELDS = (
    Message.invitation,
    Message.key,
    Message.kind,
    Message.sequence,
    Message.channel,
    Message.state,
    Message.created_at,
    Message.attempts,
)


def insert_messages(db: Database, rows: list[dict]) -> None:
    """Insert message rows, leaving any that exist already untouched."""
    values = [tuple(row[field.name] for field in _MESSAGE_FIELDS) for row in rows]
    with db.atomic():
        insert_rows(db, Message, _MESSAGE_FIELDS, values, ignore_conflicts=True)


def _open_invitations(now: datetime, state: str):
    """Open invitations in `state` with what choosing channels needs, as rows with named columns."""
    return (
        Invitation.select(
            Invitation.id.alias("invitation_id"),
            Invitation.sent_at,
            Programme.channel_policy,
            Programme.reminder_days,
            Contact.email,
            Contact.email_failed_at,
            Contact.phone,
            Contact.phone_failed_at,
            Participant.sms_opted_out_at,
        )
        .join(Participant)
        # Without contact details (deleted) there is no channel, so no row is needed either.
        .join(Contact)
        .switch(Participant)
        .join(Programme)
        .where(
            (Invitation.state == state)
            & window_open(Invitation.expires_at, now)
            & Participant.opted_out_at.is_null()
        )
        .namedtuples()
    )


def _usable(row) -> list[str]:
    return _channels(
        row.channel_policy,
        row.email,
        row.email_failed_at,
        row.phone,
        row.phone_failed_at,
        row.sms_opted_out_at,
    )


def due_invitations(now: datetime):
    """Return the scheduled invitations that have fallen due and are still open (see _open_invitations)."""
    return (
        _open_invitations(now, Invitation.SCHEDULED)
        .where(Invitation.due_at <= now)
        .order_by(Invitation.due_at, Invitation.id)
    )


def invitation_messages(now: datetime) -> list[dict]:
    """Return the invitation messages that should exist for what has fallen due."""
    return [
        message_row(row.invitation_id, 0, channel, now)
        for row in due_invitations(now)
        for channel in _usable(row)
    ]


def reminder_messages(now: datetime) -> list[dict]:
    """Return the reminder messages that should exist now: the latest one due, never a burst."""
    invitations = list(_open_invitations(now, Invitation.SENT))
    latest = defaultdict(int)
    if invitations:
        query = (
            Message.select(Message.invitation, fn.MAX(Message.sequence))
            .where(Message.invitation.in_([row.invitation_id for row in invitations]))
            .group_by(Message.invitation)
            .tuples()
        )
        latest.update(dict(query))
    rows = []
    for row in invitations:
        offsets = day_list(row.reminder_days)
        # Reminders whose day has passed while a later one is also due are skipped, not sent in a burst.
        due = [n for n, days in enumerate(offsets, start=1) if row.sent_at + timedelta(days=days) <= now]
        if not due or latest[row.invitation_id] >= due[-1]:
            continue
        rows += [message_row(row.invitation_id, due[-1], channel, now) for channel in _usable(row)]
    return rows
