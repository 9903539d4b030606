"""Participant import from CSV: all rows valid or nothing imported; importing twice adds no one."""

from __future__ import annotations

import codecs
import csv
import io
import re
import secrets
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import NamedTuple
from zoneinfo import ZoneInfo

import phonenumbers
from peewee import Database

from followup.db import insert_rows
from followup.i18n import _l
from followup.models import Cohort, Contact, Participant, Programme, Wave
from followup.plan import scheduling
from followup.plan.programmes import create_programme

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
# The limits a file must keep; the README's import section states each one.
MAX_FILE_BYTES = 20 * 1024 * 1024
MAX_COLUMNS = 50
SHOWN_PROBLEMS = 50
EARLIEST_EXIT = date(2000, 1, 1)
LATEST_EXIT_DAYS = 92
MAX_EMAIL = 254
MAX_COHORT = 100
MAX_PHONE = 40
# csv's own limit (131,072 characters) is the 128 KiB a field may never reach; no column needs a tenth.
MAX_FIELD = csv.field_size_limit()
_EMAIL = re.compile(r"^[^@\s;,]+@[^@\s;,]+\.[^@\s;,]+$")
_CODE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_-]{0,39}$")
_ISO_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
_PHONE_CHARACTERS = re.compile(r"^\+?[0-9 ().\-/]+$")
# C0 and C1 controls, DEL, and the Unicode line and paragraph separators: none belongs in a field.
_CONTROL = re.compile("[\x00-\x1f\x7f-\x9f\u2028\u2029]")
_FORMULA_STARTS = ("=", "+", "-", "@")
_SMS_NUMBER_TYPES = {phonenumbers.PhoneNumberType.MOBILE, phonenumbers.PhoneNumberType.FIXED_LINE_OR_MOBILE}
_DUPLICATE_CONTACT = {
    "email": _l(
        "The same e-mail address is also on line %(line)s, and neither row has a code: give each person "
        "a code of their own, or remove the duplicate."
    ),
    "phone": _l(
        "The same phone number is also on line %(line)s, and neither row has a code: give each person "
        "a code of their own, or remove the duplicate."
    ),
}
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


class Problem(NamedTuple):
    """One reason a file cannot be imported, and where: its line, and the column (header) it concerns.

    A problem with a whole row (too many fields) or the whole file has no column; one with the
    file as a whole (not UTF-8, empty) has no line either.
    """

    line: int | None
    reason: str
    column: str | None = None

    def place(self) -> str:
        """Return where the problem is, for a person: "line 7, column email", "line 7" or ""."""
        if self.line and self.column:
            return str(_l("line %(line)d, column %(column)s", line=self.line, column=self.column))
        if self.line:
            return str(_l("line %(line)d", line=self.line))
        return ""

    def describe(self) -> str:
        """Return the problem in one line, its place first: "line 7, column email: The e-mail ..."."""
        place = self.place()
        return f"{place}: {self.reason}" if place else self.reason


class ImportRejected(Exception):
    """The file cannot be imported; `problems` lists the first problems found (see Problem).

    `total` counts every problem found, so a front end can say how many are not listed.
    """

    def __init__(self, problems: list[Problem | tuple[int | None, str]], total: int | None = None) -> None:
        self.total = len(problems) if total is None else total
        super().__init__(f"{self.total} problem(s)")
        self.problems = [Problem(*problem) for problem in problems[:SHOWN_PROBLEMS]]

    @property
    def not_shown(self) -> int:
        """Return how many problems are counted but not listed."""
        return self.total - len(self.problems)


class _Problems:
    """Collect problems, keeping the first few to show and counting the rest."""

    def __init__(self) -> None:
        self.shown: list[Problem] = []
        self.total = 0

    def add(self, line: int | None, reason: str, column: str | None = None) -> None:
        self.total += 1
        if len(self.shown) < SHOWN_PROBLEMS:
            self.shown.append(Problem(line, reason, column))

    def raise_any(self) -> None:
        if self.total:
            raise ImportRejected(self.shown, self.total)


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


