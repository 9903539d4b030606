# ruff: noqa: F811 (the fixtures imported from test_microdata)
"""The microdata files as a researcher opens them: the about lines, the codebook in the file's language,
the spreadsheet's layout, the archive's encoding; and the refusals an admin reads."""

import dataclasses
import io
import json
import zipfile
from datetime import date

import openpyxl
import pytest
from flask_babel import force_locale

from followup.answers.responses import WHO5_ITEMS
from followup.db import database
from followup.models import AuditEvent, Invitation, ResearchGrant, Response
from followup.plan.replanning import apply_plan, current_plan
from followup.results import microdata
from followup.results.measures import ACTIVITY_LABELS
from followup.results.microdata import (
    CODEBOOK_FILE,
    COLUMNS,
    DATA_FILE,
    MicrodataRefused,
    MicrodataRequest,
    Summary,
    codebook,
    export_microdata,
    files_made,
    record_grant,
    rows,
)
from tests.factories import STOCKHOLM, at, count_queries, make_participants, make_programme, run_tick
from tests.results.test_microdata import (  # noqa: F401 (fixtures)
    CODES,
    HEADER,
    MADE,
    SURVEY,
    admin,
    by_person,
    codes_of,
    english,
    grant_of,
    make_file,
    programme,
    read_zip,
)


def made(
    app,
    db,
    programme,
    admin,
    language="en",
    fmt="csv",
    reference="Dnr 2026/123",
    threshold=5,
    others=(),
    survey=SURVEY,
):
    """Return a file for a new grant: the programme's (and `others`'), in `language` and `fmt`."""
    grant = grant_of(db, admin, reference)
    stream = io.BytesIO()
    with app.app_context():
        wanted = MicrodataRequest(grant, [programme, *others], fmt, language)
        export_microdata(db, MADE, STOCKHOLM, wanted, stream, threshold, survey, admin)
    return stream.getvalue()


def about_and_codebook(body: bytes) -> tuple[list[list[str]], list[list[str]]]:
    """Return the about lines and the codebook's lines (from its heading on) of a CSV file."""
    _table, book, _data, _text = read_zip(body)
    gap = book.index([])
    return book[:gap], book[gap + 1 :]


def test_the_about_lines_name_the_grant_the_moment_and_the_counts(app, db, programme, admin):
    about, _book = about_and_codebook(made(app, db, programme, admin))
    assert [name for name, _value in about] == [
        "Pseudonymised microdata for research",
        "Grant reference",
        "Recipient",
        "Date of the agreement",
        "File for this grant",
        "Made",
        "Programmes",
        "Persons",
        "Rows (person and wave)",
        "Unit",
        "Left out",
        "Small cohorts",
    ]
    values = dict(about)
    assert values["Pseudonymised microdata for research"].startswith("Personal data under the GDPR")
    assert values["Date of the agreement"] == "2026-08-15"
    assert values["File for this grant"] == "1"
    assert values["Made"] == "2026-09-01T09:30+02:00"  # Stockholm's time, to the minute
    assert values["Unit"].startswith("One row per person and wave")
    assert values["Left out"].startswith("Participant codes, contact data, free-text answers")


def test_every_word_of_a_swedish_file_is_swedish(app, db, programme, admin):
    english_about, english_book = about_and_codebook(made(app, db, programme, admin))
    about, book = about_and_codebook(made(app, db, programme, admin, "sv", reference="Dnr 2"))
    assert about[0] == ["Pseudonymiserade mikrodata för forskning", about[0][1]]
    assert len(about) == len(english_about) and len(book) == len(english_book)
    for (name, value), (english_name, english_value) in zip(about, english_about, strict=True):
        assert name != english_name
        if english_name in ("Pseudonymised microdata for research", "Unit", "Left out", "Small cohorts"):
            assert value != english_value, name
    assert book[0] == ["Variabel", "Beskrivning", "Kod", "Betydelse"]
    for line, english_line in zip(book[1:], english_book[1:], strict=True):
        assert line[0] == english_line[0] and line[2] == english_line[2]  # names and codes stay
        words, english_words = line[1] or line[3], english_line[1] or english_line[3]
        assert words != english_words, english_line


