import json
import re
from datetime import date

import pytest

from followup.models import AuditEvent, Invitation, Programme, Role, Wave
from tests.factories import at, csrf_of, make_participants, make_programme, make_user, sign_in


@pytest.fixture(autouse=True)
def english(app):
    app.config["LANGUAGE"] = "en"


@pytest.fixture
def coordinator(app, db, clock):
    steget = make_programme(db, clock.now(), "Steget")
    make_user(db, clock.now(), "cora@example.org", Role.COORDINATOR, steget)
    client = app.test_client()
    sign_in(client, "cora@example.org")
    return client


def test_a_coordinator_creates_a_programme_and_coordinates_it(coordinator, db):
    page = coordinator.get("/staff/programmes/new")
    form = {
        "csrf_token": csrf_of(page),
        "name": "Steget Fram",
        "waves": "6,12",
        "window_days": "45",
        "channel_policy": "email_only",
        "reminders": "7",
    }
    response = coordinator.post("/staff/programmes/new", data=form)
    assert response.status_code == 303
    created = Programme.get(Programme.name == "Steget Fram")
    assert [w.offset_months for w in created.waves.order_by(Wave.offset_months)] == [6, 12]
    assert coordinator.get(response.headers["Location"]).status_code == 200
    assert AuditEvent.get(AuditEvent.action == "programme.created").programme_id == created.id
    again = coordinator.post("/staff/programmes/new", data=form)
    assert again.status_code == 400 and "already" in again.get_data(as_text=True)


@pytest.mark.parametrize(
    "change", [{"waves": "six"}, {"window_days": "0"}, {"reminders": "7,200"}, {"name": ""}, {"waves": "0"}]
)
def test_a_wrong_programme_form_says_what_is_wrong(coordinator, change):
    page = coordinator.get("/staff/programmes/new")
    form = {
        "csrf_token": csrf_of(page),
        "name": "X",
        "waves": "6",
        "window_days": "60",
        "reminders": "7",
        **change,
    }
    form["channel_policy"] = "both"
    response = coordinator.post("/staff/programmes/new", data=form)
    assert response.status_code == 400
    assert Programme.select().count() == 1


def test_the_preview_calendar_skips_weekends_and_holidays(coordinator, db):
    steget = Programme.get(Programme.name == "Steget")
    # Exit 2025-06-24: six months on is Christmas Eve 2025, a Swedish de facto holiday; the 25th and 26th
    # are public holidays and the 27th-28th a weekend, so the invitation waits until Monday the 29th.
    page = coordinator.get(f"/staff/programmes/{steget.id}?exit=2025-06-24").get_data(as_text=True)
    assert "2025-12-29 09:00" in page
    assert coordinator.get(f"/staff/programmes/{steget.id}?exit=not-a-date").status_code == 400


def test_a_plan_change_says_how_many_invitations_it_affects_then_replans_only_unsent(coordinator, db, clock):
    steget = Programme.get(Programme.name == "Steget")
    make_participants(
        db, clock.now(), steget, ["A,2025-07-01,a@example.org,,sv,G", "B,2025-10-01,b@example.org,,sv,G"]
    )
    sent = Invitation.select().join(Wave).where(Wave.offset_months == 6).order_by(Invitation.due_at).first()
    Invitation.update(state=Invitation.SENT, sent_at=clock.now()).where(Invitation.id == sent.id).execute()
    before_sent = Invitation.get_by_id(sent.id).expires_at
    path = f"/staff/programmes/{steget.id}/plan"
    page = coordinator.get(path)
    form = {
        "csrf_token": csrf_of(page),
        "waves": "6,12,24,36",
        "window_days": "30",
        "channel_policy": "email_then_sms",
        "reminders": "7,14",
    }
    shown = coordinator.post(path, data=form)
    text = shown.get_data(as_text=True)
    # 5 unsent invitations get the new window, and 2 new ones for the 36-month wave.
    assert "This change affects 7 invitation(s) not yet sent" in text
    assert Wave.select().where(Wave.programme == steget).count() == 3
    confirm = text.split('name="confirm" type="hidden" value="')[1].split('"')[0]
    saved = coordinator.post(path, data={**form, "confirm": confirm})
    assert saved.status_code == 303
    assert Invitation.get_by_id(sent.id).expires_at == before_sent
    for invitation in Invitation.select().where(Invitation.state == Invitation.SCHEDULED):
        assert (invitation.expires_at - invitation.due_at).days == 30
    assert Invitation.select().count() == 8
    assert AuditEvent.get(AuditEvent.action == "plan.changed").details.count("before") == 1


