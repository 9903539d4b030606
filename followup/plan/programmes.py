"""Programmes and their follow-up plans (the waves)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass, fields
from datetime import datetime

import phonenumbers
from peewee import Database, fn

from followup.i18n import _l
from followup.models import Cohort, Participant, Programme, Wave
from followup.plan.organiser import HOME_REGION, NOTICE_FIELDS, REQUIRED_NOTICE_FIELDS, is_email
from followup.plan.scheduling import DEFAULT_OFFSETS, DEFAULT_WINDOW_DAYS

DEFAULT_SURVEY = "standard"


class ProgrammeError(Exception):
    """A programme cannot be found or created as asked."""


class DetailsError(ProgrammeError):
    """Some of a programme's details are wrong: `errors` says which and why, field by field."""

    def __init__(self, errors: dict[str, str]) -> None:
        super().__init__(" ".join(errors.values()))
        self.errors = errors


@dataclass(frozen=True)
class Details:
    """What participants are told about a programme: its organiser and its privacy notice.

    The names are the Programme's columns; empty means "not given" (the instance's default applies).
    """

    organisation: str = ""
    contact_email: str = ""
    contact_phone: str = ""  # E.164 once cleaned
    sender_name: str = ""
    privacy_controller: str = ""
    privacy_purpose: str = ""
    privacy_legal_basis: str = ""
    privacy_retention: str = ""
    privacy_rights: str = ""
    privacy_dpo: str = ""


DETAIL_FIELDS = tuple(f.name for f in fields(Details))
MAX_NAME = 200
MAX_SENDER = 100
MAX_NOTICE_PART = 4000
# What the audit log shows before and after; the rest may hold an e-mail address or a phone number
# (a contact, a data protection officer's), which the log never holds, so it only says they changed.
AUDITED_VALUES = ("name", "organisation", "sender_name")


def _one_line(value: str) -> bool:
    return not any(ord(c) < 32 or 127 <= ord(c) < 160 for c in value)


def clean_details(raw: Mapping[str, str | None]) -> Details:
    """Return the details as stored (trimmed, the phone in E.164); DetailsError names each wrong field."""
    values = {name: (raw.get(name) or "").replace("\r\n", "\n").strip() for name in DETAIL_FIELDS}
    errors: dict[str, str] = {}
    for name, limit in (("organisation", MAX_NAME), ("sender_name", MAX_SENDER)):
        if len(values[name]) > limit or not _one_line(values[name]):
            errors[name] = str(_l("Write one line of at most %(count)d characters.", count=limit))
    if values["contact_email"] and not is_email(values["contact_email"]):
        errors["contact_email"] = str(_l("The e-mail address is not valid: write it like name@example.org."))
    if values["contact_phone"]:
        try:
            number = phonenumbers.parse(values["contact_phone"], HOME_REGION)
        except phonenumbers.NumberParseException:
            number = None
        if number is None or not phonenumbers.is_valid_number(number):
            errors["contact_phone"] = str(
                _l("The phone number is not valid: write it like 0650-55 55 55, or +46 650 55 55 55.")
            )
        else:
            values["contact_phone"] = phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)
    if (values["contact_email"] or values["contact_phone"]) and not values["organisation"]:
        errors.setdefault(
            "organisation", str(_l("Name the organisation that participants reach at this e-mail or phone."))
        )
    for name in NOTICE_FIELDS:
        if len(values[name]) > MAX_NOTICE_PART:
            errors[name] = str(_l("Write at most %(count)d characters.", count=MAX_NOTICE_PART))
    if any(values[name] for name in NOTICE_FIELDS):
        for name in REQUIRED_NOTICE_FIELDS:
            if not values[name]:
                errors.setdefault(name, str(_l("A privacy notice needs this part too.")))
    if errors:
        raise DetailsError(errors)
    return Details(**values)


def details_audit(details: Details) -> dict:
    """Return what the audit log keeps of new details: the names shown, and which other parts were given."""
    given = asdict(details)
    return {
        **{key: given[key] for key in AUDITED_VALUES if key in given},
        "given": [key for key, value in given.items() if value and key not in AUDITED_VALUES],
    }


def details_of(programme: Programme) -> Details:
    """Return the programme's organiser and privacy notice as stored."""
    return Details(**{name: getattr(programme, name) for name in DETAIL_FIELDS})


def _check_name(name: str) -> str:
    name = name.strip()
    if not name:
        raise DetailsError({"name": str(_l("A programme needs a name."))})
    if len(name) > MAX_NAME or not _one_line(name):
        raise DetailsError(
            {"name": str(_l("Write one line of at most %(count)d characters.", count=MAX_NAME))}
        )
    return name


