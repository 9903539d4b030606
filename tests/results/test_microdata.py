"""Microdata for a research agreement: the rows by hand, nothing that names anyone, months only,
fresh person numbers per file, one file per grant, audited, and files that read back."""

import csv
import io
import json
import random
import re
import zipfile
from datetime import date

import openpyxl
import pytest

from followup.answers.answering import decline
from followup.answers.responses import record_response
from followup.answers.surveys import latest, load_surveys
from followup.models import AuditEvent, Cohort, Invitation, Participant, Programme, ResearchGrant, Wave
from followup.results.microdata import (
    CODEBOOK_FILE,
    COLUMNS,
    DATA_FILE,
    MicrodataRefused,
    MicrodataRequest,
    export_microdata,
    files_made,
    list_grants,
    record_grant,
    rows,
)
from tests.factories import STOCKHOLM, at, make_participants, make_programme, make_user, run_tick

SURVEY = latest(load_surveys(), "standard")
ANSWERED = f"standard v{SURVEY.version}"  # the version every answer here is given in
HEADER = "code,exit_date,email,phone,language,cohort,exit_activity,exit_social_assistance"
CODES = ["ZQX-001-KOD", "ZQX-002-KOD", "ZQX-003-KOD", "ZQX-004-KOD"]
EMAILS = [f"hemlig.person{i}@example.org" for i in range(4)]
PHONES = [f"+4670174061{i}" for i in range(4)]
COMMENT = "HEMLIG KOMMENTAR om Anna i Bollnäs"
FORMULA_COHORT = "=HYPERLINK(1)"
# code, cohort, exit activity, social assistance at exit, language
PEOPLE = [
    (CODES[0], "Grupp 1", "job_seeking", "yes", "sv"),
    (CODES[1], "Grupp 1", "sick_leave", "no", "en"),
    (CODES[2], "Grupp 2", "labour_market_programme", "yes", "sv"),
    (CODES[3], "Grupp 2", "studies", "", "sv"),
]
MADE = at(2026, 9, 1, 9, 30)


def answers(activity, assistance, who5):
    return {
        "main_activity": activity,
        "social_assistance": assistance,
        **{f"who5_{n}": who5 for n in range(1, 6)},
        "next_step_start": "not_yet",
        "programme_helped": "a_little",
        "comment": f"{COMMENT} {CODES[0]} {EMAILS[0]}",
    }


def invitation_of(code, wave):
    return (
        Invitation.select()
        .join(Participant)
        .switch(Invitation)
        .join(Wave)
        .where(Participant.code == code, Wave.offset_months == wave)
        .get()
    )


@pytest.fixture
def programme(app, db, clock):
    """Exit in July 2025; waves at 6 and 12 months, invited in January and July 2026."""
    programme = make_programme(db, clock.now(), "Steget Ö", offsets=[6, 12])
    lines = [
        f"{code},2025-07-20,{EMAILS[i]},{PHONES[i]},{lang},{cohort},{activity},{sa}"
        for i, (code, cohort, activity, sa, lang) in enumerate(PEOPLE)
    ]
    make_participants(db, clock.now(), programme, lines, header=HEADER)
    # The import refuses such a name; a name stored before that rule, or renamed, still must not run.
    Cohort.update(name=FORMULA_COHORT).where(Cohort.name == "Grupp 2").execute()
    run_tick(app, db, at(2026, 1, 21))
    record_response(db, invitation_of(CODES[0], 6).id, SURVEY, answers("work", "no", 4), at(2026, 1, 21))
    # Half past midnight on 1 February in Stockholm, still January in UTC: months are Stockholm's.
    record_response(
        db, invitation_of(CODES[1], 6).id, SURVEY, answers("studies", "yes", 2), at(2026, 2, 1, 0, 30)
    )
    record_response(db, invitation_of(CODES[3], 6).id, SURVEY, answers("studies", "no", 3), at(2026, 2, 3))
    run_tick(app, db, at(2026, 7, 21))
    record_response(db, invitation_of(CODES[0], 12).id, SURVEY, answers("work", "no", 5), at(2026, 7, 22))
    decline(db, invitation_of(CODES[1], 12).id, at(2026, 7, 23))
    record_response(
        db, invitation_of(CODES[2], 12).id, SURVEY, answers("sick_leave", "no", 1), at(2026, 8, 3)
    )
    clock.set(MADE)
    return Programme.get_by_id(programme.id)


