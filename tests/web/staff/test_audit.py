import csv
import io

import pytest

from followup.accounts.audit import record
from followup.models import AuditEvent, Role
from tests.factories import make_programme, make_user, sign_in


@pytest.fixture(autouse=True)
def english(app):
    app.config["LANGUAGE"] = "en"


@pytest.fixture
def log(db, clock):
    a = make_programme(db, clock.now(), "A")
    b = make_programme(db, clock.now(), "=B")
    admin = make_user(db, clock.now(), "admin@example.org", Role.ADMIN, name="Admin")
    coordinator = make_user(db, clock.now(), "coord@example.org", Role.COORDINATOR, a, name="Cora")
    record(db, clock.now(), "contact.shown", coordinator, a, "P-A1")
    record(db, clock.now(), "contact.shown", admin, b, "-P-B1")
    return {"a": a, "b": b}


def test_an_admin_sees_every_programme_s_events(client, log):
    sign_in(client, "admin@example.org")
    page = client.get("/staff/audit").get_data(as_text=True)
    assert "P-A1" in page and "-P-B1" in page


def test_a_coordinator_sees_only_their_programmes(client, log):
    sign_in(client, "coord@example.org")
    page = client.get("/staff/audit").get_data(as_text=True)
    assert "P-A1" in page and "P-B1" not in page
    download = client.get("/staff/audit.csv").get_data(as_text=True)
    assert "P-A1" in download and "P-B1" not in download


def test_filters_by_user_action_and_date(client, log, clock):
    sign_in(client, "admin@example.org")
    cora = AuditEvent.select().where(AuditEvent.participant_code == "P-A1").get().user_id
    page = client.get(f"/staff/audit?user={cora}").get_data(as_text=True)
    assert "P-A1" in page and "P-B1" not in page
    page = client.get("/staff/audit?action=sign_in").get_data(as_text=True)
    assert "P-A1" not in page and "<td>sign_in</td>" in page
    page = client.get("/staff/audit?since=2030-01-01").get_data(as_text=True)
    assert "Nothing recorded for this choice." in page
    today = clock.now().date().isoformat()
    page = client.get(f"/staff/audit?since={today}&until={today}").get_data(as_text=True)
    assert "P-A1" in page


def test_a_bad_filter_is_a_400_page_not_a_traceback(client, log):
    sign_in(client, "admin@example.org")
    assert client.get("/staff/audit?since=yesterday").status_code == 400
    assert client.get("/staff/audit?user=abc").status_code == 400
    assert client.get("/staff/audit.csv?until=2026-13-01").status_code == 400


def test_the_csv_download_is_safe_to_open_and_is_itself_recorded(client, log):
    sign_in(client, "admin@example.org")
    response = client.get("/staff/audit.csv")
    assert response.mimetype == "text/csv"
    assert "attachment" in response.headers["Content-Disposition"]
    rows = list(csv.reader(io.StringIO(response.get_data(as_text=True))))
    assert rows[0] == ["time", "user", "action", "programme", "participant_code", "details"]
    cells = [cell for row in rows[1:] for cell in row]
    assert "'=B" in cells and "'-P-B1" in cells
    assert not any(cell.startswith(("=", "+", "-", "@")) for cell in cells)
    assert AuditEvent.select().where(AuditEvent.action == "audit.downloaded").count() == 1


def test_paging_goes_to_older_events(client, log, db, clock):
    for n in range(105):
        record(db, clock.now(), "sign_in", None, None, f"X{n:03d}")
    sign_in(client, "admin@example.org")
    first = client.get("/staff/audit").get_data(as_text=True)
    assert "X104" in first and "X003" not in first
    older = first.split('href="/staff/audit?before=')[1].split('"')[0]
    second = client.get(f"/staff/audit?before={older}").get_data(as_text=True)
    assert "X003" in second and "X104" not in second


def test_no_contact_details_in_the_log(client, db, clock, log, outbox):
    sign_in(client, "admin@example.org")
    details = " ".join(e.details for e in AuditEvent.select())
    assert "@" not in details
