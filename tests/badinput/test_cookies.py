"""Bad session cookies: garbage, forged, signed with another key, huge, or from a closed visit."""

import pytest
from flask.sessions import SecureCookieSessionInterface

from tests.badinput.conftest import answered_with

SESSION_CLOSED = "Öppna länken igen"
TICKET = {"invitation": 1, "participant": 1, "programme": "Steget", "survey": "standard", "own_lang": "sv"}


def _signed_with(app, key: str, data: dict) -> str:
    original = app.secret_key
    app.secret_key = key
    try:
        return SecureCookieSessionInterface().get_signing_serializer(app).dumps(data)
    finally:
        app.secret_key = original


GARBAGE = {
    "empty": "",
    "not base64": "!!!not-a-cookie!!!",
    "unsigned json": '{"ticket": {"invitation": 1}}',
    "truncated signature": "eyJ0aWNrZXQiOnt9fQ.aaaa",
    "compressed garbage": ".eJzLSM3JyVcozy_KSQEAGgQEXQ.AAAA.BBBB",
    "huge": "x" * 4000,
    "control characters": "\x01\x02\x7f",
    "semicolons": "a; lang=en; ticket=1",
}


@pytest.mark.parametrize("cookie", GARBAGE.values(), ids=list(GARBAGE))
def test_a_garbage_session_cookie_asks_for_the_link(client, db, invited, unchanged, cookie):  # noqa: F811
    client.set_cookie("session", cookie)
    with unchanged(db):
        answered_with(client.get("/enkat"), 403, SESSION_CLOSED)
        answered_with(client.post("/enkat/skicka", data={"csrf_token": "x"}), 403, SESSION_CLOSED)


def test_a_cookie_signed_with_another_key_is_not_trusted(app, client, db, invited, unchanged):  # noqa: F811
    forged = _signed_with(
        app,
        "another-secret-that-is-long-enough-for-this-test",
        {"ticket": TICKET, "until": "2099-01-01T00:00:00+00:00"},
    )
    client.set_cookie("session", forged)
    with unchanged(db):
        answered_with(client.get("/enkat"), 403, SESSION_CLOSED)


def test_a_session_past_its_time_asks_for_the_link(app, client, db, clock, invited, unchanged):  # noqa: F811
    client.get(invited["E1"])
    clock.set(clock.now().replace(hour=23))
    with unchanged(db):
        answered_with(client.get("/enkat"), 403, SESSION_CLOSED)


def test_a_language_cookie_value_that_is_not_a_language_is_ignored(client, db, invited, unchanged):  # noqa: F811
    with unchanged(db):
        client.get("/sprak/xx-evil")
        answered_with(client.get("/"), 200)
        client.get("/sprak/" + "e" * 500)
        answered_with(client.get("/tillganglighet"), 200)


def test_a_cookie_header_of_many_cookies_is_handled(client, db, invited, unchanged):  # noqa: F811
    with unchanged(db):
        header = "; ".join(f"c{n}=v{n}" for n in range(200))
        answered_with(client.get("/enkat", headers={"Cookie": header}), 403, SESSION_CLOSED)
