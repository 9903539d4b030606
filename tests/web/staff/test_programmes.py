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
