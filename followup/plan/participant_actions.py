"""What a coordinator changes for one participant: contact, language, or erasing them altogether."""

from __future__ import annotations

from datetime import datetime

from peewee import Database

from followup.i18n import _l
from followup.models import Contact, Draft, Invitation, Message, Outcome, Participant, Quote, Response, Token
from followup.plan.importing import LANGUAGES, email_problem, sms_number

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
        return bool(
            Participant.update(language=language)
            .where((Participant.id == participant.id) & (Participant.language != language))
            .execute()
        )