def read_rows(raw: bytes, activities: set[str], today: date) -> list[Row]:
    """Parse and validate every row of a CSV file; raise ImportRejected listing the problems.

    This is the one place the import rules live; the command line (and later the staff pages) only
    hand it the file's bytes and show what it says. `today` bounds the exit dates.
    """
    text = _decode(raw)
    first_line = text.split("\n", 1)[0]
    delimiter = ";" if first_line.count(";") > first_line.count(",") else ","
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    problems = _Problems()
    try:
        header = next(reader)  # the text is not blank: there is a first line
        _check_header(header, delimiter, problems)
        problems.raise_any()
        columns = [name.strip().lower() for name in header]
        rows: list[Row] = []
        seen: dict[tuple[str, str], int] = {}
        for record in reader:
            _read_record(reader.line_num, record, columns, activities, today, seen, rows, problems)
    except csv.Error:
        problems.add(
            reader.line_num or None,
            str(
                _l(
                    "A field is longer than 128 KiB, which no column needs; often a quotation mark "
                    '(") opens a field and is never closed.'
                )
            ),
        )
    problems.raise_any()
    if not rows:
        raise ImportRejected([(None, str(_l("The file has no participants.")))])
    return rows


def _decode(raw: bytes) -> str:
    """Return the file's text, or say in a sentence why it is not CSV UTF-8."""
    if raw.startswith(b"PK\x03\x04") or raw.startswith(b"\xd0\xcf\x11\xe0"):
        raise ImportRejected(
            [(None, str(_l("This is a spreadsheet file, not CSV. Save it as CSV UTF-8 and import that.")))]
        )
    if raw.startswith((codecs.BOM_UTF32_LE, codecs.BOM_UTF32_BE)):
        found = "UTF-32"
    elif raw.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        found = "UTF-16"
    elif raw[:4096].count(b"\x00") > len(raw[:4096]) // 4:
        # Text in UTF-16 without a byte order mark: every other byte of Latin letters is zero.
        found = "UTF-16"
    else:
        found = None
    if found:
        raise ImportRejected(
            [
                (
                    None,
                    str(
                        _l(
                            "The file is saved as %(encoding)s text; followup reads CSV UTF-8. "
                            'In the spreadsheet, choose "Save as" and the type "CSV UTF-8".',
                            encoding=found,
                        )
                    ),
                )
            ]
        )
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        raise ImportRejected(
            [
                (
                    line,
                    str(
                        _l(
                            "The file is not UTF-8 text (perhaps Latin-1 or Windows-1252). "
                            'In the spreadsheet, choose "Save as" and the type "CSV UTF-8".'
                        )
                    ),
                )
            ]
        ) from None
    if not text.strip():  # nothing, or only blank lines or a byte order mark
        raise ImportRejected([(None, str(_l("The file is empty.")))])
    return text


def _shown(value: str) -> str:
    """Return a value fit to quote in a message: control characters visible, at most 40 characters."""
    value = _CONTROL.sub(lambda m: f"\\u{ord(m.group(0)):04x}", value)
    return value if len(value) <= 40 else value[:39] + "…"


def _control_reason(value: str, column: str) -> str | None:
    found = _CONTROL.search(value)
    if found is None:
        return None
    character = found.group(0)
    names = {"\x00": "NUL", "\n": _l("a line break"), "\r": _l("a line break"), "\t": _l("a tab")}
    return str(
        _l(
            "The column '%(column)s' holds a control character (%(character)s); fields hold printable "
            "text only, on one line.",
            column=_shown(column),
            character=names.get(character, f"U+{ord(character):04X}"),
        )
    )


def _check_header(header: list[str], delimiter: str, problems: _Problems) -> None:
    if len(header) > MAX_COLUMNS:
        problems.add(
            1,
            str(
                _l(
                    "The header has %(count)d columns; followup reads at most these: %(allowed)s.",
                    count=len(header),
                    allowed=", ".join(KNOWN_COLUMNS),
                )
            ),
        )
        return
    other = "," if delimiter == ";" else ";"
    positions: dict[str, int] = {}
    for position, raw_name in enumerate(header, start=1):
        reason = _control_reason(raw_name, raw_name)
        if reason:
            problems.add(1, reason, _shown(raw_name))
            continue
        name = raw_name.strip().lower()
        shown = _shown(raw_name.strip())
        if name in positions:
            problems.add(
                1,
                str(
                    _l(
                        "The column '%(name)s' is there twice (columns %(first)d and %(second)d); keep one.",
                        name=name,
                        first=positions[name],
                        second=position,
                    )
                ),
                shown,
            )
            continue
        positions[name] = position
        if name in KNOWN_COLUMNS:
            continue
        if other in name:
            problems.add(
                1,
                str(
                    _l(
                        "The header mixes commas and semicolons ('%(name)s'); separate every column "
                        "with the same one.",
                        name=_shown(name),
                    )
                ),
                shown,
            )
            continue
        problems.add(
            1,
            str(
                _l(
                    "Unknown column '%(name)s'. followup stores no names or other personal "
                    "details; allowed columns: %(allowed)s.",
                    name=_shown(name),
                    allowed=", ".join(KNOWN_COLUMNS),
                )
            ),
            shown,
        )
    for name in REQUIRED_COLUMNS:
        if name not in positions:
            problems.add(1, str(_l("The column '%(name)s' is missing.", name=name)), name)
    if "email" not in positions and "phone" not in positions:
        problems.add(1, str(_l("The file needs an 'email' or a 'phone' column.")))


