"""Every cell of the three files for a small publication made by hand, read back cell by cell."""

import csv
import io
import json
from datetime import UTC, datetime

import openpyxl
import pytest
from flask_babel import force_locale

from followup import create_app
from followup.results.exports import as_json, disclosure_rule, write_csv, write_xlsx
from followup.results.tables import (
    COUNT,
    ESTIMATE,
    HIGH,
    LOW,
    MEAN,
    SHARE,
    Cell,
    Column,
    Publication,
    PublishedQuote,
    Row,
    Table,
)

MADE = datetime(2026, 9, 1, 8, 30, 15, 123456, tzinfo=UTC)
COLUMNS = [
    Column("invited", {"sv": "Inbjudna", "en": "Invited"}, COUNT),
    Column("rate", {"sv": "Andel"}, SHARE),  # no English label: the Swedish one is used
    Column("rate_low", "Low", LOW),
    Column("rate_high", "High", HIGH),
    Column("mean", "Mean", MEAN),
    Column("saved", "Saved", ESTIMATE),
]
ALL_COHORTS = {"sv": "Alla grupper", "en": "All cohorts"}


def _cells(*values, hidden=()):
    return {c.id: Cell(v, hidden=c.id in hidden) for c, v in zip(COLUMNS, values, strict=True)}


def small(threshold=5, quotes=True) -> Publication:
    """Two tables: one by wave and group, and one comparing two waves; two quotes; a definition."""
    by_wave = Table(
        "reach",
        {"sv": "Räckvidd: [6/12]", "en": "Reach: [6/12]"},
        {"sv": "Vilka som svarade.", "en": "Who answered."},
        COLUMNS,
        [
            Row(6, "=Grupp 1", _cells(12.0, 5 / 12, 0.193471, 0.680487, 47.26, 27719.6)),
            Row(12, "*", _cells(9.0, 0.3, None, 0.5, 40.0, 2.4), ALL_COHORTS),
            Row(12, "Grupp 2", _cells(4.0, 0.25, 0.1, 0.6, 3.0, 7.0, hidden=("rate", "mean"))),
        ],
    )
    change = Table(
        "change",
        "Change",
        "Between two waves.",
        [Column("change", "Change", MEAN)],
        [Row(12, "Grupp 1", {"change": Cell(-3.54)}, since=6)],
    )
    return Publication(
        programme="Steget",
        made_at=MADE,
        threshold=threshold,
        survey_versions=[],
        tables=[by_wave, change],
        definitions=[({"sv": "Självförsörjning", "en": "Self-sufficiency"}, {"sv": "Arbete eller studier."})],
        variables={},
        equations=[],
        information_loss=0.123456,
        quotes=[PublishedQuote("=Bra kurs", 6), PublishedQuote("Hjälpte mig.", None)] if quotes else [],
    )


@pytest.fixture(scope="module")
def app(tmp_path_factory):
    folder = tmp_path_factory.mktemp("export_cells")
    return create_app({"DATABASE_URL": "sqlite://", "INSTANCE_PATH": str(folder), "SECRET_KEY": "s" * 40})


def _csv(app, language, separator, publication=None):
    stream = io.StringIO()
    with app.app_context():
        write_csv(publication or small(), stream, language, separator)
    return stream.getvalue()


def test_csv_cells_in_english(app):
    content = _csv(app, "en", ",")
    assert content.startswith("\ufeffProgramme,Steget\r\n")
    lines = list(csv.reader(io.StringIO(content.removeprefix("\ufeff"))))
    assert lines[:5] == [
        ["Programme", "Steget"],
        ["Made", "2026-09-01T08:30:15+00:00"],
        ["Suppression threshold", "5"],
        ["Survey versions", "none"],
        ["Share of figures suppressed", "12.3%"],
    ]
    assert lines[5][0] == "Legend" and lines[5][1].startswith(".. = suppressed")
    assert lines[6][0] == "Disclosure control" and lines[6][1].startswith("Counts from 1 to 4 of people")
    assert lines[7] == ["Self-sufficiency", "Arbete eller studier."]
    assert lines[8:12] == [
        [],
        ["Reach: [6/12]"],
        ["Who answered."],
        ["Wave (months after exit)", "Group", "Invited", "Andel", "Low", "High", "Mean", "Saved"],
    ]
    assert lines[12] == ["6", "'=Grupp 1", "12", "0.417", "0.193", "0.68", "47.3", "27720"]
    assert lines[13] == ["12", "All cohorts", "9", "0.3", "", "0.5", "40.0", "2"]
    assert lines[14] == ["12", "Grupp 2", "4", "..", "0.1", "0.6", "..", "7"]
    assert lines[15:20] == [
        [],
        ["Change"],
        ["Between two waves."],
        ["Wave (months after exit)", "Compared with wave (months)", "Group", "Change"],
        ["12", "6", "Grupp 1", "-3.5"],
    ]
    assert lines[20:23] == [[], ["In their own words"], lines[22]]
    assert "at least 5 people" in lines[22][0]
    assert lines[23:] == [["Wave (months after exit)", "Quote"], ["6", "'=Bra kurs"], ["", "Hjälpte mig."]]