# Every row by hand, keyed by the person's code (which the file must not hold).
EXPECTED = {
    CODES[0]: [
        ["Grupp 1", "2025-07", "job_seeking", "1", "sv", "6", "2026-01", "2026-01", "1", "0", "2026-01"]
        + [ANSWERED, "work", "no", "4", "4", "4", "4", "4", "80", "not_yet", "a_little"],
        ["Grupp 1", "2025-07", "job_seeking", "1", "sv", "12", "2026-07", "2026-07", "1", "0", "2026-07"]
        + [ANSWERED, "work", "no", "5", "5", "5", "5", "5", "100", "not_yet", "a_little"],
    ],
    CODES[1]: [
        ["Grupp 1", "2025-07", "sick_leave", "0", "en", "6", "2026-01", "2026-01", "1", "0", "2026-02"]
        + [ANSWERED, "studies", "yes", "2", "2", "2", "2", "2", "40", "not_yet", "a_little"],
        ["Grupp 1", "2025-07", "sick_leave", "0", "en", "12", "2026-07", "2026-07", "0", "1", ""] + [""] * 11,
    ],
    CODES[2]: [
        ["'" + FORMULA_COHORT, "2025-07", "labour_market_programme", "1", "sv", "6", "2026-01", "2026-01"]
        + ["0", "0", ""]
        + [""] * 11,
        ["'" + FORMULA_COHORT, "2025-07", "labour_market_programme", "1", "sv", "12", "2026-07", "2026-07"]
        + ["1", "0", "2026-08", ANSWERED, "sick_leave", "no", "1", "1", "1", "1", "1", "20"]
        + ["not_yet", "a_little"],
    ],
    CODES[3]: [
        ["'" + FORMULA_COHORT, "2025-07", "studies", "", "sv", "6", "2026-01", "2026-01", "1", "0", "2026-02"]
        + [ANSWERED, "studies", "no", "3", "3", "3", "3", "3", "60", "not_yet", "a_little"],
        ["'" + FORMULA_COHORT, "2025-07", "studies", "", "sv", "12", "2026-07", "2026-07", "0", "0", ""]
        + [""] * 11,
    ],
}


@pytest.fixture(autouse=True)
def english(app):
    """Messages to the admin in English (the file's own language is chosen per file)."""
    app.config["LANGUAGE"] = "en"


@pytest.fixture
def admin(db, clock):
    return make_user(db, clock.now(), "admin@example.org", "admin", password="")


def make_file(app, db, grant, programme, admin, fmt="csv", replace=False, draw=None, separator=";"):
    stream = io.BytesIO()
    with app.app_context():
        summary = export_microdata(
            db,
            MADE,
            STOCKHOLM,
            MicrodataRequest(grant, [programme], fmt, "en", separator, replace),
            stream,
            5,
            SURVEY,
            admin,
            draw,
        )
    return stream.getvalue(), summary


def grant_of(db, admin, reference="Dnr 2026/123"):
    return record_grant(db, MADE, reference, "Umeå universitet", date(2026, 8, 15), admin)


def read_zip(body: bytes, separator=";"):
    with zipfile.ZipFile(io.BytesIO(body)) as archive:
        assert sorted(archive.namelist()) == sorted([DATA_FILE, CODEBOOK_FILE])
        data = archive.read(DATA_FILE).decode("utf-8-sig")
        book = archive.read(CODEBOOK_FILE).decode("utf-8-sig")
    return (
        list(csv.reader(io.StringIO(data, newline=""), delimiter=separator)),
        list(csv.reader(io.StringIO(book, newline=""), delimiter=separator)),
        data,
        book,
    )


def by_person(table):
    """Group the data rows by person number, each person's rows without the programme and number."""
    assert table[0] == list(COLUMNS)
    people = {}
    for row in table[1:]:
        assert len(row) == len(COLUMNS)
        people.setdefault(row[1], []).append(row[2:])
    return people


def codes_of(people: dict) -> dict:
    """Map each person number to the code of the person whose rows it holds (by the hand-made rows)."""
    found = {}
    for number, got in people.items():
        matching = [code for code, expected in EXPECTED.items() if expected == got]
        assert len(matching) == 1, got
        found[number] = matching[0]
    return found


