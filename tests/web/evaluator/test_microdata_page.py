"""The microdata page: admins only, the file downloaded and read back, nothing naming anyone,
one file per grant, every file in the audit log."""

import csv
import io
import json
import re
import zipfile

import openpyxl
import pytest

from followup.models import AuditEvent, ResearchGrant
from followup.results.microdata import COLUMNS, DATA_FILE
from tests.factories import csrf_of
from tests.web.evaluator.conftest import CODES, EMAILS, PHONES
from tests.web.evaluator.test_results_pages import client_of

PAGE = "/staff/microdata/"


def form(client, programme, **changes):
    token = csrf_of(client.get(PAGE))
    return {
        "csrf_token": token,
        "reference": "Dnr 2026/77",
        "recipient": "Göteborgs universitet",
        "agreed_on": "2026-08-20",
        "programmes": str(programme.id),
        "fmt": "csv",
        "separator": ";",
        "language": "en",
        **changes,
    }


def test_an_admin_sees_the_form_and_the_programmes(app, db, clock, programme, people):
    page = client_of(app, db, clock, people["admin"]).get(PAGE)
    assert page.status_code == 200
    text = page.get_data(as_text=True)
    assert "Microdata for research" in text and "Steget Ö" in text
    assert f'value="{programme.id}"' in text and "No grant is recorded yet." in text
    assert 'href="/staff/microdata/"' in text  # in the admin's menu


@pytest.mark.parametrize("visitor", ["coordinator", "evaluator"])
def test_nobody_else_may_see_or_make_a_file(app, db, clock, programme, people, visitor):
    client = client_of(app, db, clock, people[visitor])
    assert client.get(PAGE).status_code == 403
    token = csrf_of(client.get("/staff/sign-in"))
    posted = client.post(PAGE, data={"csrf_token": token, "reference": "X", "programmes": str(programme.id)})
    assert posted.status_code == 403
    assert ResearchGrant.select().count() == 0
    assert not AuditEvent.select().where(AuditEvent.action.startswith("microdata")).exists()
    assert 'href="/staff/microdata/"' not in client.get("/staff/results/").get_data(as_text=True)


def test_the_admin_downloads_the_file_and_it_names_no_one(app, db, clock, programme, people):
    client = client_of(app, db, clock, people["admin"])
    response = client.post(PAGE, data=form(client, programme))
    assert response.status_code == 200, response.get_data(as_text=True)[:2000]
    assert response.mimetype == "application/zip"
    assert response.headers["Cache-Control"] == "no-store"
    assert "filename=microdata-Dnr_2026_77-2026-09-01.zip" in response.headers["Content-Disposition"]
    body = response.get_data()
    with zipfile.ZipFile(io.BytesIO(body)) as archive:
        data = archive.read(DATA_FILE).decode("utf-8-sig")
        everything = "\n".join(archive.read(n).decode("utf-8-sig") for n in archive.namelist())
    table = list(csv.reader(io.StringIO(data, newline=""), delimiter=";"))
    assert tuple(table[0]) == COLUMNS
    # Eleven people; everyone invited at 6 and 12 months: 22 rows, under 11 drawn numbers.
    assert len(table) == 23 and sorted({int(r[1]) for r in table[1:]}) == list(range(1, 12))
    for secret in [*CODES, *EMAILS, *PHONES, "Hälsningar", "@example.org"]:
        assert secret not in everything
    assert not re.search(r"\d{4}-\d{2}-\d{2}", data)
    event = AuditEvent.get(AuditEvent.action == "microdata.exported")
    assert event.user_id == people["admin"].id and event.programme_id == programme.id
    details = json.loads(event.details)
    assert (details["grant"], details["persons"], details["rows"], details["file"]) == (
        "Dnr 2026/77",
        11,
        22,
        1,
    )
    page = client.get(PAGE).get_data(as_text=True)
    assert "Dnr 2026/77" in page and "Göteborgs universitet" in page
    assert 'href="/staff/audit?action=microdata.exported"' in page
    made = page[page.index("Files made") :]
    cells = re.findall(r"<td[^>]*>(.*?)</td>", made[: made.index("</table>")])
    assert cells == ["Dnr 2026/77", "1", "2026-09-01 12:00", "Admin", "Steget Ö", "11", "22", "CSV"]


def test_a_second_file_for_a_grant_only_replaces_the_first(app, db, clock, programme, people):
    client = client_of(app, db, clock, people["admin"])
    assert client.post(PAGE, data=form(client, programme)).status_code == 200
    again = client.post(PAGE, data=form(client, programme, fmt="xlsx"))
    assert again.status_code == 409
    assert "A file was already made for grant Dnr 2026/77" in again.get_data(as_text=True)
    replaced = client.post(PAGE, data=form(client, programme, fmt="xlsx", replace="y"))
    assert replaced.status_code == 200
    book = openpyxl.load_workbook(io.BytesIO(replaced.get_data()), read_only=True)
    assert book.sheetnames == ["About this file", "Codebook", "Data"]
    rows = list(book["Data"].iter_rows(values_only=True))
    assert rows[0] == COLUMNS and len(rows) == 23
    files = [
        json.loads(e.details)["file"]
        for e in AuditEvent.select().where(AuditEvent.action == "microdata.exported")
    ]
    assert files == [1, 2] and ResearchGrant.get().files == 2


def test_a_grant_reference_is_one_agreement(app, db, clock, programme, people):
    client = client_of(app, db, clock, people["admin"])
    assert client.post(PAGE, data=form(client, programme)).status_code == 200
    other = client.post(PAGE, data=form(client, programme, recipient="Annan mottagare", replace="y"))
    assert other.status_code == 409 and "recorded with recipient" in other.get_data(as_text=True)
    assert ResearchGrant.get().files == 1


def test_an_incomplete_form_says_what_is_missing(app, db, clock, programme, people):
    client = client_of(app, db, clock, people["admin"])
    response = client.post(PAGE, data=form(client, programme, reference="", programmes=""))
    assert response.status_code == 400
    text = response.get_data(as_text=True)
    assert "Choose at least one programme." in text and 'aria-invalid="true"' in text
    assert ResearchGrant.select().count() == 0
