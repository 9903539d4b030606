"""Participant import from CSV: all rows valid or nothing imported; importing twice adds no one."""

from __future__ import annotations

import csv
import io
import re
import secrets
from dataclasses import dataclass
from datetime import date, datetime
from zoneinfo import ZoneInfo

import phonenumbers
from peewee import Database

from followup.db import insert_rows
from followup.i18n import _l
from followup.models import Cohort, Contact, Participant, Programme, Wave
from followup.plan import scheduling

REQUIRED_COLUMNS = ("exit_date",)
KNOWN_COLUMNS = (
    "code",
    "exit_date",
    "email",
    "phone",
    "language",
    "cohort",
    "exit_activity",
    "exit_social_assistance",
)
LANGUAGES = ("sv", "en")
YES = {"yes", "ja", "true", "1", "y", "j"}
NO = {"no", "nej", "false", "0", "n"}
_EMAIL = re.compile(r"^[^@\s;,]+@[^@\s;,]+\.[^@\s;,]+$")
_CODE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_-]{0,39}$")
_CODE_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"
PARTICIPANT_FIELDS = (
    Participant.programme,
    Participant.cohort,
    Participant.code,
    Participant.exit_date,
    Participant.language,
    Participant.exit_activity,
    Participant.exit_social_assistance,
    Participant.created_at,
)
CONTACT_FIELDS = (Contact.participant, Contact.email, Contact.phone, Contact.updated_at)


class ImportRejected(Exception):
    """The file cannot be imported; `problems` lists (line number or None, reason) pairs."""

    def __init__(self, problems: list[tuple[int | None, str]]) -> None:
        super().__init__(f"{len(problems)} problem(s)")
        self.problems = problems


@dataclass
class Row:
    line: int
    code: str | None
    exit_date: date
    email: str | None
    phone: str | None
    language: str
    cohort: str | None
    exit_activity: str | None
    exit_social_assistance: bool | None


@dataclass
class ImportResult:
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    invitations: int = 0


def read_rows(raw: bytes, activities: set[str]) -> list[Row]:
    """Parse and validate every row of a CSV file; raise ImportRejected listing all problems."""
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise ImportRejected([(None, str(_l("The file is not UTF-8 text. Save it as CSV UTF-8.")))]) from None
    first_line = text.split("\n", 1)[0]
    delimiter = ";" if first_line.count(";") > first_line.count(",") else ","
    reader = csv.DictReader(io.StringIO(text, newline=""), delimiter=delimiter)
    header = [name.strip().lower() for name in (reader.fieldnames or [])]
    problems = _check_header(header)
    if problems:
        raise ImportRejected(problems)
    reader.fieldnames = header
    rows: list[Row] = []
    problems = []
    seen_codes: dict[str, int] = {}
    for record in reader:
        line = reader.line_num
        if None in record:
            problems.append((line, str(_l("The row has more fields than the header."))))
            continue
        values = {key: (value or "").strip() for key, value in record.items()}
        if not any(values.values()):
            continue
        row, reasons = _parse_row(line, values, activities)
        if row and row.code:
            if row.code in seen_codes:
                reasons.append(
                    str(
                        _l(
                            "The code %(code)s is also on line %(line)s.",
                            code=row.code,
                            line=seen_codes[row.code],
                        )
                    )
                )
            seen_codes[row.code] = line
        problems += [(line, reason) for reason in reasons]
        if row and not reasons:
            rows.append(row)
    if problems:
        raise ImportRejected(problems)
    if not rows:
        raise ImportRejected([(None, str(_l("The file has no participants.")))])
    return rows


def _check_header(header: list[str]) -> list[tuple[int | None, str]]:
    problems: list[tuple[int | None, str]] = []
    for name in header:
        if name not in KNOWN_COLUMNS:
            problems.append(
                (
                    1,
                    str(
                        _l(
                            "Unknown column '%(name)s'. followup stores no names or other personal "
                            "details; allowed columns: %(allowed)s.",
                            name=name,
                            allowed=", ".join(KNOWN_COLUMNS),
                        )
                    ),
                )
            )
    for name in REQUIRED_COLUMNS:
        if name not in header:
            problems.append((1, str(_l("The column '%(name)s' is missing.", name=name))))
    if "email" not in header and "phone" not in header:
        problems.append((1, str(_l("The file needs an 'email' or a 'phone' column."))))
    return problems


def _parse_row(line: int, values: dict[str, str], activities: set[str]) -> tuple[Row | None, list[str]]:
    reasons: list[str] = []
    code = values.get("code") or None
    if code and not _CODE.match(code):
        reasons.append(str(_l("The code may hold only letters, digits, - and _ (at most 40).")))
    try:
        exit_date = date.fromisoformat(values.get("exit_date", ""))
    except ValueError:
        reasons.append(
            str(
                _l(
                    "The exit date '%(value)s' is not a date like 2025-03-31.",
                    value=values.get("exit_date", ""),
                )
            )
        )
        exit_date = None
    email = values.get("email") or None
    if email and not _EMAIL.match(email):
        reasons.append(str(_l("The e-mail address is not valid.")))
    phone = values.get("phone") or None
    if phone:
        phone = _normalise_phone(phone)
        if phone is None:
            reasons.append(str(_l("The phone number is not a valid number.")))
    if not email and not values.get("phone"):
        reasons.append(str(_l("Give an e-mail address or a phone number.")))
    language = (values.get("language") or "sv").lower()
    if language not in LANGUAGES:
        reasons.append(str(_l("The language must be sv or en.")))
    activity = values.get("exit_activity") or None
    if activity and activity not in activities:
        reasons.append(str(_l("Unknown exit activity '%(value)s'.", value=activity)))
    assistance_text = (values.get("exit_social_assistance") or "").lower()
    assistance = True if assistance_text in YES else False if assistance_text in NO else None
    if assistance_text and assistance is None:
        reasons.append(str(_l("exit_social_assistance must be yes or no.")))
    if reasons:
        return None, reasons
    return Row(
        line,
        code,
        exit_date,
        email and email.lower(),
        phone,
        language,
        values.get("cohort") or None,
        activity,
        assistance,
    ), reasons


