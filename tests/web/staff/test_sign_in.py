import re
from datetime import timedelta

import pyotp
import pytest

from followup.models import AuditEvent, StaffSession, User
from tests.factories import PASSWORD, csrf_of, make_programme, make_user, sign_in


@pytest.fixture(autouse=True)
def english(app):
    app.config["LANGUAGE"] = "en"


def events():
    return [e.action for e in AuditEvent.select().order_by(AuditEvent.id)]


@pytest.mark.parametrize("path", ["/login", "/admin", "/staff", "/staff/"])
def test_guessed_addresses_lead_to_sign_in(client, db, path):
    response = client.get(path, follow_redirects=True)
    assert response.status_code == 200
    assert response.request.path == "/staff/sign-in"
    assert "Sign in to followup" in response.get_data(as_text=True)


def test_an_unknown_staff_address_says_so_in_the_workspace(client, db):
    response = client.get("/staff/nothing-here")
    assert response.status_code == 404
    assert "does not exist" in response.get_data(as_text=True)
    assert "survey" not in response.get_data(as_text=True)


def test_the_pages_are_swedish_first(app, client, db):
    app.config["LANGUAGE"] = "sv"
    assert "Logga in" in client.get("/staff/sign-in").get_data(as_text=True)


def test_sign_in_with_password_reaches_the_workspace(client, db, clock):
    make_user(db, clock.now())
    response = sign_in(client)
    assert response.status_code == 303 and response.headers["Location"] == "/staff/"
    page = client.get("/staff/")
    assert page.status_code == 200 and "Programmes" in page.get_data(as_text=True)
    assert User.get().last_sign_in_at == clock.now()
    assert events() == ["sign_in"]


def test_a_wrong_password_and_an_unknown_address_get_the_same_answer(client, db, clock):
    make_user(db, clock.now())
    wrong = sign_in(client, password="not the password at all")
    unknown = sign_in(client, email="nobody@example.org")
    for response in (wrong, unknown):
        assert response.status_code == 200
        assert "The e-mail address or the password is not right." in response.get_data(as_text=True)
    assert client.get("/staff/").status_code == 303
    assert events() == ["sign_in.failed", "sign_in.failed"]
    assert AuditEvent.select().where(AuditEvent.details.contains("@")).count() == 0


def test_an_inactive_account_cannot_sign_in(client, db, clock):
    user = make_user(db, clock.now())
    User.update(active=False).where(User.id == user.id).execute()
    assert sign_in(client).status_code == 200
    assert client.get("/staff/").status_code == 303


def test_the_staff_cookie_is_its_own_strict_httponly_cookie(client, db, clock):
    make_user(db, clock.now())
    client.get("/")  # a participant page
    response = sign_in(client)
    cookie = [c for c in response.headers.getlist("Set-Cookie") if c.startswith("followup_staff=")][-1]
    assert "HttpOnly" in cookie and "SameSite=Strict" in cookie and "Path=/staff" in cookie
    assert "Secure" not in cookie
    assert not any(c.startswith("session=") for c in response.headers.getlist("Set-Cookie"))


def test_the_session_id_changes_at_sign_in_and_sign_out_ends_it_on_the_server(client, db, clock):
    make_user(db, clock.now())
    client.get("/staff/sign-in")
    before = client.get_cookie("followup_staff", path="/staff").value
    sign_in(client)
    signed_in = client.get_cookie("followup_staff", path="/staff").value
    assert signed_in != before
    page = client.get("/staff/")
    client.post("/staff/sign-out", data={"csrf_token": csrf_of(page)})
    assert StaffSession.select().count() == 0
    # The old cookie, replayed, signs no one in.
    client.set_cookie("followup_staff", signed_in, path="/staff")
    assert client.get("/staff/").status_code == 303
    assert events() == ["sign_in", "sign_out"]


def test_idle_and_absolute_timeouts(app, client, db, clock):
    make_user(db, clock.now())
    sign_in(client)
    clock.set(clock.now() + timedelta(minutes=29))
    assert client.get("/staff/").status_code == 200
    clock.set(clock.now() + timedelta(minutes=31))
    assert client.get("/staff/").status_code == 303
    app.config["STAFF_LIFETIME_HOURS"] = 1
    sign_in(client)
    for _ in range(3):
        clock.set(clock.now() + timedelta(minutes=20))
        assert client.get("/staff/").status_code == 200
    clock.set(clock.now() + timedelta(minutes=1))
    assert client.get("/staff/").status_code == 303


