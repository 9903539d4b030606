"""Pseudonymised microdata for a research agreement: one file per grant, made by an admin, audited.

The file is in long format: one row per person and wave invited (the people the reports count as
invited), with a person number that holds the rows of one person together. Long format is what
panel methods take as they are (R's lme4 and plm, Stata's xtset, pandas), a wave added later adds
rows rather than columns, and it is one reshape away from a row per person.

What the file never holds: the participant's code (each person gets a number drawn at random for
this file alone, so two files cannot be joined on it), contact data, free text (comments), exact
dates (every date is a month), database ids or the import order (rows come in the order of the
drawn numbers, not in the order people were imported, which may follow their names).

Small cohorts are not coarsened: the file goes to a named recipient under an agreement, not to the
public, and suppressing would make it useless for research. The cohort label is kept, and the
codebook names every cohort smaller than the suppression threshold and says that figures about
fewer people than that must not be published.

A CSV file comes as a ZIP of two CSV files (the data, and the description with the codebook), so
the data file stays a plain table a statistics package reads without skipping lines; an XLSX file
has three sheets (about, codebook, data). Both are written row by row (XLSX in XlsxWriter's
constant-memory mode), and every text cell passes through `followup.cells.neutralise`.
"""

from __future__ import annotations

import csv
import io
import json
import secrets
import zipfile
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import IO
from zoneinfo import ZoneInfo

from flask_babel import force_locale
from peewee import JOIN, Database

from followup.accounts import audit
from followup.answers.responses import WHO5_ITEMS
from followup.answers.surveys import Survey
from followup.cells import neutralise, workbook
from followup.i18n import _l
from followup.models import (
    AuditEvent,
    Cohort,
    Invitation,
    Outcome,
    Participant,
    Programme,
    ResearchGrant,
    Response,
    User,
    Wave,
)
from followup.results.measures import ACTIVITY_LABELS, HELPED_LABELS, NEXT_STEP_LABELS, SA_LABELS

FORMATS = ("csv", "xlsx")
EXPORTED = "microdata.exported"  # the audit log's action for a file made
CHUNK = 500  # people read from the database at a time
DATA_FILE = "microdata.csv"
CODEBOOK_FILE = "codebook.csv"
YES_NO = {1: _l("Yes"), 0: _l("No")}
LANGUAGE_LABELS = {"sv": _l("Swedish"), "en": _l("English")}


class MicrodataRefused(Exception):
    """The file cannot be made as asked; the message says why, fit for the admin."""


@dataclass(frozen=True)
class Variable:
    name: str
    description: object  # a translatable string, or {language: text} from the survey
    labels: dict = field(default_factory=dict)  # code -> label


def codebook(survey: Survey | None) -> tuple[Variable, ...]:
    """Return the file's variables in column order, with their descriptions and category labels.

    The answers' questions and options are described in the survey's own words when it is given.
    """

    def asked(question_id: str, fallback, labels: dict) -> Variable:
        try:
            question = survey.question(question_id) if survey else None
        except KeyError:
            question = None
        if question is None:
            return Variable(question_id, fallback, labels)
        return Variable(question_id, question.text, {o.value: o.text for o in question.options} or labels)

    return (
        Variable("programme", _l("The programme.")),
        Variable(
            "person",
            _l(
                "A number for the person, drawn at random for this file: the same on each of the person's "
                "rows in this file, and unrelated to the number the person has in any other file."
            ),
        ),
        Variable("cohort", _l("The cohort (group or intake) the person belonged to; empty: none recorded.")),
        Variable("exit_month", _l("The month the person left the programme (YYYY-MM).")),
        Variable(
            "exit_activity",
            _l("The person's main activity at exit, as recorded when imported; empty: not recorded."),
            dict(ACTIVITY_LABELS),
        ),
        Variable(
            "exit_social_assistance",
            _l("Received social assistance at exit, as recorded when imported; empty: not recorded."),
            YES_NO,
        ),
        Variable("language", _l("The language of the person's messages and survey."), LANGUAGE_LABELS),
        Variable("wave", _l("The follow-up wave: months after exit.")),
        Variable("due_month", _l("The month the wave fell due (YYYY-MM).")),
        Variable("invited_month", _l("The month the invitation was sent (YYYY-MM).")),
        Variable("answered", _l("Answered this wave."), YES_NO),
        Variable("declined", _l("Said no to this wave without answering."), YES_NO),
        Variable("answered_month", _l("The month of the answer (YYYY-MM); empty: no answer.")),
        Variable("survey_version", _l("The survey and version answered, such as standard v2.")),
        asked("main_activity", _l("Main activity now."), dict(ACTIVITY_LABELS)),
        asked("social_assistance", _l("Receives social assistance now."), dict(SA_LABELS)),
        *(asked(item, _l("WHO-5 item, 0 (at no time) to 5 (all of the time)."), {}) for item in WHO5_ITEMS),
        Variable(
            "who5",
            _l(
                "WHO-5 well-being index, 0-100 (the five items summed, times 4); empty unless all five "
                "are answered. At or below 50: poor well-being; at or below 28: likely depression."
            ),
        ),
        asked("next_step_start", _l("How soon the next step started."), dict(NEXT_STEP_LABELS)),
        asked("programme_helped", _l("How much the programme helped."), dict(HELPED_LABELS)),
    )