def _normalise_phone(raw: str) -> str | None:
    try:
        number = phonenumbers.parse(raw, "SE")
    except phonenumbers.NumberParseException:
        return None
    if not phonenumbers.is_valid_number(number):
        return None
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def new_code() -> str:
    """Return a fresh pseudonymous participant code such as P-7K3M9QX2."""
    return "P-" + "".join(secrets.choice(_CODE_ALPHABET) for _ in range(8))


def import_participants(
    db: Database,
    now: datetime,
    programme: Programme,
    rows: list[Row],
    zone: ZoneInfo,
    send_hour: int,
) -> ImportResult:
    """Store validated rows in one transaction and plan their invitations."""
    result = ImportResult()
    with db.atomic():
        existing = _existing(programme)
        cohorts = {c.name: c.id for c in Cohort.select().where(Cohort.programme == programme)}
        waves = list(Wave.select().where(Wave.programme == programme))
        problems: list[tuple[int | None, str]] = []
        new_rows, contacts, updates = [], [], []
        for row in rows:
            match = (
                existing.get(("code", row.code))
                if row.code
                else (
                    existing.get(("email", row.exit_date, row.email))
                    or existing.get(("phone", row.exit_date, row.phone))
                )
            )
            if match is None:
                new_rows.append(row)
                continue
            participant_id, exit_date, email, phone = match
            if exit_date != row.exit_date:
                problems.append(
                    (
                        row.line,
                        str(
                            _l(
                                "The code %(code)s has exit date %(date)s on record.",
                                code=row.code,
                                date=exit_date.isoformat(),
                            )
                        ),
                    )
                )
            elif (email, phone) == (row.email, row.phone) or (row.email is None and row.phone is None):
                result.unchanged += 1
            else:
                updates.append((participant_id, email, phone, row))
        if problems:
            raise ImportRejected(problems)
        for name in {row.cohort for row in new_rows if row.cohort} - cohorts.keys():
            cohorts[name] = Cohort.create(programme=programme, name=name).id
        taken = set(code for kind, code, *_ in existing if kind == "code")
        participant_rows = []
        for row in new_rows:
            code = row.code
            while code is None or code in taken:
                code = new_code()
            taken.add(code)
            row.code = code
            participant_rows.append(
                (
                    programme.id,
                    cohorts.get(row.cohort),
                    code,
                    row.exit_date,
                    row.language,
                    row.exit_activity,
                    row.exit_social_assistance,
                    now,
                )
            )
        insert_rows(db, Participant, PARTICIPANT_FIELDS, participant_rows)
        ids = dict(
            Participant.select(Participant.code, Participant.id)
            .where(Participant.programme == programme)
            .tuples()
        )
        invitations = []
        for row in new_rows:
            participant_id = ids[row.code]
            contacts.append((participant_id, row.email, row.phone, now))
            invitations += scheduling.invitations_for(
                participant_id, row.exit_date, waves, now, zone, send_hour
            )
        insert_rows(db, Contact, CONTACT_FIELDS, contacts)
        for participant_id, email, phone, row in updates:
            _update_contact(participant_id, email, phone, row, now)
        result.created = len(new_rows)
        result.updated = len(updates)
        result.invitations = scheduling.insert_invitations(db, invitations)
    return result


def _update_contact(
    participant_id: int, email: str | None, phone: str | None, row: Row, now: datetime
) -> None:
    """Store new contact details over the known ones; a changed address or number gets a fresh chance."""
    changes: dict = {Contact.email: row.email, Contact.phone: row.phone, Contact.updated_at: now}
    if row.email != email:
        changes.update({Contact.email_failed_at: None, Contact.email_problem: None})
    if row.phone != phone:
        changes.update({Contact.phone_failed_at: None, Contact.phone_problem: None})
    if not Contact.update(changes).where(Contact.participant == participant_id).execute():
        Contact.create(participant=participant_id, email=row.email, phone=row.phone, updated_at=now)


def _existing(programme: Programme) -> dict:
    """Index the programme's participants by code and by (exit date, e-mail or phone)."""
    index: dict = {}
    query = (
        Participant.select(
            Participant.id, Participant.code, Participant.exit_date, Contact.email, Contact.phone
        )
        .left_outer_join(Contact, on=(Contact.participant == Participant.id))
        .where(Participant.programme == programme)
        .tuples()
    )
    for participant_id, code, exit_date, email, phone in query:
        entry = (participant_id, exit_date, email, phone)
        index[("code", code)] = entry
        if email:
            index[("email", exit_date, email)] = entry
        if phone:
            index[("phone", exit_date, phone)] = entry
    return index
