"""The browser's import: a workbook read as the command line's CSV, and a preview that stores nothing."""

import io
from datetime import date, datetime, timedelta

import pytest
from openpyxl import Workbook

from followup.models import Contact, Invitation, Participant, Wave
from followup.plan.import_preview import closed_wave_warnings, preview_import, rows_from_upload
from followup.plan.importing import ImportRejected, read_rows
from followup.plan.scheduling import due_at
from followup.results.measures import ACTIVITIES
from tests.factories import STOCKHOLM, make_participants, make_programme

ACTS = set(ACTIVITIES)
TODAY = date(2026, 1, 15)


def workbook(*rows: list, cells: dict | None = None, iso_dates: bool = False) -> bytes:
    book = Workbook()
    book.iso_dates = iso_dates  # dates stored as ISO text (strict Open XML), as some programs save them
    for row in rows:
        book.active.append(row)
    for place, value in (cells or {}).items():
        book.active[place] = value
    content = io.BytesIO()
    book.save(content)
    return content.getvalue()


def test_a_workbook_s_dates_and_whole_numbers_are_read_as_a_person_wrote_them():
    raw = workbook(
        ["code", "exit_date", "email", "cohort"],
        [1001.0, datetime(2025, 6, 13), "a@example.org", 3.0],
        ["A2", datetime(2025, 6, 14, 15, 30), "b@example.org", 2.5],
        [1e16, datetime(2025, 6, 14), "c@example.org", None],  # stored as 1e+16: read as a float
    )
    rows = rows_from_upload("People.XLSX", raw, ACTS, TODAY)
    assert [(r.line, r.code, r.exit_date, r.cohort) for r in rows] == [
        (2, "1001", date(2025, 6, 13), "3"),
        (3, "A2", date(2025, 6, 14), "2.5"),
        (4, "10000000000000000", date(2025, 6, 14), None),
    ]


def test_a_date_stored_as_text_is_read_and_a_formula_by_its_value_not_its_text():
    raw = workbook(
        ["code", "exit_date", "email", "cohort"],
        ["A1", date(2025, 6, 13), "a@example.org", "=1+1"],
        iso_dates=True,
    )
    [row] = rows_from_upload("people.xlsx", raw, ACTS, TODAY)
    # A file saved by openpyxl has no computed value for the formula: the cell is empty.
    assert (row.exit_date, row.cohort) == (date(2025, 6, 13), None)


def test_cells_beyond_the_hundredth_column_are_not_read():
    raw = workbook(
        ["code", "exit_date", "email"], ["A1", "2025-06-13", "a@example.org"], cells={"CW2": "note"}
    )
    assert [r.code for r in rows_from_upload("people.xlsx", raw, ACTS, TODAY)] == ["A1"]


def test_a_file_named_xlsx_that_is_no_workbook_is_refused():
    with pytest.raises(ImportRejected) as caught:
        rows_from_upload("people.xlsx", b"code,exit_date,email\n", ACTS, TODAY)
    [problem] = caught.value.problems
    assert problem.reason.startswith("The file is not an Excel workbook (.xlsx) that can be read.")


def test_a_workbook_may_have_200000_rows_and_no_more():
    header = ["code", "exit_date", "email"]
    rows = rows_from_upload(
        "people.xlsx",
        workbook(header, cells={"A200000": "A2", "B200000": "2025-06-13", "C200000": "a2@example.org"}),
        ACTS,
        TODAY,
    )
    assert [(r.line, r.code) for r in rows] == [(200000, "A2")]
    with pytest.raises(ImportRejected) as caught:
        rows_from_upload("people.xlsx", workbook(header, cells={"A200001": "A3"}), ACTS, TODAY)
    assert [p.reason for p in caught.value.problems] == ["The file has more than 200000 rows."]


def test_a_preview_counts_what_importing_would_do_and_stores_nothing(db, clock):
    programme = make_programme(db, clock.now())
    make_participants(
        db,
        clock.now(),
        programme,
        ["A1,2025-10-01,a1@example.org,,sv,G", "A2,2025-10-01,a2@example.org,,sv,G"],
    )
    before = (Participant.select().count(), Invitation.select().count(), [c.email for c in Contact.select()])
    raw = b"code,exit_date,email\nA1,2025-10-01,a1@example.org\nA2,2025-10-01,new@example.org\n"
    raw += b"A3,2025-10-01,a3@example.org\n"
    rows = read_rows(raw, ACTS, TODAY)
    preview = preview_import(db, clock.now(), programme, rows, STOCKHOLM, 10)
    result = preview.result
    assert (result.created, result.updated, result.unchanged, result.invitations) == (1, 1, 1, 3)
    assert preview.warnings == []
    after = (Participant.select().count(), Invitation.select().count(), [c.email for c in Contact.select()])
    assert after == before


def test_a_follow_up_counts_as_closed_from_the_instant_its_window_ends(db, clock):
    programme = make_programme(db, clock.now())  # waves at 6, 12 and 24 months, 60 days open
    rows = read_rows(
        b"exit_date,email\n2020-01-01,old@example.org\n2025-06-13,a@example.org\n2025-06-13,b@example.org\n",
        ACTS,
        TODAY,
    )
    closes = due_at(date(2025, 6, 13), 6, STOCKHOLM, 10) + timedelta(days=60)
    before = closed_wave_warnings(programme, rows, closes - timedelta(microseconds=1), STOCKHOLM, 10)
    assert before == ["Exit 2020-01-01 (1 participant(s)): every follow-up has closed; nothing will be sent."]
    at_close = closed_wave_warnings(programme, rows, closes, STOCKHOLM, 10)
    assert at_close == [
        "Exit 2020-01-01 (1 participant(s)): every follow-up has closed; nothing will be sent.",
        "Exit 2025-06-13 (2 participant(s)): the 6-month follow-ups have closed; only 12, 24 months will be "
        "sent.",
    ]


def test_the_preview_closes_windows_in_the_programme_s_time_zone(db, clock):
    programme = make_programme(db, clock.now())
    rows = read_rows(b"exit_date,email\n2025-06-13,a@example.org\n", ACTS, TODAY)
    # The 6-month follow-up is due 13 December 2025 at 10:00 in Stockholm (09:00 UTC) and closes 60 days
    # later; half an hour after that it is closed in Stockholm, though 10:00 UTC has not yet come.
    now = due_at(date(2025, 6, 13), 6, STOCKHOLM, 10) + timedelta(days=60, minutes=30)
    preview = preview_import(db, now, programme, rows, STOCKHOLM, 10)
    assert preview.result.invitations == 2
    assert preview.warnings == [
        "Exit 2025-06-13 (1 participant(s)): the 6-month follow-ups have closed; "
        "only 12, 24 months will be sent."
    ]


def test_warnings_name_the_programme_s_own_closed_waves_in_order(db, clock, two_programmes):
    a = two_programmes.a
    Wave.create(programme=a, offset_months=3, survey="standard", window_days=60)  # added by a plan change
    rows = read_rows(b"exit_date,email\n2025-06-13,a@example.org\n", ACTS, TODAY)
    closes = due_at(date(2025, 6, 13), 6, STOCKHOLM, 10) + timedelta(days=60)
    assert closed_wave_warnings(a, rows, closes, STOCKHOLM, 10) == [
        "Exit 2025-06-13 (1 participant(s)): the 3, 6-month follow-ups have closed; "
        "only 12, 24 months will be sent."
    ]
