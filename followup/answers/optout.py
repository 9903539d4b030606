"""Opting out: from everything (a link, the survey page) or from SMS only (STOP by SMS)."""

from __future__ import annotations

from datetime import datetime

from peewee import Database

from followup.answers.answering import delete_drafts_of
from followup.models import Contact, Invitation, Message, Participant


def opt_out(db: Database, participant_id: int, now: datetime, channel: str) -> bool:
    """Stop all further contact with a participant; return False if they had opted out already."""
    with db.atomic():
        changed = (
            Participant.update(opted_out_at=now, opted_out_channel=channel)
            .where((Participant.id == participant_id) & Participant.opted_out_at.is_null())
            .execute()
        )
        cancel_pending(participant_id)
        delete_drafts_of(participant_id)
    return bool(changed)


def opt_out_sms(db: Database, phone: str, now: datetime) -> int:
    """Stop SMS to everyone with this number (an SMS STOP); return how many participants."""
    with db.atomic():
        ids = [c.participant_id for c in Contact.select(Contact.participant).where(Contact.phone == phone)]
        changed = (
            Participant.update(sms_opted_out_at=now)
            .where(Participant.id.in_(ids) & Participant.sms_opted_out_at.is_null())
            .execute()
        )
        for participant_id in ids:
            cancel_pending(participant_id, channel="sms")
    return changed


def opt_in_sms(db: Database, phone: str) -> int:
    """Allow SMS again to everyone with this number (an SMS START); return how many participants."""
    with db.atomic():
        ids = [c.participant_id for c in Contact.select(Contact.participant).where(Contact.phone == phone)]
        return Participant.update(sms_opted_out_at=None).where(Participant.id.in_(ids)).execute()


def cancel_pending(participant_id: int, channel: str | None = None) -> int:
    """Cancel a participant's messages that have not been sent yet."""
    invitations = Invitation.select(Invitation.id).where(Invitation.participant == participant_id)
    condition = (Message.state == Message.PENDING) & Message.invitation.in_(invitations)
    if channel:
        condition &= Message.channel == channel
    return Message.update(state=Message.CANCELLED).where(condition).execute()


STOP_WORDS = {"STOP", "STOPP", "AVSLUTA", "STOPALL", "UNSUBSCRIBE", "CANCEL", "END", "QUIT"}
START_WORDS = {"START", "UNSTOP", "YES", "JA"}
HELP_WORDS = {"HELP", "HJÄLP", "HJALP", "INFO"}


def keyword(body: str) -> str | None:
    """Classify an incoming SMS as 'stop', 'start' or 'help' by its first word, else None."""
    words = body.strip().upper().split()
    first = words[0].strip(".!") if words else ""
    if first in STOP_WORDS:
        return "stop"
    if first in START_WORDS:
        return "start"
    if first in HELP_WORDS:
        return "help"
    return None


def opted_out_at(participant_id: int) -> datetime | None:
    """Return when the participant stopped all follow-ups, or None if they have not."""
    found = Participant.select(Participant.opted_out_at).where(Participant.id == participant_id).first()
    return found.opted_out_at if found else None