def test_the_rows_are_the_hand_count(app, db, programme, admin):
    body, summary = make_file(app, db, grant_of(db, admin), programme, admin)
    table, _book, _data, _text = read_zip(body)
    people = by_person(table)
    assert sorted(people) == ["1", "2", "3", "4"]
    assert sorted(codes_of(people).values()) == sorted(CODES)
    assert {row[0] for row in table[1:]} == {"Steget Ö"}
    assert (summary.persons, summary.rows, summary.answered) == (4, 8, 5)


def test_nothing_names_anyone(app, db, programme, admin):
    for fmt in ("csv", "xlsx"):
        grant = grant_of(db, admin, f"Dnr {fmt}")
        body, _summary = make_file(app, db, grant, programme, admin, fmt)
        texts = [body]
        with zipfile.ZipFile(io.BytesIO(body)) as archive:
            texts += [archive.read(name) for name in archive.namelist()]
        everything = b"\n".join(texts).decode("utf-8", errors="replace")
        for secret in [*CODES, *EMAILS, *PHONES, *(p[3:] for p in PHONES), "HEMLIG", "Anna", "@example"]:
            assert secret not in everything, (fmt, secret)


def test_dates_are_months(app, db, programme, admin):
    body, _summary = make_file(app, db, grant_of(db, admin), programme, admin)
    _table, book, data, _text = read_zip(body)
    assert not re.search(r"\d{4}-\d{2}-\d{2}", data)
    assert re.findall(r"\d{4}-\d{2}-\d{2}", "\n".join(";".join(r) for r in book)) == [
        "2026-08-15",  # the date of the agreement
        "2026-09-01",  # when the file was made
    ]


def test_each_file_draws_new_numbers_kept_across_waves(app, db, programme, admin):
    grant = grant_of(db, admin)
    first, _ = make_file(app, db, grant, programme, admin, draw=random.Random(1))
    second, _ = make_file(app, db, grant, programme, admin, replace=True, draw=random.Random(2))
    one, two = codes_of(by_person(read_zip(first)[0])), codes_of(by_person(read_zip(second)[0]))
    assert one != two  # the same people under other numbers
    assert sorted(one.values()) == sorted(two.values()) == sorted(CODES)


def test_numbers_are_drawn_afresh_from_the_system(app, db, programme):
    with app.app_context():
        draws = [list(rows([programme.id], STOCKHOLM)) for _ in range(12)]
    # Who got number 1, 2, 3, 4 (a person is told apart by cohort and exit activity here), so rows
    # never keep the order of import either.
    orders = {tuple(r[2] + r[4] for r in got[::2]) for got in draws}
    assert len(orders) > 1  # 12 identical draws of 4 people: a chance of 1 in 24 ** 11
    for got in draws:
        # Numbers 1 to 4 in order, each person's two waves under one number, one after the other.
        assert [r[1] for r in got] == [1, 1, 2, 2, 3, 3, 4, 4]
        assert [r[7] for r in got] == [6, 12] * 4
        assert [r[2] + r[4] for r in got[::2]] == [r[2] + r[4] for r in got[1::2]]


def test_one_file_per_grant_unless_it_replaces_the_first(app, db, programme, admin):
    grant = grant_of(db, admin)
    make_file(app, db, grant, programme, admin)
    with pytest.raises(MicrodataRefused, match="already made"):
        make_file(app, db, grant, programme, admin)
    stale = ResearchGrant.get_by_id(grant.id)
    stale.files = 0  # as seen by an admin who loaded the page before the first file was made
    with pytest.raises(MicrodataRefused, match="already made"):
        make_file(app, db, stale, programme, admin)
    _body, summary = make_file(app, db, grant, programme, admin, replace=True)
    assert summary.file_number == 2
    assert ResearchGrant.get_by_id(grant.id).files == 2


def test_every_file_is_in_the_audit_log_with_its_grant_and_counts(app, db, programme, admin):
    grant = grant_of(db, admin)
    make_file(app, db, grant, programme, admin, fmt="xlsx")
    recorded = AuditEvent.get(AuditEvent.action == "grant.recorded")
    assert json.loads(recorded.details)["grant"] == "Dnr 2026/123"
    event = AuditEvent.get(AuditEvent.action == "microdata.exported")
    assert event.user_id == admin.id and event.programme_id == programme.id
    assert event.participant_code is None
    assert json.loads(event.details) == {
        "grant": "Dnr 2026/123",
        "recipient": "Umeå universitet",
        "file": 1,
        "replaces_earlier": False,
        "format": "xlsx",
        "programmes": ["Steget Ö"],
        "persons": 4,
        "rows": 8,
    }