def _read_record(
    line: int,
    record: list[str],
    columns: list[str],
    activities: set[str],
    today: date,
    seen: dict[tuple[str, str], int],
    rows: list[Row],
    problems: _Problems,
) -> None:
    """Check one CSV record and add it to `rows`, or its problems (with their columns) to `problems`."""
    if len(record) > len(columns) and any(value.strip() for value in record[len(columns) :]):
        problems.add(line, str(_l("The row has more fields than the header.")))
        return
    reasons = []
    for column, value in zip(columns, record, strict=False):
        reason = _control_reason(value, column)
        if reason:
            reasons.append((column, reason))
    if reasons:
        for column, reason in reasons:
            problems.add(line, reason, _shown(column))
        return
    values = {column: value.strip() for column, value in zip(columns, record, strict=False)}
    if not any(values.values()):
        return
    row, reasons = _parse_row(line, values, activities, today)
    if row:
        for kind, value in (("code", row.code), ("email", row.email), ("phone", row.phone)):
            if not value or (kind != "code" and row.code):
                continue
            earlier = seen.get((kind, value))
            if earlier is None:
                seen[(kind, value)] = line
            elif kind == "code":
                reasons.append(
                    (kind, str(_l("The code %(code)s is also on line %(line)s.", code=value, line=earlier)))
                )
            else:
                reasons.append((kind, str(_DUPLICATE_CONTACT[kind] % {"line": earlier})))
    for column, reason in reasons:
        # A missing contact concerns the e-mail and the phone column, as many of them as the file has.
        named = " / ".join(c for c in column if c in columns) if isinstance(column, tuple) else column
        problems.add(line, reason, named)
    if row and not reasons:
        rows.append(row)


def _parse_row(
    line: int, values: dict[str, str], activities: set[str], today: date
) -> tuple[Row | None, list[tuple[str | tuple[str, ...], str]]]:
    """Return the row, or the (column, reason) pairs that say what is wrong with it."""
    reasons: list[tuple[str | tuple[str, ...], str]] = []
    code = values.get("code") or None
    if code and not _CODE.match(code):
        reasons.append(("code", str(_l("The code may hold only letters, digits, - and _ (at most 40)."))))
    exit_date, reason = _exit_date(values.get("exit_date", ""), today)
    if reason:
        reasons.append(("exit_date", reason))
    email = values.get("email") or None
    if email and (reason := email_problem(email)):
        reasons.append(("email", reason))
    phone = values.get("phone") or None
    if phone:
        phone, reason = sms_number(phone)
        if reason:
            reasons.append(("phone", reason))
    if not email and not values.get("phone"):
        reasons.append((("email", "phone"), str(_l("Give an e-mail address or a phone number."))))
    language = (values.get("language") or "sv").lower()
    if language not in LANGUAGES:
        reasons.append(("language", str(_l("The language must be sv or en."))))
    cohort = values.get("cohort") or None
    if cohort and len(cohort) > MAX_COHORT:
        reasons.append(
            ("cohort", str(_l("The cohort name is longer than %(count)d characters.", count=MAX_COHORT)))
        )
    elif cohort and cohort.startswith(_FORMULA_STARTS):
        reasons.append(
            (
                "cohort",
                str(
                    _l(
                        "The cohort name '%(value)s' starts with =, +, - or @, which a spreadsheet reads as "
                        "a formula; start it with a letter or a digit.",
                        value=_shown(cohort),
                    )
                ),
            )
        )
    activity = values.get("exit_activity") or None
    if activity and activity not in activities:
        reasons.append(
            (
                "exit_activity",
                str(
                    _l(
                        "Unknown exit activity '%(value)s'; use one of %(accepted)s.",
                        value=_shown(activity),
                        accepted=", ".join(sorted(activities)),
                    )
                ),
            )
        )
    assistance_text = (values.get("exit_social_assistance") or "").lower()
    assistance = True if assistance_text in YES else False if assistance_text in NO else None
    if assistance_text and assistance is None:
        reasons.append(
            (
                "exit_social_assistance",
                str(
                    _l(
                        "exit_social_assistance is '%(value)s'; write yes or no (ja or nej), or leave it "
                        "empty when it is not known.",
                        value=_shown(assistance_text),
                    )
                ),
            )
        )
    if reasons:
        return None, reasons
    return Row(
        line,
        code,
        exit_date,
        email and email.lower(),
        phone,
        language,
        cohort,
        activity,
        assistance,
    ), reasons