def test_small_cohorts_are_those_under_the_threshold_and_a_person_without_one_is_named_so(
    app, db, programme, admin, clock
):
    other = make_programme(db, clock.now(), "Annan", offsets=[6])
    make_participants(db, clock.now(), other, ["ANNAN-1,2025-07-20,annan@example.org,,sv,,,"], header=HEADER)
    run_tick(app, db, at(2026, 1, 21))
    about, _book = about_and_codebook(made(app, db, programme, admin, others=[other]))
    listed = dict(about)["Small cohorts"]
    small = "Annan: (no cohort) (1); Steget Ö: =HYPERLINK(1) (2); Steget Ö: Grupp 1 (2)"
    assert f"fewer than 5 people: {small}." in listed
    about, _book = about_and_codebook(made(app, db, programme, admin, reference="Dnr 2", threshold=2))
    assert "fewer than 2 people: none." in dict(about)["Small cohorts"]  # cohorts of 2 are not under 2
    about, _book = about_and_codebook(made(app, db, other, admin, "sv", reference="Dnr 3"))
    assert "Annan: (ingen grupp) (1)." in dict(about)["Små grupper"]


def test_the_archive_is_compressed_utf8_with_a_byte_order_mark_and_windows_line_ends(
    app, db, programme, admin
):
    with zipfile.ZipFile(io.BytesIO(made(app, db, programme, admin))) as archive:
        for name in (DATA_FILE, CODEBOOK_FILE):
            assert archive.getinfo(name).compress_type == zipfile.ZIP_DEFLATED, name
            raw = archive.read(name)
            assert raw.startswith("\ufeff".encode()), name  # so that Excel reads it as UTF-8
            assert raw.count(b"\r\n") == raw.count(b"\n") > 5, name
            assert "Ö".encode() in raw, name


def test_the_spreadsheet_has_bold_headings_a_fixed_first_row_and_wide_text_columns(app, db, programme, admin):
    book = openpyxl.load_workbook(io.BytesIO(made(app, db, programme, admin, fmt="xlsx")))
    about, codebook_sheet, data = book["About this file"], book["Codebook"], book["Data"]
    assert data.freeze_panes == "A2"
    assert all(cell.font.bold for cell in data[1]) and not any(cell.font.bold for cell in data[2])
    assert all(cell.font.bold for cell in codebook_sheet[1] if cell.value)
    assert not any(
        cell.font.bold for row in codebook_sheet.iter_rows(min_row=2) for cell in row if cell.value
    )
    assert all(row[0].font.bold and not row[1].font.bold for row in about.iter_rows())
    widths = {sheet.title: {} for sheet in (about, codebook_sheet)}
    for sheet in (about, codebook_sheet):
        for dimension in sheet.column_dimensions.values():
            for column in range(dimension.min, dimension.max + 1):
                widths[sheet.title][column] = round(dimension.width)
    assert widths == {"About this file": {1: 31, 2: 101}, "Codebook": {2: 81, 4: 51}}
    assert dict(about.iter_rows(values_only=True))["Made"] == "2026-09-01T09:30+02:00"
    assert codebook_sheet["A1"].value == "Variable"
    lines = [[cell.value for cell in row] for row in codebook_sheet.iter_rows()]
    assert ["who5_1", "I have felt cheerful and in good spirits", None, None] in lines  # the file's language