def test_a_refused_file_is_not_recorded(app, db, programme, admin):
    grant = grant_of(db, admin)
    make_file(app, db, grant, programme, admin)
    with pytest.raises(MicrodataRefused):
        make_file(app, db, grant, programme, admin)
    assert AuditEvent.select().where(AuditEvent.action == "microdata.exported").count() == 1


def test_a_reference_is_one_agreement(db, admin):
    grant = grant_of(db, admin)
    assert record_grant(db, MADE, "  Dnr   2026/123 ", "Umeå universitet", date(2026, 8, 15), admin) == grant
    with pytest.raises(MicrodataRefused, match="recorded with recipient"):
        record_grant(db, MADE, "Dnr 2026/123", "Another university", date(2026, 8, 15), admin)
    with pytest.raises(MicrodataRefused):
        record_grant(db, MADE, " ", "Umeå universitet", date(2026, 8, 15), admin)
    assert ResearchGrant.select().count() == 1


def test_the_codebook_labels_every_code_and_warns_of_small_cohorts(app, db, programme, admin):
    body, _summary = make_file(app, db, grant_of(db, admin), programme, admin)
    _table, book, _data, _text = read_zip(body)
    about = {row[0]: row[1] for row in book if len(row) == 2}
    assert about["Grant reference"] == "Dnr 2026/123" and about["Recipient"] == "Umeå universitet"
    assert about["Persons"] == "4" and about["Rows (person and wave)"] == "8"
    # Both cohorts have fewer than 5 people: named, not hidden, with the warning.
    assert f"Steget Ö: {FORMULA_COHORT} (2)" in about["Small cohorts"]  # inside the text: harmless
    assert "Steget Ö: Grupp 1 (2)" in about["Small cohorts"]
    assert "Do not publish" in about["Small cohorts"]
    start = next(i for i, row in enumerate(book) if row[:2] == ["Variable", "Description"])
    variables = [row[0] for row in book[start + 1 :] if row[0]]
    assert variables == list(COLUMNS)
    labels = {(row[2], row[3]) for row in book[start + 1 :] if not row[0]}
    assert ("work", "Work without subsidy") in labels  # the survey's own words
    assert ("5", "All of the time") in labels and ("0", "At no time") in labels
    assert ("1", "Yes") in labels and ("sv", "Swedish") in labels
    assert ["who5_1", "I have felt cheerful and in good spirits", "", ""] in book


def test_comma_separated_csv_reads_back(app, db, programme, admin):
    body, _summary = make_file(app, db, grant_of(db, admin), programme, admin, separator=",")
    table, book, _data, _text = read_zip(body, ",")
    assert len(table) == 9 and sorted(codes_of(by_person(table)).values()) == sorted(CODES)
    assert any(row[:1] == ["Grant reference"] for row in book)


def test_xlsx_reads_back_with_numbers_as_numbers(app, db, programme, admin, tmp_path):
    body, _summary = make_file(app, db, grant_of(db, admin), programme, admin, fmt="xlsx")
    book = openpyxl.load_workbook(io.BytesIO(body), read_only=True)
    assert book.sheetnames == ["About this file", "Codebook", "Data"]
    data = [list(r) for r in book["Data"].iter_rows(values_only=True)]
    assert tuple(data[0]) == COLUMNS
    as_text = [["" if v is None else str(v) for v in row] for row in data]
    assert sorted(codes_of(by_person(as_text)).values()) == sorted(CODES)
    assert all(isinstance(row[1], int) and isinstance(row[7], int) for row in data[1:])
    assert {row[2] for row in data[1:]} == {"Grupp 1", "'" + FORMULA_COHORT}
    about = {r[0]: r[1] for r in book["About this file"].iter_rows(values_only=True)}
    assert about["Grant reference"] == "Dnr 2026/123" and about["Persons"] == "4"
    every = [v for sheet in book for row in sheet.iter_rows(values_only=True) for v in row]
    assert not any(isinstance(v, str) and v.startswith(("=", "+", "-", "@")) for v in every)