def _exit_date(value: str, today: date) -> tuple[date | None, str | None]:
    """Return the exit date written YYYY-MM-DD in a sane range, or why it is not one."""
    latest = today + timedelta(days=LATEST_EXIT_DAYS)
    try:
        if not _ISO_DATE.match(value):
            raise ValueError
        exit_date = date.fromisoformat(value)
    except ValueError:
        return None, str(
            _l(
                "The exit date '%(value)s' is not a date written YYYY-MM-DD, such as 2025-03-31 "
                "(other forms, such as 20250331 or week dates, are not accepted).",
                value=_shown(value),
            )
        )
    if not EARLIEST_EXIT <= exit_date <= latest:
        return None, str(
            _l(
                "The exit date %(value)s is outside the accepted range: from %(earliest)s to %(latest)s "
                "(%(days)d days from today).",
                value=value,
                earliest=EARLIEST_EXIT.isoformat(),
                latest=latest.isoformat(),
                days=LATEST_EXIT_DAYS,
            )
        )
    return exit_date, None


def email_problem(email: str) -> str | None:
    """Return why `email` is not an address followup can write to, or None when it is one."""
    if len(email) > MAX_EMAIL or not _EMAIL.match(email):
        return str(_l("The e-mail address is not valid: write it like name@example.org."))
    return None


def sms_number(raw: str) -> tuple[str | None, str | None]:
    """Return the number in E.164 if it can receive SMS, or why it cannot."""
    if not _PHONE_CHARACTERS.match(raw):
        return None, str(
            _l("The phone number may hold only digits, spaces, -, ( ) and a leading + (no letters).")
        )
    try:
        number = phonenumbers.parse(raw, "SE") if len(raw) <= MAX_PHONE else None
    except phonenumbers.NumberParseException:
        number = None
    if number is None or not phonenumbers.is_valid_number(number):
        return None, str(
            _l(
                "The phone number is not a valid number: write a Swedish mobile number such as "
                "070-174 06 05, or any mobile number with its country code, such as +46 70 174 06 05."
            )
        )
    number_type = phonenumbers.number_type(number)
    if phonenumbers.region_code_for_number(number) == "001":
        reason = _l(
            "The phone number is a satellite or international service number; followup sends SMS, "
            "so give a mobile number."
        )
    elif number_type == phonenumbers.PhoneNumberType.FIXED_LINE:
        reason = _l("The phone number is a landline, which cannot receive SMS; give a mobile number.")
    elif number_type not in _SMS_NUMBER_TYPES:
        reason = _l(
            "The phone number is a premium-rate, shared-cost, toll-free, pager or other service number, "
            "which cannot receive SMS; give a mobile number."
        )
    else:
        return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164), None
    return None, str(reason)


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
        problems: list[Problem] = []
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
                    Problem(
                        row.line,
                        str(
                            _l(
                                "The code %(code)s has exit date %(date)s on record.",
                                code=row.code,
                                date=exit_date.isoformat(),
                            )
                        ),
                        "exit_date",
                    )
                )
            elif (email, phone) == (row.email, row.phone):
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


def import_into_programme(
    db: Database,
    now: datetime,
    name: str,
    rows: list[Row],
    zone: ZoneInfo,
    send_hour: int,
) -> tuple[Programme, bool, ImportResult]:
    """Import validated rows into the programme `name`, creating it with the default plan if needed.

    One transaction holds both, so an import that is refused leaves no new programme behind.
    Returns the programme, whether it was created, and the counts.
    """
    with db.atomic():
        programme = Programme.get_or_none(Programme.name == name.strip())
        created = programme is None
        if created:
            programme = create_programme(db, now, name)
        result = import_participants(db, now, programme, rows, zone, send_hour)
    return programme, created, result


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
        .left_outer_join(Contact)
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