def test_a_file_needs_a_known_format_and_a_programme(app, db, programme, admin):
    grant = grant_of(db, admin)
    with app.app_context(), pytest.raises(MicrodataRefused) as refused:
        export_microdata(
            db, MADE, STOCKHOLM, MicrodataRequest(grant, [programme], "pdf"), io.BytesIO(), 5, SURVEY, admin
        )
    assert str(refused.value) == "The file format must be CSV or XLSX."
    with app.app_context(), pytest.raises(MicrodataRefused) as refused:
        export_microdata(db, MADE, STOCKHOLM, MicrodataRequest(grant, []), io.BytesIO(), 5, SURVEY, admin)
    assert str(refused.value) == "Choose at least one programme."
    assert ResearchGrant.get_by_id(grant.id).files == 0


def test_a_file_made_meanwhile_is_refused_with_the_month_in_the_instance_s_zone(app, db, programme, admin):
    grant = grant_of(db, admin)
    stale = ResearchGrant.get_by_id(grant.id)
    first = at(2026, 10, 1, 0, 30)  # half past midnight in Stockholm: still September in UTC
    with app.app_context():
        export_microdata(
            db, first, STOCKHOLM, MicrodataRequest(grant, [programme]), io.BytesIO(), 5, SURVEY, admin
        )
    with pytest.raises(MicrodataRefused, match=r"grant Dnr 2026/123 \(2026-10\)"):
        make_file(app, db, stale, programme, admin)  # loaded before the first file was made


def test_a_replacing_file_says_so_in_the_audit_log(app, db, programme, admin):
    grant = grant_of(db, admin)
    make_file(app, db, grant, programme, admin)
    make_file(app, db, grant, programme, admin, replace=True)
    events = AuditEvent.select().where(AuditEvent.action == "microdata.exported").order_by(AuditEvent.id)
    assert [json.loads(e.details)["replaces_earlier"] for e in events] == [False, True]


def test_a_grant_is_refused_without_its_reference_or_recipient_or_with_another_s_details(db, admin):
    for reference, recipient in ((" ", "KI"), ("Dnr 1", "  ")):
        with pytest.raises(MicrodataRefused) as refused:
            record_grant(db, MADE, reference, recipient, date(2026, 8, 15), admin)
        assert str(refused.value) == "A grant needs its reference and its recipient."
    record_grant(db, MADE, "Dnr 1", "KI", date(2026, 8, 15), admin)
    with pytest.raises(MicrodataRefused) as refused:
        record_grant(db, MADE, " Dnr  1", "KI", date(2026, 8, 16), admin)
    assert str(refused.value) == (
        "Grant Dnr 1 is recorded with recipient KI and date 2026-08-15. "
        "Check the agreement: one reference is one agreement."
    )


def test_a_grant_is_recorded_with_who_recorded_it_and_audited_in_full(db, admin):
    grant = record_grant(db, MADE, "Dnr 1", "KI", date(2026, 8, 15), admin)
    assert ResearchGrant.get_by_id(grant.id).recorded_by_id == admin.id
    event = AuditEvent.get(AuditEvent.action == "grant.recorded")
    assert event.user_id == admin.id
    assert json.loads(event.details) == {"grant": "Dnr 1", "recipient": "KI", "agreed_on": "2026-08-15"}


def test_the_files_made_are_read_in_one_query_however_many(app, db, programme, admin, monkeypatch):
    for n in range(3):
        make_file(app, db, grant_of(db, admin, f"Dnr {n}"), programme, admin)
    seen = count_queries(database, monkeypatch)
    assert [(f.by, f.programme) for f in files_made()] == [("Admin", "Steget Ö")] * 3
    assert len(seen) == 1


def survey_without(survey, question_id, **changes):
    """Return the survey with one question left out, or changed when `changes` are given."""

    def kept(question):
        return [dataclasses.replace(question, **changes)] if changes else []

    pages = tuple(
        dataclasses.replace(
            p, questions=tuple(r for q in p.questions for r in (kept(q) if q.id == question_id else [q]))
        )
        for p in survey.pages
    )
    return dataclasses.replace(survey, pages=pages)