def test_a_confirmation_for_another_plan_is_counted_again(coordinator, db):
    steget = Programme.get(Programme.name == "Steget")
    path = f"/staff/programmes/{steget.id}/plan"
    page = coordinator.get(path)
    form = {"csrf_token": csrf_of(page), "waves": "6,12,24", "window_days": "30", "channel_policy": "both"}
    text = coordinator.post(path, data=form).get_data(as_text=True)
    confirm = text.split('name="confirm" type="hidden" value="')[1].split('"')[0]
    response = coordinator.post(path, data={**form, "window_days": "20", "confirm": confirm})
    assert response.status_code == 200 and "affects" in response.get_data(as_text=True)
    assert Wave.get(Wave.programme == steget).window_days == 60


def test_removing_a_wave_is_refused(coordinator, db):
    steget = Programme.get(Programme.name == "Steget")
    path = f"/staff/programmes/{steget.id}/plan"
    page = coordinator.get(path)
    form = {"csrf_token": csrf_of(page), "waves": "6,12", "window_days": "60", "channel_policy": "both"}
    assert coordinator.post(path, data=form).status_code == 400


def test_preview_runs_on_the_scheduler_s_due_moments(db, clock):
    from zoneinfo import ZoneInfo

    from followup.plan.calendar import preview
    from followup.plan.scheduling import due_at
    from followup.sending.quiet_hours import parse_window

    zone = ZoneInfo("Europe/Stockholm")
    programme = make_programme(db, clock.now(), "P")
    window = parse_window("mon-fri", "09:00-19:00", "SE", zone)
    sends = preview(programme, date(2025, 3, 3), zone, 10, window)
    assert sends[0].due == due_at(date(2025, 3, 3), 6, zone, 10)
    assert sends[0].goes_out == at(2025, 9, 3, 10)  # a Wednesday
    assert [s.kind for s in sends[:3]] == ["invitation", "reminder", "reminder"]
    assert all(window.is_open(s.goes_out) for s in sends)


# --- the programme list and the programme's details ---------------------------------------------

DETAILS = {
    "organisation": "Samordningsförbundet Exempel",
    "contact_email": "uppfoljning@example.org",
    "contact_phone": "0650-55 55 55",
    "sender_name": "Steget, Bollnäs",
    "privacy_controller": "Samordningsförbundet Exempel, Box 1, 821 00 Bollnäs",
    "privacy_purpose": "To learn how participants are doing.",
    "privacy_legal_basis": "Public interest.",
    "privacy_retention": "Until the last follow-up.",
    "privacy_rights": "See, correct, erase.",
    "privacy_dpo": "dso@example.org",
}


def test_the_programme_list_shows_a_coordinator_theirs_and_an_admin_all(app, coordinator, db, clock):
    steget = Programme.get(Programme.name == "Steget")
    other = make_programme(db, clock.now(), "Annan insats", offsets=(3,))
    make_participants(
        db, clock.now(), steget, ["A,2025-07-01,a@example.org,,sv,G1", "B,2025-07-01,b@example.org,,sv,G2"]
    )
    page = coordinator.get("/staff/programmes")
    html = page.get_data(as_text=True)
    assert page.status_code == 200
    assert f'href="/staff/programmes/{steget.id}/status"' in html and "Annan insats" not in html
    row = html.split(f'href="/staff/programmes/{steget.id}"')[1].split("</tr>")[0]
    assert [cell for cell in re.findall(r"<td>([^<]*)</td>", row)] == ["—", "2", "2", "6, 12, 24"]
    assert 'href="/staff/programmes"' in coordinator.get("/staff/").get_data(as_text=True)

    make_user(db, clock.now(), "admin@example.org", Role.ADMIN)
    admin = app.test_client()
    sign_in(admin, "admin@example.org")
    html = admin.get("/staff/programmes").get_data(as_text=True)
    assert f'href="/staff/programmes/{other.id}/status"' in html and "Steget" in html