def test_csv_in_swedish_has_decimal_commas_and_swedish_labels(app):
    lines = list(csv.reader(io.StringIO(_csv(app, "sv", ";").removeprefix("\ufeff")), delimiter=";"))
    assert lines[0] == ["Insats", "Steget"] and lines[3] == ["Enkätversioner", "inga"]
    assert lines[7] == ["Självförsörjning", "Arbete eller studier."]
    assert lines[9] == ["Räckvidd: [6/12]"]
    assert lines[12] == ["6", "'=Grupp 1", "12", "0,417", "0,193", "0,68", "47,3", "27720"]
    assert lines[13][1] == "Alla grupper"
    assert lines[6][0] == "Röjandekontroll" and lines[6][1].startswith("Antal från 1 till 4 personer")
    assert "färre än 5 personer" in lines[6][1] and "mindre än 10 poäng" in lines[6][1]
    assert lines[-5] == ["Med egna ord"]
    assert lines[-4][0].startswith("Kommentarer som") and "minst 5 personer svarade" in lines[-4][0]
    assert lines[-3] == ["Uppföljning (månader efter avslut)", "Citat"]


def test_csv_without_quotes_ends_with_the_last_table(app):
    content = _csv(app, "en", ",", small(quotes=False))
    assert content.endswith("\r\n12,6,Grupp 1,-3.5\r\n")


def test_the_disclosure_rule_names_the_threshold_and_the_counts_below_it(app):
    with app.app_context(), force_locale("en"):
        rule = str(disclosure_rule(small(5)))
        assert rule.startswith("Counts from 1 to 4 of people") and "fewer than 5 people" in rule
        assert "narrower than 5 (nor a suppressed mean to less than 10 points)" in rule
        assert str(disclosure_rule(small(0))).startswith("Counts from 1 to 0 of people")


def test_csv_names_every_survey_version(app):
    publication = small()
    publication.survey_versions = ["standard v1", "standard v2"]
    lines = list(csv.reader(io.StringIO(_csv(app, "en", ",", publication).removeprefix("\ufeff"))))
    assert lines[3] == ["Survey versions", "standard v1, standard v2"]


def test_english_files_give_the_english_definitions(app):
    publication = small()
    publication.definitions = [
        (
            {"sv": "Självförsörjning", "en": "Self-sufficiency"},
            {"sv": "Arbete eller studier.", "en": "Work or studies."},
        )
    ]
    lines = list(csv.reader(io.StringIO(_csv(app, "en", ",", publication).removeprefix("\ufeff"))))
    assert lines[7] == ["Self-sufficiency", "Work or studies."]
    assert _values(_book(app, "en", publication)["Definitions"]) == [["Self-sufficiency", "Work or studies."]]
    with app.app_context():
        document = json.loads(as_json(publication, "en"))
    assert document["definitions"] == [{"term": "Self-sufficiency", "text": "Work or studies."}]


def _book(app, language="en", publication=None):
    stream = io.BytesIO()
    with app.app_context():
        write_xlsx(publication or small(), stream, language)
    return openpyxl.load_workbook(io.BytesIO(stream.getvalue()))


def _values(sheet):
    return [list(row) for row in sheet.iter_rows(values_only=True)]


def test_xlsx_sheets_and_their_cells(app):
    book = _book(app)
    assert book.sheetnames == ["About", "Reach   6 12", "Change", "In their own words", "Definitions"]
    about = _values(book["About"])
    assert about[:5] == [
        ["Programme", "Steget"],
        ["Made", "2026-09-01T08:30:15+00:00"],
        ["Suppression threshold", "5"],
        ["Survey versions", "none"],
        ["Share of figures suppressed", "12.3%"],
    ]
    assert [r[0] for r in about[5:]] == ["Legend", "Disclosure control"]
    assert book["About"]["A1"].font.b and not book["About"]["B1"].font.b
    reach = book["Reach   6 12"]
    values = _values(reach)
    assert values[0][0] == "Reach: [6/12]" and reach["A1"].font.b
    assert values[1][0] == "Who answered."
    assert values[3] == [
        "Wave (months after exit)",
        "Group",
        "Invited",
        "Andel",
        "Low",
        "High",
        "Mean",
        "Saved",
    ]
    assert all(cell.font.b for cell in reach[4])
    assert values[4] == [6, "'=Grupp 1", 12, 0.417, 0.193, 0.68, 47.3, 27720]
    assert values[5] == [12, "All cohorts", 9, 0.3, None, 0.5, 40, 2]
    assert values[6] == [12, "Grupp 2", 4, "..", 0.1, 0.6, "..", 7]
    formats = [reach.cell(5, c).number_format for c in range(1, 9)]
    assert formats == ["General", "General", "General", "0.0%", "0.0%", "0.0%", "0.0", "General"]
    change = book["Change"]
    assert _values(change)[3] == [
        "Wave (months after exit)",
        "Compared with wave (months)",
        "Group",
        "Change",
    ]
    assert _values(change)[4] == [12, 6, "Grupp 1", -3.5]
    assert change["D5"].number_format == "0.0"
    quotes = _values(book["In their own words"])
    assert quotes[0] == ["In their own words", None] and "at least 5 people" in quotes[1][0]
    assert quotes[3:] == [["Wave (months after exit)", "Quote"], [6, "'=Bra kurs"], [None, "Hjälpte mig."]]
    quoted = book["In their own words"]
    assert quoted["A1"].font.b and quoted["A4"].font.b and quoted["B4"].font.b and not quoted["A2"].font.b
    assert quoted["B5"].alignment.wrap_text and quoted["B5"].alignment.vertical == "top"
    assert _values(book["Definitions"]) == [["Self-sufficiency", "Arbete eller studier."]]
    assert book["Definitions"]["A1"].font.b


