"""The files: read back with the csv module, openpyxl and LibreOffice; formulas neutralised."""

import csv
import io
import json
import subprocess
from datetime import UTC, datetime

import openpyxl
import pytest

from followup import create_app
from followup.cells import neutralise
from followup.results.disclosure import protect
from followup.results.exports import as_json, write_csv, write_xlsx
from followup.results.measures import Assumptions, tabulate
from tests.factories import answers, counts_of, person

MADE = datetime(2026, 9, 1, 8, 30, tzinfo=UTC)
# Names a spreadsheet would read as formulas, had they not been neutralised.
PROGRAMME = '=HYPERLINK("http://example.org")'
COHORTS = ["+Grupp 1", "-Grupp 2", "@Grupp 3", "\tGrupp 4"]


@pytest.fixture(scope="module")
def app(tmp_path_factory):
    folder = tmp_path_factory.mktemp("exports")
    return create_app({"DATABASE_URL": "sqlite://", "INSTANCE_PATH": str(folder), "SECRET_KEY": "s" * 40})


@pytest.fixture(scope="module")
def made(app):
    people = []
    for c, cohort in enumerate(COHORTS):
        for n in range(6 + 4 * c):
            activity = "work" if n % 3 else "studies"
            w6, w12 = answers(activity, "no", 40 + 4 * (n % 10)), answers(activity, "no", 60 - 4 * (n % 10))
            people.append(person(cohort, "job_seeking", n % 2 == 0, w6=w6, w12=w12))
        people.append(
            person(
                cohort,
                "sick_leave",
                True,
                w6=answers("sick_leave", "yes", 16),
                w12=answers("sick_leave", "yes", 20),
            )
        )
    with app.app_context():
        publication = tabulate(counts_of(people), Assumptions(), PROGRAMME, MADE, ["standard v1"])
        return protect(publication, 5)


@pytest.mark.parametrize("text", ["=1+1", "+46 cmd", "-2+3", "@SUM(A1)", "\tx", "\rx"])
def test_neutralise_disarms_every_formula_start(text):
    assert neutralise(text) == "'" + text
    assert neutralise("Grupp 1") == "Grupp 1"


def test_csv_in_the_swedish_dialect_reads_back(app, made):
    stream = io.StringIO()
    with app.app_context():
        write_csv(made, stream, "sv", ";")
    content = stream.getvalue()
    assert content.startswith("\ufeff")
    lines = list(csv.reader(io.StringIO(content.removeprefix("\ufeff")), delimiter=";"))
    about = dict(line for line in lines[:7] if len(line) == 2)
    assert about["Insats"] == "'" + PROGRAMME
    assert about["Tröskel för undertryckning"] == "5"
    assert about["Enkätversioner"] == "standard v1"
    assert "2026-09-01T08:30:00+00:00" in about.values()
    header = next(line for line in lines if line and line[0].startswith("Uppföljning") and "Svarat" in line)
    assert "Inbjudna" in header and "activity_labour_market_programme" not in content
    groups = {line[header.index("Grupp")] for line in lines if len(line) == len(header) and line[0] == "6"}
    assert {"'" + c for c in COHORTS} <= groups and "Alla grupper" in groups
    assert ".." in content
    texts = [cell for line in lines for cell in line if not _number(cell)]
    assert not any(cell.startswith(("=", "+", "-", "@", "\t")) for cell in texts)
    assert any(
        _number(cell) and cell.startswith("-") for line in lines for cell in line
    )  # a fall, as a number


def _number(cell: str) -> bool:
    try:
        float(cell.replace(",", "."))
    except ValueError:
        return False
    return True


def test_csv_in_english_with_commas(app, made):
    stream = io.StringIO()
    with app.app_context():
        write_csv(made, stream, "en", ",")
    lines = list(csv.reader(io.StringIO(stream.getvalue().removeprefix("\ufeff"))))
    assert any("Response rate" in line for line in lines)
    assert any(line and line[0] == "Self-sufficiency" for line in lines)


def test_xlsx_holds_numbers_as_numbers_a_sheet_per_table_and_definitions(app, made, tmp_path):
    path = tmp_path / "report.xlsx"
    with app.app_context(), open(path, "wb") as stream:
        write_xlsx(made, stream, "en")
    book = openpyxl.load_workbook(path, read_only=True)
    names = book.sheetnames
    assert names[0] == "About" and names[-1] == "Definitions"
    assert len(names) == len(made.tables) + 2
    about = {row[0]: row[1] for row in book["About"].iter_rows(values_only=True)}
    assert about["Programme"] == "'" + PROGRAMME and about["Suppression threshold"] == "5"
    reach = list(book["Reach and response"].iter_rows(values_only=True))
    header = reach[3]
    rows = [r for r in reach[4:] if r[1] == "All cohorts"]
    invited = rows[0][header.index("Invited")]
    assert isinstance(invited, int) and invited == 6 + 10 + 14 + 18 + 4
    assert rows[0][header.index("Response rate")] == 1.0  # everyone answered at 6 months
    values = [v for sheet in names[1:-1] for row in book[sheet].iter_rows(values_only=True) for v in row]
    assert ".." in values
    assert not any(isinstance(v, str) and v.startswith(("=", "+", "-", "@", "\t")) for v in values)
    definitions = [row[0] for row in book["Definitions"].iter_rows(values_only=True)]
    assert "Self-sufficiency" in definitions and "Step forward" in definitions
    book.close()


def test_libreoffice_opens_the_xlsx_and_reads_the_same_figures(app, made, tmp_path):
    path = tmp_path / "report.xlsx"
    with app.app_context(), open(path, "wb") as stream:
        write_xlsx(made, stream, "sv")
    profile = tmp_path / "profile"
    subprocess.run(
        [
            "soffice",
            f"-env:UserInstallation=file://{profile}",
            "--headless",
            "--convert-to",
            "csv:Text - txt - csv (StarCalc):59,34,76,1,,0,false,true,false,false,false,-1",
            "--outdir",
            str(tmp_path / "out"),
            str(path),
        ],
        check=True,
        capture_output=True,
        timeout=180,
    )
    converted = sorted((tmp_path / "out").glob("*.csv"))
    assert len(converted) == len(made.tables) + 2  # every sheet opened and exported
    reach = next(p for p in converted if "Räckvidd" in p.name)
    lines = list(csv.reader(reach.read_text(encoding="utf-8").splitlines(), delimiter=";"))
    header = lines[3]
    whole = next(line for line in lines[4:] if line[1] == "Alla grupper")
    assert whole[header.index("Inbjudna")] == str(6 + 10 + 14 + 18 + 4)


def test_json_carries_definitions_and_marks_suppressed(app, made):
    with app.app_context():
        document = json.loads(as_json(made, "en"))
    assert document["programme"] == PROGRAMME and document["threshold"] == 5
    assert document["survey_versions"] == ["standard v1"]
    assert {d["term"] for d in document["definitions"]} >= {"Self-sufficiency", "Avoided social assistance"}
    activity = next(t for t in document["tables"] if t["id"] == "activity")
    row = next(r for r in activity["rows"] if r["group"] == COHORTS[0] and r["wave"] == 6)
    assert row["cells"]["sick_leave"] is None and "sick_leave" in row["suppressed"]
    assert 0 < document["information_loss"] < 1
