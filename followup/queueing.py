"""Which messages should exist now: invitations that fell due and reminders whose day has come."""

from __future__ import annotations

from collections import defaultdict
from datetime import datetime, timedelta

from peewee import JOIN, Database, fn

from followup.models import Contact, Invitation, Message, Participant, Programme


def usable_channels(policy: str, contact: Contact | None, participant: Participant) -> list[str]:
    """Return the channels to use for one message under the programme's channel policy."""
    email = bool(contact and contact.email and not contact.email_failed_at)
    sms = bool(contact and contact.phone and not contact.phone_failed_at and not participant.sms_opted_out_at)
    if policy == Programme.EMAIL_ONLY:
        return ["email"] if email else []
    if policy == Programme.SMS_ONLY:
        return ["sms"] if sms else []
    if policy == Programme.BOTH:
        return [name for name, ok in (("email", email), ("sms", sms)) if ok]
    return ["email"] if email else ["sms"] if sms else []


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
    }


def insert_messages(db: Database, rows: list[dict]) -> None:
    """Insert message rows, leaving any that exist already untouched."""
    with db.atomic():
        for start in range(0, len(rows), 500):
            Message.insert_many(rows[start : start + 500]).on_conflict_ignore().execute()


def _open_invitations(now: datetime, state: str):
    return (
        Invitation.select(Invitation, Participant, Contact, Programme)
        .join(Participant)
        .join(Contact, JOIN.LEFT_OUTER, on=(Contact.participant == Participant.id))
        .switch(Participant)
        .join(Programme)
        .where(
            (Invitation.state == state) & (Invitation.expires_at > now) & Participant.opted_out_at.is_null()
        )
    )


def due_invitations(now: datetime):
    """Return the scheduled invitations that have fallen due and are still open."""
    return (
        _open_invitations(now, Invitation.SCHEDULED)
        .where(Invitation.due_at <= now)
        .order_by(Invitation.due_at, Invitation.id)
    )


def invitation_messages(now: datetime) -> list[dict]:
    """Return the invitation messages that should exist for what has fallen due."""
    rows = []
    for invitation in due_invitations(now):
        participant = invitation.participant
        contact = getattr(participant, "contact", None)
        for channel in usable_channels(participant.programme.channel_policy, contact, participant):
            rows.append(message_row(invitation.id, 0, channel, now))
    return rows


def reminder_messages(now: datetime) -> list[dict]:
    """Return the reminder messages that should exist now: the latest one due, never a burst."""
    invitations = list(_open_invitations(now, Invitation.SENT))
    latest = defaultdict(int)
    if invitations:
        query = (
            Message.select(Message.invitation, fn.MAX(Message.sequence))
            .where(Message.invitation.in_([i.id for i in invitations]))
            .group_by(Message.invitation)
            .tuples()
        )
        latest.update(dict(query))
    rows = []
    for invitation in invitations:
        participant = invitation.participant
        offsets = participant.programme.reminder_offsets()
        # Reminders whose day has passed while a later one is also due are skipped, not sent in a burst.
        due = [
            n for n, days in enumerate(offsets, start=1) if invitation.sent_at + timedelta(days=days) <= now
        ]
        if not due or latest[invitation.id] >= due[-1]:
            continue
        contact = getattr(participant, "contact", None)
        for channel in usable_channels(participant.programme.channel_policy, contact, participant):
            rows.append(message_row(invitation.id, due[-1], channel, now))
    return rows
