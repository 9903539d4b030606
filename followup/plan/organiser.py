"""Who is asking: the organiser participants see in every message and page, and its privacy notice.

A programme names its own organiser; one that does not falls back, as a whole, on the instance's
(FOLLOWUP_ORGANISATION and the settings beside it), so a message never mixes two organisations.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import phonenumbers

from followup.models import Participant, Programme

HOME_REGION = "SE"
# The notice's parts in the order the page shows them (GDPR art. 13(1)-(2)); the officer is optional.
NOTICE_FIELDS = (
    "privacy_controller",
    "privacy_purpose",
    "privacy_legal_basis",
    "privacy_retention",
    "privacy_rights",
    "privacy_dpo",
)
REQUIRED_NOTICE_FIELDS = NOTICE_FIELDS[:-1]
_EMAIL = re.compile(r"[^@\s;,<>\"]+@[^@\s;,<>\"]+\.[^@\s;,<>\".]+")


def is_email(text: str) -> bool:
    """Tell whether `text` is one e-mail address (name@example.org) that fits in a mailto: link."""
    return len(text) <= 254 and bool(_EMAIL.fullmatch(text))


@dataclass(frozen=True)
class Organisation:
    """Who is asking: named on the pages and in every message, with how to reach them."""

    name: str | None = None
    email: str | None = None
    phone: str | None = None  # as people read it
    privacy_url: str | None = None
    sender: str | None = None  # the display name in the From of e-mails; None: that of FOLLOWUP_MAIL_FROM

    @property
    def tel(self) -> str:
        """Return the number as a tel: link dials it."""
        return "".join(c for c in self.phone or "" if c.isdigit() or c == "+")


def shown_phone(e164: str) -> str:
    """Return a stored number as people read it: nationally for a Swedish one, else with its country code."""
    if not e164:
        return ""
    try:
        number = phonenumbers.parse(e164, HOME_REGION)
    except phonenumbers.NumberParseException:
        return e164
    style = (
        phonenumbers.PhoneNumberFormat.NATIONAL
        if phonenumbers.region_code_for_number(number) == HOME_REGION
        else phonenumbers.PhoneNumberFormat.INTERNATIONAL
    )
    return phonenumbers.format_number(number, style)


def has_notice(programme: Programme) -> bool:
    """Tell whether the programme has its own privacy notice."""
    return bool(programme.privacy_controller.strip())


def organiser_of(programme: Programme | None, default: Organisation, notice_url: str | None) -> Organisation:
    """Return who is asking for `programme`: its own organiser, else `default`; its notice at `notice_url`."""
    if programme is None:
        return default
    privacy_url = notice_url if notice_url and has_notice(programme) else default.privacy_url
    sender = programme.sender_name or None
    if programme.organisation:
        return Organisation(
            name=programme.organisation,
            email=programme.contact_email or None,
            phone=shown_phone(programme.contact_phone) or None,
            privacy_url=privacy_url,
            sender=sender,
        )
    return Organisation(default.name, default.email, default.phone, privacy_url, sender or default.sender)


def notice_path(programme_id: int) -> str:
    """Return the address, within the service, of a programme's privacy notice page."""
    return f"/integritet/{programme_id}"


def organiser_for(programme_id: int | None, default: Organisation, base_url: str) -> Organisation:
    """Return who is asking for the programme with this id; its notice's address starts with `base_url`."""
    programme = Programme.get_or_none(Programme.id == programme_id) if programme_id else None
    return organiser_of(programme, default, programme and base_url + notice_path(programme.id))


def organiser_of_participant(participant_id: int, default: Organisation, base_url: str = "") -> Organisation:
    """Return who is asking the participant with this id (their programme's organiser)."""
    programme = Programme.select().join(Participant).where(Participant.id == participant_id).first()
    return organiser_of(programme, default, programme and base_url + notice_path(programme.id))
