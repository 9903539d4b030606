"""What a coordinator changes for one participant: contact, language, a fresh link, or erasing them."""

from __future__ import annotations

from datetime import datetime

from peewee import Database, fn

from followup.i18n import _l
from followup.models import (
    AnswerPair,
    Contact,
    Draft,
    Invitation,
    Message,
    Outcome,
    Participant,
    Programme,
    Quote,
    Response,
    Token,
    Wave,
    window_open,
)
from followup.plan.importing import LANGUAGES, email_problem, sms_number
from followup.sending.queueing import RESEND, RESEND_INTERVAL, insert_messages, resend_row, usable_channels

CONTACT_FIELDS = ("email", "phone")


class ActionRefused(Exception):
    """The change cannot be made; the message says why, for a person."""


def change_contact(db: Database, now: datetime, participant: Participant, field: str, value: str) -> None:
    """Store a corrected address or number, checked by the import's rules, and give it a fresh chance."""
    if field not in CONTACT_FIELDS:
        raise ActionRefused(str(_l("Choose the e-mail address or the phone number.")))
    value = value.strip()
    if field == "email":
        problem = email_problem(value) if value else str(_l("Write the new e-mail address."))
        value = value.lower()
    else:
        value, problem = sms_number(value) if value else (None, str(_l("Write the new phone number.")))
    if problem:
        raise ActionRefused(problem)
    with db.atomic():
        contact = Contact.get_or_none(Contact.participant == participant)
        if contact is None:
            # No open follow-up needs a contact any more; storing one would keep it for nothing.
            raise ActionRefused(str(_l("No contact details are kept any more.")))
        # A corrected address or number gets a fresh chance: the old failure was about the old one.
        Contact.update(
            {
                getattr(Contact, field): value,
                getattr(Contact, f"{field}_failed_at"): None,
                getattr(Contact, f"{field}_problem"): None,
                Contact.updated_at: now,
            }
        ).where(Contact.id == contact.id).execute()


def erase_participant(db: Database, participant: Participant, typed_code: str) -> None:
    """Erase the participant and everything kept about them (GDPR art. 17) once their code is typed."""
    if typed_code.strip() != participant.code:
        raise ActionRefused(str(_l("The code typed is not this participant's; nothing was erased.")))
    with db.atomic():
        invitations = Invitation.select(Invitation.id).where(Invitation.participant == participant)
        # Each table by name rather than through ON DELETE CASCADE: the erasure must not depend on
        # how a database or an old migration declared its foreign keys.
        responses = Response.select(Response.id).where(Response.invitation.in_(invitations))
        Quote.delete().where(Quote.response.in_(responses)).execute()
        outcomes = Outcome.select(Outcome.id).where(Outcome.invitation.in_(invitations))
        AnswerPair.delete().where(AnswerPair.earlier.in_(outcomes) | AnswerPair.later.in_(outcomes)).execute()
        for model in (Token, Message, Draft, Outcome, Response):
            model.delete().where(model.invitation.in_(invitations)).execute()
        Invitation.delete().where(Invitation.participant == participant).execute()
        Contact.delete().where(Contact.participant == participant).execute()
        Participant.delete().where(Participant.id == participant.id).execute()


def change_language(db: Database, participant: Participant, language: str) -> bool:
    """Write to the participant in `language` (sv or en) from now on; return whether it changed."""
    if language not in LANGUAGES:
        raise ActionRefused(str(_l("The language must be sv or en.")))
    with db.atomic():
        changed = (
            Participant.update(language=language)
            .where((Participant.id == participant.id) & (Participant.language != language))
            .execute()
        )
        # The answers carry the language the results compare responders on (models.Outcome).
        invitations = Invitation.select(Invitation.id).where(Invitation.participant == participant)
        Outcome.update(language=language).where(Outcome.invitation.in_(invitations)).execute()
        return bool(changed)


def open_follow_ups(participant: Participant, now: datetime) -> list[int]:
    """Return the months of the participant's follow-ups whose window is open now and still unanswered."""
    if participant.opted_out_at is not None:
        return []
    return [
        months
        for (months,) in Invitation.select(Wave.offset_months)
        .join(Wave)
        .where(
            (Invitation.participant == participant)
            & Invitation.state.in_(Invitation.OPEN_STATES)
            & (Invitation.due_at <= now)
            & window_open(Invitation.expires_at, now)
        )
        .order_by(Wave.offset_months)
        .tuples()
    ]


_TOO_SOON = _l("A fresh link was sent less than %(minutes)d minutes ago; wait before sending another.")
_CLOSED_STATES = {
    Invitation.ANSWERED: _l("This follow-up is answered already; no new link is needed."),
    Invitation.DECLINED: _l("The participant chose to skip this follow-up; no new link is sent."),
    Invitation.EXPIRED: _l("This follow-up has closed; a new link would not open the survey."),
}


def resend_link(db: Database, now: datetime, participant: Participant, months: int) -> list[str]:
    """Queue the invitation of the `months` follow-up again, now; return the channels it goes by.

    The message takes the scheduler's usual path: a new link is issued when it is sent, within the
    sending hours, by the programme's channel policy and only to contacts that work.
    """
    with db.atomic():
        participant = Participant.get_by_id(participant.id)  # as it is now, not as the page saw it
        invitation = (
            Invitation.select()
            .join(Wave)
            .where((Invitation.participant == participant) & (Wave.offset_months == months))
            .first()
        )
        if invitation is None:
            raise ActionRefused(str(_l("This participant has no %(months)d-month follow-up.", months=months)))
        if participant.opted_out_at is not None:
            raise ActionRefused(str(_l("This participant has opted out; no more messages go to them.")))
        if invitation.state in _CLOSED_STATES:
            raise ActionRefused(str(_CLOSED_STATES[invitation.state]))
        if invitation.due_at > now:
            raise ActionRefused(
                str(_l("This follow-up has not opened yet; its invitation goes out when it does."))
            )
        if not window_open(invitation.expires_at, now):
            raise ActionRefused(str(_CLOSED_STATES[Invitation.EXPIRED]))
        messages = Message.select().where(Message.invitation == invitation)
        if messages.where(Message.state.in_((Message.PENDING, Message.SENDING))).exists():
            raise ActionRefused(str(_l("A message for this follow-up is already waiting to go out.")))
        last = messages.select(fn.MAX(Message.created_at)).where(Message.kind == RESEND).scalar()
        if last is not None and Message.created_at.python_value(last) > now - RESEND_INTERVAL:
            minutes = int(RESEND_INTERVAL.total_seconds() // 60)
            raise ActionRefused(str(_TOO_SOON % {"minutes": minutes}))
        contact = Contact.get_or_none(Contact.participant == participant)
        policy = Programme.select(Programme.channel_policy).where(Programme.id == participant.programme_id)
        channels = usable_channels(policy.scalar(), contact, participant)
        if not channels:
            raise ActionRefused(
                str(_l("No working e-mail address or phone number: correct the contact details first."))
            )
        if invitation.state == Invitation.SCHEDULED and not messages.exists():
            raise ActionRefused(str(_l("The invitation has not gone out yet; it goes with the next send.")))
        insert_messages(db, [resend_row(invitation.id, channel, now) for channel in channels])
    return channels