COLUMNS = tuple(v.name for v in codebook(None))


@dataclass
class Summary:
    """What one file holds, as recorded in the audit log."""

    persons: int = 0
    rows: int = 0
    answered: int = 0
    file_number: int = 0
    persons_by_programme: Counter = field(default_factory=Counter)
    rows_by_programme: Counter = field(default_factory=Counter)
    cohort_sizes: Counter = field(default_factory=Counter)  # (programme, cohort) -> persons


def _month(moment: datetime | date | None, zone: ZoneInfo) -> str | None:
    if moment is None:
        return None
    if isinstance(moment, datetime):
        moment = moment.astimezone(zone)
    return f"{moment.year:04d}-{moment.month:02d}"


def _items(answers_json: str) -> list[int | None]:
    """Return the five WHO-5 items of a response, and nothing else of it (no free text can pass)."""
    answers = json.loads(answers_json)
    values = [answers.get(item) for item in WHO5_ITEMS]
    return [v if isinstance(v, int) and not isinstance(v, bool) and 0 <= v <= 5 else None for v in values]


def _flag(value: bool | None) -> int | None:
    return None if value is None else int(bool(value))


def invited_people(programme_ids: list[int]) -> list[int]:
    """Return the ids of the people invited to at least one wave of the programmes."""
    query = (
        Invitation.select(Invitation.participant)
        .join(Wave)
        .where(Wave.programme.in_(programme_ids), Invitation.sent_at.is_null(False))
        .distinct()
        .tuples()
    )
    return [participant for (participant,) in query]


