"""Bad input to the staff workspace: forged forms, wrong codes, replayed links, other people's ids."""

import re
from datetime import timedelta

import pyotp
import pytest

from followup.accounts.sessions import start_session
from followup.models import Role, User
from tests.badinput.conftest import assert_no_traceback
from tests.factories import PASSWORD, csrf_of, make_programme, make_user, sign_in


@pytest.fixture(autouse=True)
def english(app):
    app.config["LANGUAGE"] = "en"


@pytest.fixture
def admin_client(app, db, clock):
    make_user(db, clock.now())
    client = app.test_client()
    sign_in(client)
    return client


def check(response, status):
    text = response.get_data(as_text=True)
    assert response.status_code == status, text[:300]
    assert_no_traceback(text)
    return text


@pytest.mark.parametrize("token", [None, "", "forged", "a" * 5000])
def test_a_sign_in_with_a_forged_csrf_token_is_refused_and_changes_nothing(
    client, db, clock, unchanged, token
):
    make_user(db, clock.now())
    data = {"email": "anna@example.org", "password": PASSWORD}
    if token is not None:
        data["csrf_token"] = token
    with unchanged(db):
        text = check(client.post("/staff/sign-in", data=data), 400)
    assert "The form could not be used" in text
    assert client.get("/staff/").status_code == 303


def test_a_token_from_the_participant_cookie_is_not_a_staff_token(client, db, clock, unchanged):
    make_user(db, clock.now())
    participant_token = re.search(
        r'name="csrf_token" value="([^"]+)"', client.get("/").get_data(as_text=True)
    )
    token = participant_token.group(1) if participant_token else "none"
    with unchanged(db):
        check(
            client.post(
                "/staff/sign-in",
                data={"csrf_token": token, "email": "anna@example.org", "password": PASSWORD},
            ),
            400,
        )


def test_forged_posts_by_a_signed_in_admin_change_nothing(admin_client, db, clock, unchanged):
    programme = make_programme(db, clock.now(), "Steget")
    other = make_user(db, clock.now(), "bo@example.org")
    with unchanged(db):
        check(admin_client.post(f"/staff/users/{other.id}/active", data={"active": "0"}), 400)
        check(
            admin_client.post(
                "/staff/users",
                data={
                    "csrf_token": "forged",
                    "email": "x@example.org",
                    "role": "coordinator",
                    "programme": programme.id,
                },
            ),
            400,
        )
        check(admin_client.post("/staff/sign-out", data={}), 400)
    assert admin_client.get("/staff/").status_code == 200


@pytest.mark.parametrize(
    "form",
    [
        {"email": "not an address", "role": "coordinator", "programme": "0"},
        {"email": "x@example.org", "role": "owner", "programme": "0"},
        {"email": "x@example.org", "role": "coordinator", "programme": "0"},
        {"email": "x@example.org", "role": "coordinator", "programme": "999999"},
        {"email": "x@example.org", "role": "coordinator", "programme": "abc"},
        {"email": "x" * 300 + "@example.org", "role": "admin", "programme": "0"},
    ],
)
def test_a_bad_invitation_is_a_form_error(admin_client, db, unchanged, form):
    page = admin_client.get("/staff/users")
    with unchanged(db):
        check(admin_client.post("/staff/users", data={"csrf_token": csrf_of(page), **form}), 400)


def test_unknown_user_ids_are_404(admin_client, db, unchanged):
    page = admin_client.get("/staff/users")
    with unchanged(db):
        check(
            admin_client.post(
                "/staff/users/999999/active", data={"csrf_token": csrf_of(page), "active": "0"}
            ),
            404,
        )
        check(admin_client.post("/staff/users/abc/active", data={"csrf_token": csrf_of(page)}), 404)


def test_an_admin_cannot_stop_their_own_account(admin_client, db, unchanged):
    page = admin_client.get("/staff/users")
    me = User.get(User.email == "anna@example.org")
    with unchanged(db):
        check(
            admin_client.post(
                f"/staff/users/{me.id}/active", data={"csrf_token": csrf_of(page), "active": "0"}
            ),
            400,
        )


def test_wrong_second_factor_codes_never_sign_in(app, client, db, clock):
    user = make_user(db, clock.now())
    secret = pyotp.random_base32()
    User.update(totp_secret=secret, totp_confirmed_at=clock.now()).where(User.id == user.id).execute()
    sign_in(client)
    right = pyotp.TOTP(secret).at(clock.now())
    for code in [
        "",
        "12345",
        "1234567",
        "abcdef",
        "ｘ" * 6,
        "9" * 32,
        right[::-1] if right[::-1] != right else "0",
    ]:
        page = client.get("/staff/second-factor")
        response = client.post("/staff/second-factor", data={"csrf_token": csrf_of(page), "code": code})
        assert response.status_code in (200, 429)
        assert_no_traceback(response.get_data(as_text=True))
    assert client.get("/staff/").status_code == 303
    assert response.status_code == 429  # five failures, then a pause


def test_a_code_from_an_old_step_is_refused(client, db, clock):
    user = make_user(db, clock.now())
    secret = pyotp.random_base32()
    User.update(totp_secret=secret, totp_confirmed_at=clock.now()).where(User.id == user.id).execute()
    sign_in(client)
    page = client.get("/staff/second-factor")
    stale = pyotp.TOTP(secret).at(clock.now() - timedelta(minutes=3))
    text = check(client.post("/staff/second-factor", data={"csrf_token": csrf_of(page), "code": stale}), 200)
    assert "not right" in text