def test_each_variable_lists_the_codes_it_can_hold(app, db, programme, admin):
    _about, book = about_and_codebook(made(app, db, programme, admin))
    codes, descriptions = {}, {}
    for name, description, code, _label in book[1:]:
        if name:
            codes[name], descriptions[name], current = [], description, name
        else:
            codes[current].append(code)

    def offered(question_id):
        return [str(value) for value in SURVEY.question(question_id).option_values()]

    asked = ["main_activity", "social_assistance", *WHO5_ITEMS, "next_step_start", "programme_helped"]
    assert codes == {
        **{name: [] for name in COLUMNS},
        "exit_activity": list(ACTIVITY_LABELS),
        "exit_social_assistance": ["1", "0"],
        "language": ["sv", "en"],
        "answered": ["1", "0"],
        "declined": ["1", "0"],
        **{name: offered(name) for name in asked},
    }
    assert descriptions["exit_activity"].startswith("The person's main activity at exit")
    assert descriptions["declined"] == "Said no to this wave without answering."


def test_without_the_survey_the_answers_are_described_in_the_service_s_words_in_each_language(app):
    without = {v.name: v for v in codebook(None)}
    assert set(without["main_activity"].labels) == set(ACTIVITY_LABELS)  # the import's codes too
    for name in ("social_assistance", "next_step_start", "programme_helped"):
        assert set(without[name].labels) == set(SURVEY.question(name).option_values()), name
    assert all(without[item].labels == {} for item in WHO5_ITEMS)
    with app.app_context():
        with force_locale("en"):
            english = {name: str(v.description) for name, v in without.items()}
        with force_locale("sv"):
            swedish = {name: str(v.description) for name, v in without.items()}
    assert english["main_activity"] == "Main activity now."
    assert english["who5_1"] == "WHO-5 item, 0 (at no time) to 5 (all of the time)."
    assert english["next_step_start"] == "How soon the next step started."
    assert english["social_assistance"] == "Receives social assistance now."
    assert all(swedish[name] != english[name] for name in COLUMNS)
    shorter = {v.name: v for v in codebook(survey_without(SURVEY, "programme_helped"))}
    assert str(shorter["programme_helped"].description) == "How much the programme helped."
    assert set(shorter["programme_helped"].labels) == set(SURVEY.question("programme_helped").option_values())
    assert shorter["main_activity"].description == SURVEY.question("main_activity").text  # the survey's own


def test_a_question_written_in_one_language_only_is_described_in_that_language(app, db, programme, admin):
    question = SURVEY.question("who5_1")
    survey = survey_without(SURVEY, "who5_1", text={"sv": question.text["sv"]})
    _about, book = about_and_codebook(made(app, db, programme, admin, survey=survey))
    assert ["who5_1", question.text["sv"], "", ""] in book


def test_a_who5_item_stored_out_of_range_or_as_text_is_left_empty(app, db, programme):
    response = Response.get(Response.survey_version == SURVEY.version)  # the first person's 6-month answer
    stored = json.loads(response.answers)
    stored.update(who5_1="Anna", who5_2=True, who5_3=6, who5_4=0, who5_5=-1)
    Response.update(answers=json.dumps(stored)).where(Response.id == response.id).execute()
    with app.app_context():
        found = [row for row in rows([programme.id], STOCKHOLM) if row[COLUMNS.index("who5")] == 80]
    first = COLUMNS.index("who5_1")
    assert [row[first : first + 5] for row in found] == [[None, None, None, 0, None]]


def test_people_not_yet_invited_are_not_counted(app, db, programme, admin, clock):
    make_participants(
        db, clock.now(), programme, ["SENARE-1,2026-06-01,senare@example.org,,sv,Grupp 1,,"], header=HEADER
    )
    body, summary = make_file(app, db, grant_of(db, admin), programme, admin)
    assert (summary.persons, summary.rows) == (4, 8)  # the sixth month falls due in December
    assert sorted({row[1] for row in read_zip(body)[0][1:]}) == ["1", "2", "3", "4"]  # no number left out