def rows(
    programme_ids: list[int], zone: ZoneInfo, summary: Summary | None = None, draw=None
) -> Iterator[list]:
    """Yield the file's rows (in COLUMNS order), person by person in the order of freshly drawn numbers."""
    summary = summary if summary is not None else Summary()
    people = invited_people(programme_ids)
    (draw or secrets.SystemRandom()).shuffle(people)
    for start in range(0, len(people), CHUNK):
        chunk = people[start : start + CHUNK]
        number = {participant: start + i + 1 for i, participant in enumerate(chunk)}
        found: dict[int, list] = {p: [] for p in chunk}
        query = (
            Invitation.select(
                Invitation.participant.alias("participant"),
                Programme.name.alias("programme"),
                Cohort.name.alias("cohort"),
                Participant.exit_date.alias("exit_date"),
                Participant.exit_activity.alias("exit_activity"),
                Participant.exit_social_assistance.alias("exit_social_assistance"),
                Participant.language.alias("language"),
                Wave.offset_months.alias("wave"),
                Invitation.due_at.alias("due_at"),
                Invitation.sent_at.alias("sent_at"),
                Invitation.declined_at.alias("declined_at"),
                Response.submitted_at.alias("answered_at"),
                Response.survey.alias("survey"),
                Response.survey_version.alias("survey_version"),
                Response.answers.alias("answers"),
                Outcome.main_activity.alias("main_activity"),
                Outcome.social_assistance.alias("social_assistance"),
                Outcome.who5.alias("who5"),
                Outcome.next_step_start.alias("next_step_start"),
                Outcome.programme_helped.alias("programme_helped"),
            )
            .join(Wave)
            .switch(Invitation)
            .join(Participant)
            .join(Programme)
            .join(Cohort, JOIN.LEFT_OUTER, on=(Participant.cohort == Cohort.id))
            .switch(Invitation)
            .join(Response, JOIN.LEFT_OUTER, on=(Response.invitation == Invitation.id))
            .join(Outcome, JOIN.LEFT_OUTER, on=(Outcome.invitation == Invitation.id))
            .where(
                Invitation.participant.in_(chunk),
                Wave.programme.in_(programme_ids),
                Invitation.sent_at.is_null(False),
            )
            .order_by(Wave.offset_months)
            .namedtuples()
        )
        for r in query:
            found[r.participant].append(r)
        for participant in chunk:
            waves = found[participant]
            if not waves:
                continue
            first = waves[0]
            summary.persons += 1
            summary.persons_by_programme[first.programme] += 1
            summary.cohort_sizes[(first.programme, first.cohort or "")] += 1
            for r in waves:
                answered = r.answered_at is not None
                summary.rows += 1
                summary.rows_by_programme[r.programme] += 1
                summary.answered += answered
                yield [
                    r.programme,
                    number[participant],
                    r.cohort or "",
                    _month(r.exit_date, zone),
                    r.exit_activity or None,
                    _flag(r.exit_social_assistance),
                    r.language,
                    r.wave,
                    _month(r.due_at, zone),
                    _month(r.sent_at, zone),
                    int(answered),
                    int(r.declined_at is not None and not answered),
                    _month(r.answered_at, zone),
                    f"{r.survey} v{r.survey_version}" if answered else None,
                    r.main_activity,
                    r.social_assistance,
                    *(_items(r.answers) if answered else [None] * len(WHO5_ITEMS)),
                    r.who5,
                    r.next_step_start,
                    r.programme_helped,
                ]


# -- the grant ----------------------------------------------------------------------------------


def _tidy(text: str) -> str:
    return " ".join(text.split())


def record_grant(
    db: Database, now: datetime, reference: str, recipient: str, agreed_on: date, user: User | None
) -> ResearchGrant:
    """Return the grant with this reference, recording it first if it is new; refuse a mismatch."""
    reference, recipient = _tidy(reference), _tidy(recipient)
    if not reference or not recipient:
        raise MicrodataRefused(str(_l("A grant needs its reference and its recipient.")))
    found = ResearchGrant.get_or_none(ResearchGrant.reference == reference)
    if found is not None:
        if (found.recipient, found.agreed_on) != (recipient, agreed_on):
            raise MicrodataRefused(
                str(
                    _l(
                        "Grant %(reference)s is recorded with recipient %(recipient)s and date %(date)s. "
                        "Check the agreement: one reference is one agreement.",
                        reference=reference,
                        recipient=found.recipient,
                        date=found.agreed_on.isoformat(),
                    )
                )
            )
        return found
    with db.atomic():
        grant = ResearchGrant.create(
            reference=reference, recipient=recipient, agreed_on=agreed_on, recorded_at=now, recorded_by=user
        )
        audit.record(
            db, now, "grant.recorded", user, grant=reference, recipient=recipient, agreed_on=agreed_on
        )
    return grant


def list_grants() -> list[ResearchGrant]:
    """Return the recorded grants, newest agreement first."""
    return list(ResearchGrant.select().order_by(ResearchGrant.agreed_on.desc(), ResearchGrant.id.desc()))


@dataclass(frozen=True)
class FileMade:
    """One programme's part of a file made for a grant, as the audit log recorded it."""

    at: datetime
    by: str
    grant: str
    file: int
    programme: str
    persons: int
    rows: int
    format: str