def update_programme(db: Database, programme: Programme, name: str, details: Details) -> dict:
    """Rename the programme and store its details; return the change for the audit log (empty if none)."""
    name = _check_name(name)
    with db.atomic():
        if Programme.select().where((Programme.name == name) & (Programme.id != programme.id)).exists():
            raise DetailsError(
                {"name": str(_l("There is already a programme called '%(name)s'.", name=name))}
            )
        before = {"name": programme.name, **asdict(details_of(programme))}
        after = {"name": name, **asdict(details)}
        changed = [key for key in after if before[key] != after[key]]
        if not changed:
            return {}
        Programme.update(**{key: after[key] for key in changed}).where(Programme.id == programme.id).execute()
    for key in changed:
        setattr(programme, key, after[key])
    return {
        "changed": changed,
        "before": {key: before[key] for key in changed if key in AUDITED_VALUES},
        "after": {key: after[key] for key in changed if key in AUDITED_VALUES},
    }


def find_programme(name: str) -> Programme:
    """Return the programme called `name`, or raise ProgrammeError."""
    programme = Programme.get_or_none(Programme.name == name.strip())
    if programme is None:
        raise ProgrammeError(str(_l("There is no programme called '%(name)s'.", name=name)))
    return programme


def create_programme(
    db: Database,
    now: datetime,
    name: str,
    offsets: Sequence[int] = DEFAULT_OFFSETS,
    window_days: int = DEFAULT_WINDOW_DAYS,
    survey: str = DEFAULT_SURVEY,
    channel_policy: str = Programme.EMAIL_THEN_SMS,
    reminder_days: Sequence[int] = (7, 14),
    details: Details | None = None,
) -> Programme:
    """Create a programme with one wave per offset (months after exit), its contact plan and its details."""
    name = _check_name(name)
    if not offsets or any(o < 1 for o in offsets) or len(set(offsets)) != len(offsets):
        raise ProgrammeError(str(_l("Wave offsets must be different whole months from 1.")))
    if window_days < 1:
        raise ProgrammeError(str(_l("The response window must be at least one day.")))
    if channel_policy not in Programme.CHANNEL_POLICIES:
        raise ProgrammeError(
            str(
                _l(
                    "Unknown channel policy; use one of %(policies)s.",
                    policies=", ".join(Programme.CHANNEL_POLICIES),
                )
            )
        )
    if any(day < 1 or day >= window_days for day in reminder_days) or list(reminder_days) != sorted(
        set(reminder_days)
    ):
        raise ProgrammeError(str(_l("Reminder days must increase and fall inside the response window.")))
    with db.atomic():
        if Programme.get_or_none(Programme.name == name):
            raise ProgrammeError(str(_l("There is already a programme called '%(name)s'.", name=name)))
        programme = Programme.create(
            name=name,
            created_at=now,
            channel_policy=channel_policy,
            reminder_days=",".join(map(str, reminder_days)),
            **asdict(details or Details()),
        )
        for offset in sorted(offsets):
            Wave.create(programme=programme, offset_months=offset, survey=survey, window_days=window_days)
    return programme


@dataclass
class ProgrammeSummary:
    name: str
    wave_months: list[int]
    channel_policy: str
    participants: int
    id: int = 0
    cohorts: int = 0
    organisation: str = ""


def list_programmes(only: set[int] | None = None) -> list[ProgrammeSummary]:
    """Return every programme (or those whose ids are in `only`) with its waves, channel policy,
    numbers of participants and cohorts and its organiser, by name."""
    counts = dict(
        Participant.select(Participant.programme, fn.COUNT(Participant.id))
        .group_by(Participant.programme)
        .tuples()
    )
    cohorts = dict(Cohort.select(Cohort.programme, fn.COUNT(Cohort.id)).group_by(Cohort.programme).tuples())
    waves: dict[int, list[int]] = {}
    for programme_id, months in (
        Wave.select(Wave.programme, Wave.offset_months).order_by(Wave.offset_months).tuples()
    ):
        waves.setdefault(programme_id, []).append(months)
    programmes = Programme.select(
        Programme.id, Programme.name, Programme.channel_policy, Programme.organisation
    ).order_by(Programme.name)
    if only is not None:
        programmes = programmes.where(Programme.id.in_(only or {0}))
    return [
        ProgrammeSummary(
            found.name,
            waves.get(found.id, []),
            found.channel_policy,
            counts.get(found.id, 0),
            found.id,
            cohorts.get(found.id, 0),
            found.organisation,
        )
        for found in programmes
    ]
