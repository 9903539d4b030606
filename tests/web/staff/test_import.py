import html
import io
import re

import pytest
from openpyxl import Workbook

from followup.models import AuditEvent, Participant, Role
from tests.factories import at, csrf_of, make_programme, make_user, sign_in
from tests.plan.test_importing import EVERY_KIND

GOOD = "code;exit_date;email;phone;language;cohort\nST-01;2025-06-13;;070-174 06 05;sv;Grupp 1\n"
GOOD += "ST-02;2025-06-13;deltagare2@example.org;;en;Grupp 1\nST-03;2024-06-10;d3@example.org;;sv;Grupp 2\n"
BAD = GOOD + "ST-04;13 juni;d4@example.org;;sv;Grupp 2\nST-05;2025-06-13;;;sv;Grupp 2\n"


@pytest.fixture(autouse=True)
def english(app):
    app.config["LANGUAGE"] = "en"


@pytest.fixture
def steget(db, clock):
    clock.set(at(2026, 1, 15))
    programme = make_programme(db, clock.now(), "Steget")
    make_user(db, clock.now(), "cora@example.org", Role.COORDINATOR, programme)
    return programme


@pytest.fixture
def cora(app, steget):
    client = app.test_client()
    sign_in(client, "cora@example.org")
    return client


def upload(client, programme, content: bytes, name="people.csv"):
    page = client.get(f"/staff/programmes/{programme.id}/import")
    return client.post(
        f"/staff/programmes/{programme.id}/import",
        data={"csrf_token": csrf_of(page), "file": (io.BytesIO(content), name)},
        content_type="multipart/form-data",
    )


def confirm(client, programme):
    token = csrf_of(client.get(f"/staff/programmes/{programme.id}/import"))
    return client.post(f"/staff/programmes/{programme.id}/import/confirm", data={"csrf_token": token})


def test_bad_rows_are_listed_by_line_and_nothing_is_stored(cora, steget):
    response = upload(cora, steget, BAD.encode())
    text = response.get_data(as_text=True)
    assert response.status_code == 400
    assert "Nothing is imported: 2 problem(s) to fix in people.csv" in text
    assert "<td>5</td><td>exit_date</td><td>The exit date &#39;13 juni&#39;" in text
    assert "<td>6</td><td>email / phone</td><td>Give an e-mail address or a phone number.</td>" in text
    assert Participant.select().count() == 0


def problem_rows(text: str) -> dict[int, tuple[str, str]]:
    """Return the problems table of a page as {line: (column, reason)}."""
    cells = re.findall(r"<tr><td>(\d+|—)</td><td>([^<]*)</td><td>([^<]*)</td></tr>", text)
    return {int(line): (column, html.unescape(reason)) for line, column, reason in cells if line != "—"}


def test_every_problem_is_listed_with_its_line_and_column(cora, steget):
    response = upload(cora, steget, EVERY_KIND.encode())
    assert response.status_code == 400
    found = problem_rows(response.get_data(as_text=True))
    expected = {
        3: ("email", "e-mail address is not valid"),
        4: ("phone", "landline"),
        5: ("exit_date", "'13 juni' is not a date"),
        6: ("exit_activity", "Unknown exit activity 'astronaut'"),
        7: ("exit_social_assistance", "'kanske'; write yes or no"),
        8: ("code", "The code A1 is also on line 2"),
        9: ("language", "sv or en"),
        10: ("email / phone", "Give an e-mail address or a phone number"),
        11: ("—", "more fields than the header"),  # a row-level problem: no column
        12: ("cohort", "starts with =, +, - or @"),
        13: ("code", "letters, digits"),
    }
    assert sorted(found) == sorted(expected)
    for line, (column, words) in expected.items():
        assert found[line][0] == column and words in found[line][1], (line, found[line])


def test_a_good_file_is_previewed_then_stored_on_confirmation(cora, steget):
    response = upload(cora, steget, GOOD.encode())
    text = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "3 new participant(s)" in text and "0 updated" in text
    assert (
        "Exit 2024-06-10 (1 participant(s)): the 6, 12-month follow-ups have closed; only 24 months" in text
    )
    assert Participant.select().count() == 0
    stored = confirm(cora, steget)
    assert stored.status_code == 303 and stored.headers["Location"].endswith("/status")
    assert Participant.select().count() == 3
    event = AuditEvent.get(AuditEvent.action == "participants.imported")
    assert '"created": 3' in event.details and "people.csv" in event.details
    again = upload(cora, steget, GOOD.encode()).get_data(as_text=True)
    assert "0 new participant(s)" in again and "3 unchanged" in again


def test_a_confirmation_without_a_preview_stores_nothing(cora, steget):
    response = confirm(cora, steget)
    assert response.status_code == 303 and response.headers["Location"].endswith("/import")
    assert Participant.select().count() == 0


def test_an_xlsx_file_goes_through_the_same_validation(cora, steget):
    book = Workbook()
    sheet = book.active
    for line in GOOD.strip().split("\n"):
        sheet.append(line.split(";"))
    sheet.append(["ST-09", "not a date", "x@example.org", "", "sv", "G"])
    sheet.append(["ST-10", "2025-06-13", "x@example.org", "0812345678", "sv", "G"])
    sheet.append(["ST-11", "2025-06-13", "y@example", "", "sv", "G"])
    sheet.append(["ST-01", "2025-06-13", "z@example.org", "", "sv", "G"])
    content = io.BytesIO()
    book.save(content)
    response = upload(cora, steget, content.getvalue(), "people.xlsx")
    assert response.status_code == 400
    found = problem_rows(response.get_data(as_text=True))
    assert {line: column for line, (column, _) in found.items()} == {
        5: "exit_date",
        6: "phone",
        7: "email",
        8: "code",
    }
    assert "The code ST-01 is also on line 2" in found[8][1]
    book = Workbook()
    book.active.append(["code", "exit_date", "email"])
    book.active.append(["X1", at(2025, 6, 13).replace(tzinfo=None), "x1@example.org"])
    content = io.BytesIO()
    book.save(content)
    response = upload(cora, steget, content.getvalue(), "people.xlsx")
    assert response.status_code == 200 and "1 new participant(s)" in response.get_data(as_text=True)
    assert confirm(cora, steget).status_code == 303
    assert Participant.get().exit_date.isoformat() == "2025-06-13"