def files_made(limit: int = 200) -> list[FileMade]:
    """Return the microdata files recorded in the audit log, newest first: which went to which grant."""
    events = (
        AuditEvent.select(AuditEvent, User, Programme)
        .join(User, JOIN.LEFT_OUTER)
        .switch(AuditEvent)
        .join(Programme, JOIN.LEFT_OUTER)
        .where(AuditEvent.action == EXPORTED)
        .order_by(AuditEvent.id.desc())
        .limit(limit)
    )
    found = []
    for event in events:
        details = json.loads(event.details)
        found.append(
            FileMade(
                at=event.at,
                by=event.user.display_name if event.user_id else "",
                grant=details["grant"],
                file=details["file"],
                programme=event.programme.name if event.programme_id else "",
                persons=details["persons"],
                rows=details["rows"],
                format=details["format"],
            )
        )
    return found


# -- the file -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class MicrodataRequest:
    """What the admin asked for: the grant, the programmes, the format and its details."""

    grant: ResearchGrant
    programmes: list[Programme]
    fmt: str = "csv"
    language: str = "sv"
    separator: str = ";"
    replace: bool = False


def export_microdata(
    db: Database,
    now: datetime,
    zone: ZoneInfo,
    wanted: MicrodataRequest,
    stream: IO[bytes],
    threshold: int,
    survey: Survey | None,
    user: User | None,
    draw=None,
) -> Summary:
    """Write the grant's microdata file to `stream` and record it; refuse a second file unless it replaces."""
    grant = wanted.grant
    if wanted.fmt not in FORMATS:
        raise MicrodataRefused(str(_l("The file format must be CSV or XLSX.")))
    if not wanted.programmes:
        raise MicrodataRefused(str(_l("Choose at least one programme.")))
    before = grant.files
    if before and not wanted.replace:
        raise MicrodataRefused(str(_already_made(grant, zone)))
    summary = Summary(file_number=before + 1)
    ids = sorted(p.id for p in wanted.programmes)
    with force_locale(wanted.language):
        made_rows = rows(ids, zone, summary, draw)
        if wanted.fmt == "csv":
            _write_zip(wanted, made_rows, summary, stream, now, zone, threshold, survey)
        else:
            _write_xlsx(wanted, made_rows, summary, stream, now, zone, threshold, survey)
    with db.atomic():
        # Counted on the row itself, so two admins at once cannot both make "the" file.
        changed = (
            ResearchGrant.update(files=ResearchGrant.files + 1, last_file_at=now)
            .where(ResearchGrant.id == grant.id, ResearchGrant.files == before)
            .execute()
        )
        if not changed:
            raise MicrodataRefused(str(_already_made(ResearchGrant.get_by_id(grant.id), zone)))
        names = sorted(p.name for p in wanted.programmes)
        for programme in sorted(wanted.programmes, key=lambda p: p.name):
            audit.record(
                db,
                now,
                EXPORTED,
                user,
                programme,
                grant=grant.reference,
                recipient=grant.recipient,
                file=summary.file_number,
                replaces_earlier=bool(before),
                format=wanted.fmt,
                programmes=names,
                persons=summary.persons_by_programme[programme.name],
                rows=summary.rows_by_programme[programme.name],
            )
    grant.files, grant.last_file_at = before + 1, now
    return summary


def _already_made(grant: ResearchGrant, zone: ZoneInfo):
    return _l(
        "A file was already made for grant %(reference)s (%(date)s). One grant gets one file: make "
        "another only to replace it (the recipient destroys the earlier one), or record the amended "
        "agreement as a grant of its own.",
        reference=grant.reference,
        date=grant.last_file_at.astimezone(zone).strftime("%Y-%m"),
    )


def _about(wanted: MicrodataRequest, summary: Summary, now: datetime, zone: ZoneInfo, threshold: int) -> list:
    grant = wanted.grant
    small = sorted(
        (programme, cohort or str(_l("(no cohort)")), n)
        for (programme, cohort), n in summary.cohort_sizes.items()
        if n < threshold
    )
    listed = "; ".join(f"{p}: {c} ({n})" for p, c, n in small) or str(_l("none"))
    return [
        (
            _l("Pseudonymised microdata for research"),
            _l("Personal data under the GDPR: keep and use it only as the agreement says."),
        ),
        (_l("Grant reference"), grant.reference),
        (_l("Recipient"), grant.recipient),
        (_l("Date of the agreement"), grant.agreed_on.isoformat()),
        (_l("File for this grant"), str(summary.file_number)),
        (_l("Made"), now.astimezone(zone).isoformat(timespec="minutes")),
        (_l("Programmes"), ", ".join(sorted(p.name for p in wanted.programmes))),
        (_l("Persons"), str(summary.persons)),
        (_l("Rows (person and wave)"), str(summary.rows)),
        (
            _l("Unit"),
            _l(
                "One row per person and wave the person was invited to; the people the reports count as "
                "invited."
            ),
        ),
        (
            _l("Left out"),
            _l("Participant codes, contact data, free-text answers and exact dates: every date is a month."),
        ),
        (
            _l("Small cohorts"),
            _l(
                "Cohorts are not merged or hidden in this file. Cohorts of fewer than %(threshold)d people: "
                "%(cohorts)s. Do not publish any figure about fewer than %(threshold)d people, nor anything "
                "from which one could be worked out.",
                threshold=threshold,
                cohorts=listed,
            ),
        ),
    ]