def test_xlsx_without_quotes_has_no_quotes_sheet(app):
    book = _book(app, "sv", small(quotes=False))
    assert book.sheetnames == ["Om rapporten", "Räckvidd   6 12", "Change", "Definitioner"]
    assert _values(book["Räckvidd   6 12"])[5][1] == "Alla grupper"


def test_xlsx_sheet_names_are_unique_short_and_without_forbidden_characters(app):
    publication = small(quotes=False)
    long = "A title far longer than thirty-one characters"
    titles = ["'Reach'", "reach", "REACH", long, long, "[]:*?/\\", "XLSX", "Definitions"]
    publication.tables = [
        Table(f"t{i}", title, "", publication.tables[1].columns, publication.tables[1].rows)
        for i, title in enumerate(titles)
    ]
    names = _book(app, "en", publication).sheetnames
    assert names == [
        "About",
        "Reach",
        "reach 2",
        "REACH 3",
        long[:31],
        long[:29] + " 2",
        "Sheet",
        "XLSX",
        "Definitions",
        "Definitions 2",
    ]


def test_json_cells(app):
    with app.app_context():
        document = json.loads(as_json(small(), "en"))
    assert {k: document[k] for k in ("programme", "made_at", "threshold", "survey_versions")} == {
        "programme": "Steget",
        "made_at": "2026-09-01T08:30:15+00:00",
        "threshold": 5,
        "survey_versions": [],
    }
    assert document["information_loss"] == 0.1235
    assert document["legend"].startswith(".. = suppressed")
    assert document["disclosure_control"].startswith("Counts from 1 to 4 of people")
    assert document["definitions"] == [{"term": "Self-sufficiency", "text": "Arbete eller studier."}]
    reach, change = document["tables"]
    assert (reach["id"], reach["title"], reach["description"]) == ("reach", "Reach: [6/12]", "Who answered.")
    assert reach["columns"][:2] == [
        {"id": "invited", "label": "Invited", "kind": "count"},
        {"id": "rate", "label": "Andel", "kind": "share"},
    ]
    assert reach["rows"][0] == {
        "wave": 6,
        "group": "=Grupp 1",
        "label": "=Grupp 1",
        "cells": {
            "invited": 12,
            "rate": 0.417,
            "rate_low": 0.193,
            "rate_high": 0.68,
            "mean": 47.3,
            "saved": 27720,
        },
        "suppressed": [],
    }
    assert reach["rows"][1]["label"] == "All cohorts" and reach["rows"][1]["group"] == "*"
    assert reach["rows"][1]["cells"]["rate_low"] is None and reach["rows"][1]["suppressed"] == []
    assert reach["rows"][2]["suppressed"] == ["rate", "mean"]
    assert reach["rows"][2]["cells"]["rate"] is None and reach["rows"][2]["cells"]["mean"] is None
    assert change["rows"] == [
        {
            "wave": 12,
            "group": "Grupp 1",
            "label": "Grupp 1",
            "since": 6,
            "cells": {"change": -3.5},
            "suppressed": [],
        }
    ]
    assert document["quotes"] == [{"wave": 6, "text": "=Bra kurs"}, {"wave": None, "text": "Hjälpte mig."}]


def test_json_in_swedish_is_text_not_escapes_indented_to_be_read(app):
    with app.app_context():
        text = as_json(small(), "sv")
    assert '"Alla grupper"' in text and '"Räckvidd: [6/12]"' in text
    assert text.startswith('{\n "programme": "Steget",\n "made_at": ')


def test_xlsx_columns_are_wide_enough_to_read(app):
    book = _book(app)

    def widths(name):
        dimensions = book[name].column_dimensions.values()
        return [(d.min, d.max, round(d.width)) for d in dimensions if d.width]

    assert widths("About") == [(1, 1, 29), (2, 2, 101)]
    assert widths("Reach   6 12") == [(1, 2, 15)]  # the wave and the group
    assert widths("Change") == [(1, 3, 15)]  # the two waves and the group
    assert widths("In their own words") == [(1, 1, 15), (2, 2, 101)]
    assert widths("Definitions") == [(1, 1, 29), (2, 2, 121)]