def test_people_are_read_a_few_at_a_time_with_the_same_file(app, db, programme, admin, monkeypatch):
    monkeypatch.setattr(microdata, "CHUNK", 3)
    body, summary = make_file(app, db, grant_of(db, admin), programme, admin)
    table = read_zip(body)[0]
    assert sorted(codes_of(by_person(table)).values()) == sorted(CODES)
    assert [row[1] for row in table[1:]] == ["1", "1", "2", "2", "3", "3", "4", "4"]
    assert (summary.persons, summary.rows) == (4, 8)


def test_the_files_made_list_stops_at_the_200_newest(db):
    details = json.dumps({"grant": "Dnr 1", "file": 1, "persons": 1, "rows": 1, "format": "csv"})
    AuditEvent.insert_many(
        [
            {
                "at": MADE,
                "action": "microdata.exported",
                "details": details.replace('"file": 1', f'"file": {n}'),
            }
            for n in range(1, 202)
        ]
    ).execute()
    listed = files_made()
    assert len(listed) == 200 and (listed[0].file, listed[-1].file) == (201, 2)


def test_each_person_s_waves_come_in_order_of_months_though_the_earlier_was_added_later(app, db, clock):
    programme = make_programme(db, clock.now(), "Omvänd", offsets=[12])
    make_participants(db, clock.now(), programme, ["OMV-1,2025-07-20,omv@example.org,,sv,A,,"], header=HEADER)
    plan = dataclasses.replace(current_plan(programme), offsets=(6, 12))
    apply_plan(db, clock.now(), programme, plan, STOCKHOLM, 10)
    run_tick(app, db, at(2026, 1, 21))
    run_tick(app, db, at(2026, 7, 21))
    with app.app_context():
        found = list(rows([programme.id], STOCKHOLM))
    assert [row[COLUMNS.index("wave")] for row in found] == [6, 12]


def test_only_the_waves_sent_are_rows_and_a_person_without_a_cohort_has_an_empty_one(
    app, db, programme, clock
):
    make_participants(
        db, clock.now(), programme, ["HALV-1,2025-12-01,halv@example.org,,sv,,,"], header=HEADER
    )
    run_tick(app, db, at(2026, 6, 2))  # the sixth month; the twelfth falls due in December
    with app.app_context():
        found = [
            row for row in rows([programme.id], STOCKHOLM) if row[COLUMNS.index("exit_month")] == "2025-12"
        ]
    assert [(row[COLUMNS.index("wave")], row[COLUMNS.index("cohort")]) for row in found] == [(6, "")]


def test_the_months_due_and_sent_are_the_instance_s_months(app, db, programme):
    half_past_midnight = at(2026, 2, 1, 0, 30)  # still January in UTC
    Invitation.update(due_at=half_past_midnight, sent_at=half_past_midnight).execute()
    with app.app_context():
        found = list(rows([programme.id], STOCKHOLM))
    assert {(row[COLUMNS.index("due_month")], row[COLUMNS.index("invited_month")]) for row in found} == {
        ("2026-02", "2026-02")
    }


class Unshuffled:
    """A draw that leaves the people in the order they were read."""

    def shuffle(self, people):
        pass


def test_a_person_erased_while_the_file_is_made_leaves_everyone_else_in_it(app, db, programme, monkeypatch):
    read = microdata.invited_people
    monkeypatch.setattr(microdata, "invited_people", lambda ids: [10_000, *read(ids)])  # gone meanwhile
    summary = Summary()
    with app.app_context():
        found = list(rows([programme.id], STOCKHOLM, summary, draw=Unshuffled()))
    assert len(found) == 8 and {row[1] for row in found} == {2, 3, 4, 5}
    assert summary.persons == 4  # the people in the file