def test_after_sign_in_the_page_asked_for_opens(client, db, clock):
    make_user(db, clock.now())
    first = client.get("/staff/users")
    assert first.status_code == 303 and "next=/staff/users" in first.headers["Location"]
    page = client.get(first.headers["Location"])
    response = client.post(
        first.headers["Location"],
        data={"csrf_token": csrf_of(page), "email": "anna@example.org", "password": PASSWORD},
    )
    assert response.headers["Location"] == "/staff/users"


def test_next_never_leads_off_the_site(client, db, clock):
    make_user(db, clock.now())
    page = client.get("/staff/sign-in")
    response = client.post(
        "/staff/sign-in?next=//evil.example.org/",
        data={"csrf_token": csrf_of(page), "email": "anna@example.org", "password": PASSWORD},
    )
    assert response.headers["Location"] == "/staff/"


def set_up_totp(client, clock):
    page = client.get("/staff/second-factor/set-up")
    text = page.get_data(as_text=True)
    assert "<svg" in text
    secret = re.search(r"<code>([A-Z2-7]+)</code>", text).group(1)
    response = client.post(
        "/staff/second-factor/set-up",
        data={"csrf_token": csrf_of(page), "code": pyotp.TOTP(secret).at(clock.now())},
    )
    assert response.status_code == 200
    codes = re.findall(r"<li><code>([0-9a-f-]+)</code></li>", response.get_data(as_text=True))
    return secret, codes


def second_step(client, code):
    page = client.get("/staff/second-factor")
    return client.post("/staff/second-factor", data={"csrf_token": csrf_of(page), "code": code})


def test_with_totp_set_up_the_code_is_asked_for_after_the_password(client, db, clock):
    make_user(db, clock.now())
    sign_in(client)
    secret, codes = set_up_totp(client, clock)
    assert len(codes) == 10
    page = client.get("/staff/")
    client.post("/staff/sign-out", data={"csrf_token": csrf_of(page)})

    clock.set(clock.now() + timedelta(minutes=2))
    response = sign_in(client)
    assert response.headers["Location"].startswith("/staff/second-factor")
    assert client.get("/staff/").status_code == 303  # not yet
    wrong = second_step(client, "000000" if pyotp.TOTP(secret).at(clock.now()) != "000000" else "111111")
    assert "not right" in wrong.get_data(as_text=True)
    right = second_step(client, pyotp.TOTP(secret).at(clock.now()))
    assert right.status_code == 303
    assert client.get("/staff/").status_code == 200
    assert "sign_in.second_factor_failed" in events()


def test_a_recovery_code_stands_in_once(client, db, clock):
    make_user(db, clock.now())
    sign_in(client)
    _secret, codes = set_up_totp(client, clock)
    for attempt in range(2):
        client.post("/staff/sign-out", data={"csrf_token": csrf_of(client.get("/staff/"))})
        sign_in(client)
        response = second_step(client, codes[0])
        assert (response.status_code == 303) == (attempt == 0)


def test_production_asks_every_account_to_set_up_the_second_factor(app, client, db, clock):
    app.config["ENV"] = "production"
    make_user(db, clock.now())
    response = sign_in(client)
    assert response.headers["Location"].startswith("/staff/second-factor/set-up")
    assert client.get("/staff/").status_code == 303
    set_up_totp(client, clock)
    assert client.get("/staff/").status_code == 200


def test_someone_with_only_the_password_cannot_replace_the_second_factor(client, db, clock):
    make_user(db, clock.now())
    sign_in(client)
    set_up_totp(client, clock)
    client.post("/staff/sign-out", data={"csrf_token": csrf_of(client.get("/staff/"))})
    sign_in(client)
    assert client.get("/staff/second-factor/set-up").headers["Location"] == "/staff/second-factor"