def test_a_formula_in_a_grant_or_programme_name_is_neutralised(app, db, programme, admin):
    programme.name = "+Steget"
    programme.save()
    grant = record_grant(db, MADE, "@Dnr 1", "-Recipient", date(2026, 8, 15), admin)
    body, _summary = make_file(app, db, grant, programme, admin)
    table, book, _data, _text = read_zip(body)
    assert {row[0] for row in table[1:]} == {"'+Steget"}
    about = {row[0]: row[1] for row in book if len(row) == 2}
    assert about["Grant reference"] == "'@Dnr 1" and about["Recipient"] == "'-Recipient"
    assert about["Programmes"] == "'+Steget"


def test_the_other_programmes_people_stay_out(app, db, programme, admin, clock):
    other = make_programme(db, clock.now(), "Annan", offsets=[6])
    make_participants(db, clock.now(), other, ["ANNAN-1,2025-07-20,annan@example.org,,sv,X,,"], header=HEADER)
    run_tick(app, db, at(2026, 1, 21))
    body, summary = make_file(app, db, grant_of(db, admin), programme, admin)
    assert summary.persons == 4 and b"Annan" not in body
    assert sorted({row[1] for row in read_zip(body)[0][1:]}) == ["1", "2", "3", "4"]  # no number left out


def test_the_command_line_writes_the_same_file_through_the_same_function(
    app, db, programme, runner, tmp_path
):
    app.config["LANGUAGE"] = "en"
    out = tmp_path / "grant.zip"
    args = ["microdata", "--programme", "Steget Ö", "--grant", "Dnr 9", "--out", str(out)]
    new_without_details = runner.invoke(args=args)
    assert new_without_details.exit_code == 1 and "--recipient" in new_without_details.output
    assert not out.exists() and ResearchGrant.select().count() == 0
    first = runner.invoke(args=[*args, "--recipient", "KI", "--agreed-on", "2026-08-15"])
    assert first.exit_code == 0, first.output
    assert "file 1): 4 people, 8 rows" in first.output
    assert out.stat().st_mode & 0o077 == 0  # personal data: the owner's only
    table, book, _data, _text = read_zip(out.read_bytes())
    assert sorted(codes_of(by_person(table)).values()) == sorted(CODES)
    assert ["Grant reference", "Dnr 9"] in book and ["Recipient", "KI"] in book
    written = out.read_bytes()
    again = runner.invoke(args=args)
    assert again.exit_code == 1 and "already made" in again.output
    assert out.read_bytes() == written and not (tmp_path / "grant.zip.part").exists()
    replaced = runner.invoke(args=[*args, "--replace", "--format", "xlsx"])
    assert replaced.exit_code == 0 and "file 2)" in replaced.output
    assert openpyxl.load_workbook(io.BytesIO(out.read_bytes())).sheetnames == [
        "About this file",
        "Codebook",
        "Data",
    ]
    events = AuditEvent.select().where(AuditEvent.action == "microdata.exported").order_by(AuditEvent.id)
    assert [(e.user_id, json.loads(e.details)["file"]) for e in events] == [(None, 1), (None, 2)]
    other = runner.invoke(args=[*args[:-2], "--recipient", "Other", "--out", str(tmp_path / "x.zip")])
    assert other.exit_code == 1 and "recorded with recipient KI" in other.output


def test_in_swedish_the_codebook_speaks_swedish_and_the_survey_words_are_its_own(app, db, programme, admin):
    grant = grant_of(db, admin)
    stream = io.BytesIO()
    with app.app_context():
        wanted = MicrodataRequest(grant, [programme], "xlsx", "sv")
        export_microdata(db, MADE, STOCKHOLM, wanted, stream, 5, SURVEY, admin)
    book = openpyxl.load_workbook(io.BytesIO(stream.getvalue()), read_only=True)
    assert book.sheetnames == ["Om filen", "Kodbok", "Data"]
    about = {r[0]: r[1] for r in book["Om filen"].iter_rows(values_only=True)}
    assert about["Avtalets diarienummer"] == "Dnr 2026/123" and about["Personer"] == "4"
    lines = [list(r) for r in book["Kodbok"].iter_rows(values_only=True)]
    assert lines[0] == ["Variabel", "Beskrivning", "Kod", "Betydelse"]
    assert ["who5_1", "Jag har känt mig glad och på gott humör", None, None] in lines
    assert [None, None, 5, "Hela tiden"] in lines and [None, None, 1, "Ja"] in lines
    assert tuple(next(book["Data"].iter_rows(values_only=True))) == COLUMNS  # names stay as they are