def _codebook_lines(survey: Survey | None, language: str) -> Iterator[list]:
    yield [str(_l("Variable")), str(_l("Description")), str(_l("Code")), str(_l("Label"))]
    for variable in codebook(survey):
        yield [variable.name, _text(variable.description, language), None, None]
        for code, label in variable.labels.items():
            yield [None, None, code, _text(label, language)]


def _text(label, language: str) -> str:
    if isinstance(label, dict):
        return label.get(language) or next(iter(label.values()))
    return str(label)


def _csv_cell(value) -> str:
    if value is None:
        return ""
    if isinstance(value, int):
        return str(value)
    return neutralise(str(value))


def _write_zip(wanted, made_rows, summary, stream, now, zone, threshold, survey) -> None:
    with zipfile.ZipFile(stream, "w", zipfile.ZIP_DEFLATED) as archive:
        with archive.open(DATA_FILE, "w", force_zip64=True) as raw:
            text = io.TextIOWrapper(raw, encoding="utf-8-sig", newline="")
            writer = csv.writer(text, delimiter=wanted.separator, lineterminator="\r\n")
            writer.writerow(COLUMNS)
            for row in made_rows:
                writer.writerow([_csv_cell(v) for v in row])
            text.flush()
            text.detach()
        with archive.open(CODEBOOK_FILE, "w") as raw:
            text = io.TextIOWrapper(raw, encoding="utf-8-sig", newline="")
            writer = csv.writer(text, delimiter=wanted.separator, lineterminator="\r\n")
            for name, value in _about(wanted, summary, now, zone, threshold):
                writer.writerow([_csv_cell(str(name)), _csv_cell(str(value))])
            writer.writerow([])
            for line in _codebook_lines(survey, wanted.language):
                writer.writerow([_csv_cell(v) for v in line])
            text.flush()
            text.detach()


def _write_xlsx(wanted, made_rows, summary, stream, now, zone, threshold, survey) -> None:
    book = workbook(stream)
    bold = book.add_format({"bold": True})
    # The sheets are added in reading order; the about sheet is written last, when the counts are known.
    about = book.add_worksheet(str(_l("About this file")))
    book_sheet = book.add_worksheet(str(_l("Codebook")))
    data = book.add_worksheet(str(_l("Data")))
    for c, name in enumerate(COLUMNS):
        data.write_string(0, c, name, bold)
    for r, row in enumerate(made_rows, start=1):
        for c, value in enumerate(row):
            _cell(data, r, c, value)
    data.freeze_panes(1, 0)
    for r, line in enumerate(_codebook_lines(survey, wanted.language)):
        for c, value in enumerate(line):
            _cell(book_sheet, r, c, value, bold if r == 0 else None)
    book_sheet.set_column(1, 1, 80)
    book_sheet.set_column(3, 3, 50)
    for r, (name, value) in enumerate(_about(wanted, summary, now, zone, threshold)):
        about.write_string(r, 0, neutralise(str(name)), bold)
        about.write_string(r, 1, neutralise(str(value)))
    about.set_column(0, 0, 30)
    about.set_column(1, 1, 100)
    book.close()


def _cell(sheet, r: int, c: int, value, style=None) -> None:
    if value is None:
        return
    if isinstance(value, int):
        sheet.write_number(r, c, value, style)
    else:
        sheet.write_string(r, c, neutralise(str(value)), style)