def test_a_replayed_reset_link_is_refused_and_changes_nothing(client, db, clock, outbox, unchanged):
    make_user(db, clock.now())
    page = client.get("/staff/forgot-password")
    client.post("/staff/forgot-password", data={"csrf_token": csrf_of(page), "email": "anna@example.org"})
    link = re.search(r"(/staff/password/\S+)", outbox.emails()[0].get_body(("plain",)).get_content()).group(1)
    page = client.get(link)
    new = "cloudberry meadow 2026"
    assert (
        client.post(link, data={"csrf_token": csrf_of(page), "password": new, "repeat": new}).status_code
        == 303
    )
    with unchanged(db):
        text = check(
            client.post(link, data={"csrf_token": csrf_of(page), "password": "x" * 20, "repeat": "x" * 20}),
            404,
        )
        assert "does not work" in text
        check(client.get(link), 404)
        check(client.get("/staff/password/" + "A" * 3000), 404)


def test_a_tampered_staff_cookie_signs_no_one_in(app, client, db, clock):
    user = make_user(db, clock.now(), role=Role.ADMIN)
    token = start_session(db, clock.now(), user, verified=True)
    client.set_cookie("followup_staff", token, path="/staff")  # unsigned: not our cookie
    check(client.get("/staff/"), 303)
    client.set_cookie("followup_staff", "eyJzdGFmZiI6IngifQ.bad.sig", path="/staff")
    check(client.get("/staff/"), 303)


@pytest.mark.parametrize(
    "path", ["/staff/%00", "/staff/../etc/passwd", "/staff/users/1e9/active", "/staff/" + "a" * 5000]
)
def test_odd_addresses_are_plain_404s(client, db, path):
    check(client.get(path), 404)


@pytest.fixture
def coordinator(app, db, clock):
    programme = make_programme(db, clock.now(), "Steget")
    make_user(db, clock.now(), "cora@example.org", Role.COORDINATOR, programme)
    client = app.test_client()
    sign_in(client, "cora@example.org")
    return client, programme


BOUNDARY = "followup-test-boundary"


def multipart(token: str, content: bytes, name: str) -> bytes:
    """Return a multipart body made in memory: the test client spools a file part over 500 KB to a
    temporary file of its own that it never closes when the body is not read to the end."""
    head = (
        f'--{BOUNDARY}\r\nContent-Disposition: form-data; name="csrf_token"\r\n\r\n{token}\r\n'
        f'--{BOUNDARY}\r\nContent-Disposition: form-data; name="file"; filename="{name}"\r\n'
        "Content-Type: application/octet-stream\r\n\r\n"
    )
    return head.encode() + content + f"\r\n--{BOUNDARY}--\r\n".encode()


def post_file(client, programme, content: bytes, name: str):
    page = client.get(f"/staff/programmes/{programme.id}/import")
    return client.post(
        f"/staff/programmes/{programme.id}/import",
        data=multipart(csrf_of(page), content, name),
        content_type=f"multipart/form-data; boundary={BOUNDARY}",
    )


@pytest.mark.parametrize(
    ("content", "name", "message"),
    [
        (b"PK\x03\x04 this is no zip", "people.xlsx", "not an Excel workbook"),
        (b"\x00\x01\x02 random bytes", "people.xlsx", "not an Excel workbook"),
        (b"\xff\xfe not utf-8 \xff", "people.csv", "CSV UTF-8"),
        (("exit_date," + ",".join(f"c{n}" for n in range(100_000)) + "\n").encode(), "bomb.csv", "problem"),
        (b"", "empty.csv", "problem"),
        (b"code,exit_date\n", "people.exe", "Choose a CSV or Excel"),
    ],
)
def test_malformed_uploads_are_refused_and_change_nothing(coordinator, db, unchanged, content, name, message):
    client, programme = coordinator
    with unchanged(db):
        text = check(post_file(client, programme, content, name), 400)
    assert message in text


def test_a_50_mb_upload_is_refused_before_it_is_read(coordinator, db, unchanged):
    client, programme = coordinator
    with unchanged(db):
        text = check(post_file(client, programme, b"a" * (50 * 1024 * 1024), "big.csv"), 413)
    assert "too large" in text


def test_another_programme_s_import_is_404(coordinator, db, clock, unchanged):
    client, _programme = coordinator
    other = make_programme(db, clock.now(), "Annat")
    with unchanged(db):
        check(post_file(client, other, b"code,exit_date,email\nX,2025-06-13,x@example.org\n", "p.csv"), 404)
        token = csrf_of(client.get("/staff/sign-in"))
        check(client.post(f"/staff/programmes/{other.id}/import/confirm", data={"csrf_token": token}), 404)
        check(client.get(f"/staff/programmes/{other.id}/participants/X"), 404)
        check(client.get(f"/staff/programmes/{other.id}/plan"), 404)
        check(client.get("/staff/programmes/999999/status"), 404)


def test_an_upload_previewed_for_one_programme_cannot_be_confirmed_into_another(app, db, clock, unchanged):
    a = make_programme(db, clock.now(), "A")
    b = make_programme(db, clock.now(), "B")
    user = make_user(db, clock.now(), "cora@example.org", Role.COORDINATOR, a)
    from followup.accounts.roles import grant_role

    grant_role(db, user, Role.COORDINATOR, b)
    client = app.test_client()
    sign_in(client, "cora@example.org")
    assert (
        post_file(client, a, b"code,exit_date,email\nX,2025-06-13,x@example.org\n", "p.csv").status_code
        == 200
    )
    with unchanged(db):
        token = csrf_of(client.get("/staff/sign-in"))
        response = client.post(f"/staff/programmes/{b.id}/import/confirm", data={"csrf_token": token})
        assert response.status_code == 303 and response.headers["Location"].endswith(f"/{b.id}/import")