def test_forgotten_password_sends_a_link_that_works_once_for_an_hour(client, db, clock, outbox):
    make_user(db, clock.now())
    for email in ("anna@example.org", "nobody@example.org"):
        page = client.get("/staff/forgot-password")
        response = client.post("/staff/forgot-password", data={"csrf_token": csrf_of(page), "email": email})
        assert response.status_code == 200
        assert "If there is an account for that address" in response.get_data(as_text=True)
    [mail] = outbox.emails()
    assert mail["To"] == "anna@example.org"
    link = re.search(r"http://localhost(/staff/password/\S+)", mail.get_body(("plain",)).get_content()).group(
        1
    )
    page = client.get(link)
    new = "cloudberry meadow 2026"
    response = client.post(link, data={"csrf_token": csrf_of(page), "password": new, "repeat": new})
    assert response.status_code == 303
    assert sign_in(client, password=new).status_code == 303
    assert client.get(link).status_code == 404  # used
    assert "password.reset_requested" in events() and "password.set" in events()


def test_a_reset_link_older_than_an_hour_does_not_work(client, db, clock, outbox):
    make_user(db, clock.now())
    page = client.get("/staff/forgot-password")
    client.post("/staff/forgot-password", data={"csrf_token": csrf_of(page), "email": "anna@example.org"})
    link = re.search(r"(/staff/password/\S+)", outbox.emails()[0].get_body(("plain",)).get_content()).group(1)
    clock.set(clock.now() + timedelta(minutes=61))
    assert client.get(link).status_code == 404


def test_a_weak_password_is_refused_and_the_link_kept(client, db, clock, runner):
    result = runner.invoke(args=["users", "create", "first@example.org", "--role", "admin"])
    link = result.output.strip().splitlines()[-1].removeprefix("http://localhost")
    page = client.get(link)
    assert page.status_code == 200
    for weak in ("short", "1q2w3e4r5t6y"):
        response = client.post(link, data={"csrf_token": csrf_of(page), "password": weak, "repeat": weak})
        assert response.status_code == 200
    assert "at least 12" in client.post(
        link, data={"csrf_token": csrf_of(page), "password": "short", "repeat": "short"}
    ).get_data(as_text=True)
    good = "cloudberry meadow 2026"
    assert (
        client.post(link, data={"csrf_token": csrf_of(page), "password": good, "repeat": good}).status_code
        == 303
    )
    assert sign_in(client, "first@example.org", good).status_code == 303


def test_an_admin_invites_a_coordinator_by_e_mail(client, db, clock, outbox):
    programme = make_programme(db, clock.now(), "Steget")
    make_user(db, clock.now())
    sign_in(client)
    page = client.get("/staff/users")
    response = client.post(
        "/staff/users",
        data={
            "csrf_token": csrf_of(page),
            "email": "bo@example.org",
            "display_name": "Bo",
            "role": "coordinator",
            "programme": programme.id,
        },
    )
    assert response.status_code == 303
    [mail] = outbox.emails()
    assert mail["To"] == "bo@example.org"
    assert "/staff/password/" in mail.get_body(("plain",)).get_content()
    assert "user.invited" in events()
    again = client.post(
        "/staff/users",
        data={
            "csrf_token": csrf_of(page),
            "email": "BO@example.org",
            "role": "coordinator",
            "programme": programme.id,
        },
    )
    assert again.status_code == 400 and "already" in again.get_data(as_text=True)


def test_an_admin_stops_an_account_and_its_sessions_end(app, db, clock):
    make_user(db, clock.now())
    make_user(db, clock.now(), "bo@example.org")
    admin, other = app.test_client(), app.test_client()
    sign_in(admin)
    sign_in(other, "bo@example.org")
    bo = User.get(User.email == "bo@example.org")
    page = admin.get("/staff/users")
    response = admin.post(f"/staff/users/{bo.id}/active", data={"csrf_token": csrf_of(page), "active": "0"})
    assert response.status_code == 303
    assert other.get("/staff/").status_code == 303
    assert "user.deactivated" in events()


def test_in_production_the_staff_cookie_is_secure(database_url, tmp_path, clock, db):
    from followup import create_app

    app = create_app(
        {
            "ENV": "production",
            "DATABASE_URL": database_url,
            "INSTANCE_PATH": str(tmp_path / "instance"),
            "SECRET_KEY": "a-test-secret-that-is-long-enough-for-tests",
            "BASE_URL": "https://followup.example.org",
            "CLOCK": clock,
        }
    )
    response = app.test_client().get("/staff/sign-in", base_url="https://followup.example.org")
    cookie = response.headers["Set-Cookie"]
    assert cookie.startswith("followup_staff=")
    assert "Secure" in cookie and "HttpOnly" in cookie and "SameSite=Strict" in cookie
    app.extensions["followup"].db.close_all()