def test_a_coordinator_sets_the_organiser_and_the_notice(coordinator, db):
    steget = Programme.get(Programme.name == "Steget")
    path = f"/staff/programmes/{steget.id}/details"
    page = coordinator.get(path)
    assert page.status_code == 200 and 'value="Steget"' in page.get_data(as_text=True)
    saved = coordinator.post(path, data={"csrf_token": csrf_of(page), "name": "Steget", **DETAILS})
    assert saved.status_code == 303
    stored = Programme.get_by_id(steget.id)
    assert (stored.organisation, stored.contact_phone, stored.sender_name) == (
        "Samordningsförbundet Exempel",
        "+46650555555",
        "Steget, Bollnäs",
    )
    shown = coordinator.get(saved.headers["Location"]).get_data(as_text=True)
    assert "0650-55 55 55" in shown and f'href="/integritet/{steget.id}"' in shown
    event = AuditEvent.get(AuditEvent.action == "programme.details_changed")
    details = json.loads(event.details)
    assert event.programme_id == steget.id
    assert details["before"] == {"organisation": "", "sender_name": ""}
    assert details["after"] == {
        "organisation": "Samordningsförbundet Exempel",
        "sender_name": "Steget, Bollnäs",
    }
    assert "contact_email" in details["changed"] and "privacy_dpo" in details["changed"]
    assert "@" not in event.details and "555" not in event.details  # no e-mail address, no phone number
    # The same form again changes nothing and logs nothing.
    again = coordinator.post(path, data={"csrf_token": csrf_of(page), "name": "Steget", **DETAILS})
    assert again.status_code == 303
    assert AuditEvent.select().where(AuditEvent.action == "programme.details_changed").count() == 1


def test_wrong_details_are_shown_by_their_fields_and_nothing_is_stored(coordinator, db, clock):
    steget = Programme.get(Programme.name == "Steget")
    make_programme(db, clock.now(), "Steget Fram")
    path = f"/staff/programmes/{steget.id}/details"
    page = coordinator.get(path)
    wrong = {
        **DETAILS,
        "contact_email": "uppfoljning",
        "contact_phone": "12",
        "privacy_rights": "",
    }
    response = coordinator.post(path, data={"csrf_token": csrf_of(page), "name": "Steget", **wrong})
    html = response.get_data(as_text=True)
    assert response.status_code == 400
    for field in ("contact_email", "contact_phone", "privacy_rights"):
        assert f'id="{field}-error"' in html and f'aria-describedby="{field}-error"' in html
    assert 'id="organisation-error"' not in html
    assert "The e-mail address is not valid" in html and "A privacy notice needs this part too." in html
    assert 'value="uppfoljning"' in html  # what was typed stays, to be corrected
    taken = coordinator.post(path, data={"csrf_token": csrf_of(page), "name": "Steget Fram", **DETAILS})
    assert taken.status_code == 400 and 'id="name-error"' in taken.get_data(as_text=True)
    assert Programme.get_by_id(steget.id).organisation == ""
    assert Programme.get_by_id(steget.id).name == "Steget"
    assert not AuditEvent.select().where(AuditEvent.action == "programme.details_changed").exists()


def test_a_new_programme_can_name_its_organiser_at_once(coordinator, db):
    page = coordinator.get("/staff/programmes/new")
    form = {
        "csrf_token": csrf_of(page),
        "name": "Steget Fram",
        "waves": "6,12",
        "window_days": "45",
        "channel_policy": "email_only",
        "reminders": "7",
    }
    wrong = coordinator.post("/staff/programmes/new", data={**form, "contact_email": "a@example.org"})
    assert wrong.status_code == 400 and 'id="organisation-error"' in wrong.get_data(as_text=True)
    assert not Programme.select().where(Programme.name == "Steget Fram").exists()
    created = coordinator.post("/staff/programmes/new", data={**form, **DETAILS})
    assert created.status_code == 303
    programme = Programme.get(Programme.name == "Steget Fram")
    assert (programme.organisation, programme.privacy_dpo) == (
        "Samordningsförbundet Exempel",
        "dso@example.org",
    )
    logged = json.loads(AuditEvent.get(AuditEvent.action == "programme.created").details)
    assert logged["details"]["organisation"] == "Samordningsförbundet Exempel"
    assert "contact_email" in logged["details"]["given"]
    assert "@" not in json.dumps(logged)
