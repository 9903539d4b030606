"""Delivery reports from the SMS provider: what became of each message after it was sent."""

from __future__ import annotations

from datetime import datetime

from peewee import Database

from followup.models import Contact, Invitation, Message

# Twilio error codes on an undelivered message that mean the number itself does not work.
NUMBER_DOES_NOT_WORK = {"30005", "30006", "21211", "21614"}
FINAL = {Message.DELIVERED, Message.FAILED}


def record_status(db: Database, reference: str, status: str, error_code: str | None, now: datetime) -> bool:
    """Apply a delivery status (queued, sent, delivered, undelivered, failed); False if unknown."""
    with db.atomic():
        message = Message.get_or_none(Message.provider_ref == reference)
        if message is None:
            return False
        changes: dict = {Message.delivery_status: status, Message.status_at: now}
        if message.state not in FINAL:
            if status == "delivered":
                changes[Message.state] = Message.DELIVERED
            elif status in ("undelivered", "failed"):
                changes[Message.state] = Message.FAILED
                changes[Message.error] = f"Twilio {error_code or '?'}: {status}"
        Message.update(changes).where(Message.id == message.id).execute()
        if status in ("undelivered", "failed") and error_code in NUMBER_DOES_NOT_WORK:
            participant = Invitation.select(Invitation.participant).where(
                Invitation.id == message.invitation_id
            )
            Contact.update(phone_failed_at=now, phone_problem=f"Twilio {error_code}").where(
                Contact.participant.in_(participant)
            ).execute()
    return True
