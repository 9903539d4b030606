import re
from datetime import timedelta

import pytest

from followup.models import AuditEvent, Contact, Participant, Role
from tests.factories import (
    at,
    count_queries,
    csrf_of,
    make_participants,
    make_programme,
    make_user,
    run_tick,
    sign_in,
)


@pytest.fixture(autouse=True)
def english(app):
    app.config["LANGUAGE"] = "en"


@pytest.fixture
def steget(app, db, clock, outbox):
    """Steget with six people in two cohorts; the 6-month invitations went out; one e-mail bounced."""
    programme = make_programme(db, clock.now(), "Steget")
    rows = [f"S{n},2025-07-20,s{n}@example.org,,sv,Grupp {1 + n % 2}" for n in range(1, 6)]
    rows.append("S6,2025-07-20,,070-174 06 06,sv,Grupp 1")
    make_participants(db, clock.now(), programme, rows)
    clock.set(at(2026, 1, 21))
    run_tick(app, db, clock.now())
    contact = Contact.select().join(Participant).where(Participant.code == "S1").get()
    Contact.update(email_failed_at=clock.now(), email_problem="550 no such user").where(
        Contact.id == contact.id
    ).execute()
    make_user(db, clock.now(), "cora@example.org", Role.COORDINATOR, programme)
    return programme


@pytest.fixture
def cora(app, steget):
    client = app.test_client()
    sign_in(client, "cora@example.org")
    return client


def cells(page: str, label: str) -> list[str]:
    return re.findall(rf"<th scope=\"row\">{label}</th>\s*<td>[^<]*</td>(.*?)</tr>", page, re.S)


def test_status_counts_per_wave_and_cohort_with_links(cora, steget):
    page = cora.get(f"/staff/programmes/{steget.id}/status").get_data(as_text=True)
    assert "6 months" in page and "Grupp 1" in page and "Grupp 2" in page
    total = re.search(r'<tr class="total">\s*<th scope="row">6 months</th>(.*?)</tr>', page, re.S).group(1)
    numbers = re.findall(r'<td class="number">(?:<a [^>]*>)?([^<]+)', total)
    # invited, scheduled, sent, delivered, failed, bounced, opted out, skipped, answered, expired, rate
    assert numbers == ["6", "0", "6", "0", "0", "1", "0", "0", "0", "0", "0 %"]
    assert f"/staff/programmes/{steget.id}/participants?state=sent&amp;months=6" in page
    assert "S1</a>: e-mail (550 no such user)" in page
    # Sent on Wednesday 21 January at noon: the 7-day reminder to the five who can be reached (S1's
    # e-mail bounced); the 14-day one, at noon on 4 February, is just past the 14 days from now.
    day = '<tr><td>2026-01-28</td><td>6 months</td><td class="number">0</td><td class="number">5</td></tr>'
    assert day in page and "2026-02-04" not in page


def test_the_next_14_days(cora, db, clock, steget):
    # Due Sunday 25 January: it goes out when the send window opens on Monday, its reminder a week later.
    make_participants(db, clock.now(), steget, ["N1,2025-07-25,n1@example.org,,sv,Grupp 1"])
    page = cora.get(f"/staff/programmes/{steget.id}/status").get_data(as_text=True)
    day = '<tr><td>{}</td><td>6 months</td><td class="number">{}</td><td class="number">{}</td></tr>'
    assert day.format("2026-01-26", 1, 0) in page and day.format("2026-02-02", 0, 1) in page
    clock.set(at(2026, 3, 1))
    sign_in(cora, "cora@example.org")
    page = cora.get(f"/staff/programmes/{steget.id}/status").get_data(as_text=True)
    assert "No invitations or reminders go out in the next 14 days." in page