def test_several_programmes_in_one_file_each_audited_with_its_own_counts(app, db, programme, admin, clock):
    other = make_programme(db, clock.now(), "Annan", offsets=[6])
    make_participants(db, clock.now(), other, ["ANNAN-1,2025-07-20,annan@example.org,,en,X,,"], header=HEADER)
    run_tick(app, db, at(2026, 1, 21))
    grant = grant_of(db, admin)
    stream = io.BytesIO()
    with app.app_context():
        wanted = MicrodataRequest(grant, [programme, other], "csv", "en")
        summary = export_microdata(db, MADE, STOCKHOLM, wanted, stream, 5, SURVEY, admin)
    table, book, _data, _text = read_zip(stream.getvalue())
    assert (summary.persons, summary.rows) == (5, 9)
    annan = [row for row in table[1:] if row[0] == "Annan"]
    assert len(annan) == 1 and annan[0][2:9] == ["X", "2025-07", "", "", "en", "6", "2026-01"]
    assert sorted({row[1] for row in table[1:]}) == ["1", "2", "3", "4", "5"]
    assert ["Programmes", "Annan, Steget Ö"] in book
    events = AuditEvent.select().where(AuditEvent.action == "microdata.exported").order_by(AuditEvent.id)
    counts = {
        e.programme_id: (json.loads(e.details)["persons"], json.loads(e.details)["rows"]) for e in events
    }
    assert counts == {other.id: (1, 1), programme.id: (4, 8)}


def test_a_second_file_is_refused_naming_the_grant_and_the_month_of_the_first(app, db, programme, admin):
    grant = grant_of(db, admin)
    # Half past midnight on 1 October in Stockholm: still September in UTC.
    first = at(2026, 10, 1, 0, 30)
    with app.app_context():
        wanted = MicrodataRequest(grant, [programme])
        export_microdata(db, first, STOCKHOLM, wanted, io.BytesIO(), 5, SURVEY, admin)
    with pytest.raises(MicrodataRefused) as refused:
        make_file(app, db, grant, programme, admin)
    assert str(refused.value) == (
        "A file was already made for grant Dnr 2026/123 (2026-10). One grant gets one file: make another "
        "only to replace it (the recipient destroys the earlier one), or record the amended agreement as "
        "a grant of its own."
    )


def test_the_files_made_newest_first_with_who_made_them_for_which_grant(app, db, programme, admin, clock):
    other = make_programme(db, clock.now(), "Annan", offsets=[6])
    make_participants(db, clock.now(), other, ["ANNAN-1,2025-07-20,annan@example.org,,en,X,,"], header=HEADER)
    run_tick(app, db, at(2026, 1, 21))
    first, second = grant_of(db, admin), grant_of(db, admin, "Dnr 2026/200")
    make_file(app, db, first, programme, admin)
    stream = io.BytesIO()
    with app.app_context():
        wanted = MicrodataRequest(second, [programme, other], "xlsx", "en")
        export_microdata(db, MADE, STOCKHOLM, wanted, stream, 5, SURVEY, None)
    AuditEvent.create(at=MADE, action="results.downloaded", programme=programme)  # not a file
    made = files_made()
    assert [(f.grant, f.file, f.programme, f.persons, f.rows, f.format, f.by) for f in made] == [
        ("Dnr 2026/200", 1, "Steget Ö", 4, 8, "xlsx", ""),  # from the command line: nobody signed in
        ("Dnr 2026/200", 1, "Annan", 1, 1, "xlsx", ""),
        ("Dnr 2026/123", 1, "Steget Ö", 4, 8, "csv", "Admin"),
    ]
    assert all(f.at == MADE for f in made)
    assert files_made(limit=1) == made[:1]
    Programme.delete().where(Programme.id == other.id).execute()
    assert [f.programme for f in files_made()] == ["Steget Ö", "", "Steget Ö"]


def test_grants_newest_agreement_first(db, admin):
    older = record_grant(db, MADE, "Dnr 1", "KI", date(2026, 1, 15), admin)
    newer = record_grant(db, MADE, "Dnr 2", "KI", date(2026, 8, 15), admin)
    same_day = record_grant(db, MADE, "Dnr 3", "KI", date(2026, 8, 15), admin)
    recorded_last = record_grant(db, MADE, "Dnr 4", "KI", date(2025, 12, 1), admin)
    assert list_grants() == [same_day, newer, older, recorded_last]
