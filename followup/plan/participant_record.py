"""One participant as a coordinator sees them: masked contact details and the timeline of messages.

Never the answers: the timeline reads invitations and messages, not responses.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from followup.models import Contact, Invitation, Message, Participant, Wave


def mask_email(email: str | None) -> str:
    """Return an address with all but its first letter hidden: d***@example.org."""
    if not email:
        return ""
    local, _, domain = email.partition("@")
    return f"{local[:1]}***@{domain}"


def mask_phone(phone: str | None) -> str:
    """Return a Swedish number with only its country code, first digits and last two shown."""
    if not phone:
        return ""
    if phone.startswith("+46") and len(phone) >= 9:
        return f"+46 {phone[3:5]}-*** ** {phone[-2:]}"
    return f"{phone[:3]} *** {phone[-2:]}"


@dataclass(frozen=True)
class TimelineEntry:
    at: datetime
    months: int
    kind: str
    channel: str | None
    state: str


def find_participant(programme_id: int, code: str) -> Participant | None:
    """Return the programme's participant with this code, or None (another programme's code is None)."""
    return Participant.get_or_none((Participant.programme == programme_id) & (Participant.code == code))


def contact_of(participant: Participant) -> Contact | None:
    """Return the participant's contact record, if it still exists."""
    return Contact.get_or_none(Contact.participant == participant)


def timeline(participant: Participant) -> list[TimelineEntry]:
    """Return what happened to the participant's invitations and messages, oldest first."""
    entries = []
    invitations = list(
        Invitation.select(Invitation, Wave).join(Wave).where(Invitation.participant == participant)
    )
    for invitation in invitations:
        months = invitation.wave.offset_months
        entries.append(TimelineEntry(invitation.due_at, months, "planned", None, invitation.state))
        if invitation.answered_at:
            entries.append(TimelineEntry(invitation.answered_at, months, "answered", None, "answered"))
        if invitation.declined_at:
            entries.append(TimelineEntry(invitation.declined_at, months, "declined", None, "declined"))
    by_id = {i.id: i for i in invitations}
    for message in Message.select().where(Message.invitation.in_(list(by_id) or [0])):
        moment = message.sent_at or message.created_at
        months = by_id[message.invitation_id].wave.offset_months
        entries.append(
            TimelineEntry(
                moment, months, message.kind, message.channel, message.delivery_status or message.state
            )
        )
    return sorted(entries, key=lambda e: e.at)