def test_the_list_filters_and_pages_by_code(cora, db, clock, steget):
    make_participants(
        db, clock.now(), steget, [f"Z{n:03d},2025-03-01,z{n}@example.org,,sv,Grupp 3" for n in range(60)]
    )
    page = cora.get(f"/staff/programmes/{steget.id}/participants").get_data(as_text=True)
    codes = re.findall(r'<th scope="row"><a [^>]*>([^<]+)</a>', page)
    assert codes[:6] == ["S1", "S2", "S3", "S4", "S5", "S6"] and len(codes) == 50
    following = re.search(r'href="([^"]+after=[^"]+)">Next page', page).group(1).replace("&amp;", "&")
    rest = re.findall(r'<th scope="row"><a [^>]*>([^<]+)</a>', cora.get(following).get_data(as_text=True))
    assert len(rest) == 16 and not set(rest) & set(codes)
    grupp2 = cora.get(f"/staff/programmes/{steget.id}/participants?cohort=Grupp+2").get_data(as_text=True)
    assert re.findall(r'<th scope="row"><a [^>]*>([^<]+)</a>', grupp2) == ["S1", "S3", "S5"]
    failed = cora.get(f"/staff/programmes/{steget.id}/participants?state=contact_failed").get_data(
        as_text=True
    )
    assert re.findall(r'<th scope="row"><a [^>]*>([^<]+)</a>', failed) == ["S1"]
    sent = cora.get(f"/staff/programmes/{steget.id}/participants?state=sent&months=6").get_data(as_text=True)
    assert len(re.findall(r'<th scope="row">', sent)) == 6
    assert cora.get(f"/staff/programmes/{steget.id}/participants?state=nonsense").status_code == 400


def test_the_participant_page_masks_contacts_until_asked_and_records_who_asked(cora, steget):
    path = f"/staff/programmes/{steget.id}/participants/S6"
    page = cora.get(path).get_data(as_text=True)
    assert "+46 70-*** ** 06" in page and "+46701740606" not in page
    assert "Invitation" in page
    shown = cora.post(f"{path}/contact", data={"csrf_token": csrf_of(cora.get("/staff/sign-in"))})
    assert "+46701740606" in shown.get_data(as_text=True)
    event = AuditEvent.get(AuditEvent.action == "contact.shown")
    assert event.participant_code == "S6" and "+46" not in event.details
    s1 = cora.get(f"/staff/programmes/{steget.id}/participants/S1").get_data(as_text=True)
    assert "s***@example.org" in s1 and "Contact not working" in s1


def test_another_programme_s_participant_is_404(app, db, clock, cora, steget):
    other = make_programme(db, clock.now(), "Annat")
    make_participants(db, clock.now(), other, ["X1,2025-07-20,x1@example.org,,sv,G"])
    assert cora.get(f"/staff/programmes/{other.id}/participants/X1").status_code == 404
    assert cora.get(f"/staff/programmes/{steget.id}/participants/X1").status_code == 404
    assert cora.get(f"/staff/programmes/{other.id}/status").status_code == 404


@pytest.mark.parametrize("path", ["status", "participants", "participants?state=sent&months=6"])
def test_queries_per_page_do_not_grow_with_participants(app, db, clock, monkeypatch, path):
    programme = make_programme(db, clock.now(), "Stor")
    make_user(db, clock.now(), "cora@example.org", Role.COORDINATOR, programme)
    client = app.test_client()
    sign_in(client, "cora@example.org")
    counts = []
    for size in (10, 1000):
        start = Participant.select().count()
        rows = [
            f"Q{start + n:05d},2025-07-20,q{start + n}@example.org,,sv,G{n % 3}" for n in range(size - start)
        ]
        make_participants(db, clock.now(), programme, rows)
        run_tick(app, db, clock.now() + timedelta(days=200))
        seen = count_queries(app.extensions["followup"].db, monkeypatch)
        assert client.get(f"/staff/programmes/{programme.id}/{path}").status_code == 200
        counts.append(len(seen))
        monkeypatch.undo()
    assert counts[0] == counts[1], counts
