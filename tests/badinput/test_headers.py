"""Headers: redirect tricks and CR/LF in the language switch, the security headers on every
page and every error page, and HSTS in production."""

import pytest

from followup import MAX_BODY, create_app
from followup.db import migrate
from tests.badinput.conftest import answered_with

TRICKS = [
    "https://evil.example/",
    "//evil.example/",
    "/%09/evil.example/",
    "/%0a/evil.example/",
    "/%0d%0a/evil.example/",
    "/\\evil.example/",
    "%5c%5cevil.example/",
    "/%5cevil.example/",
    "\\/evil.example/",
    "/%2f/evil.example/",
    "%20//evil.example/",
    "%00//evil.example/",
    "javascript:alert(1)",
    "data:text/html,<script>alert(1)</script>",
    "http:evil.example",
    "/%0d%0aSet-Cookie:%20stolen=1",
    "/%E2%80%A8X",
    "/" + "a" * 3000,
    "enkat",
]


@pytest.mark.parametrize("target", TRICKS)
def test_the_language_switch_goes_nowhere_but_this_site(client, db, unchanged, target):
    with unchanged(db):
        response = client.get(f"/sprak/en?next={target}")
        answered_with(response, 303)
        assert response.headers["Location"] == "/"
        assert "Set-Cookie: stolen" not in str(response.headers)


@pytest.mark.parametrize(
    ("target", "location"),
    [("/enkat/sida/now", "/enkat/sida/now"), ("/%0aX", "/X"), ("/enk%09at", "/enkat"), ("/%0d%0a", "/")],
)
def test_the_language_switch_keeps_a_path_of_this_site_as_a_browser_reads_it(
    client, db, unchanged, target, location
):
    with unchanged(db):
        response = client.get(f"/sprak/en?next={target}")
        assert response.status_code == 303 and response.headers["Location"] == location


def _security_headers(response, production=False):
    assert "frame-ancestors 'none'" in response.headers["Content-Security-Policy"]
    assert response.headers["Referrer-Policy"] == "same-origin"
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["Cache-Control"] == "no-store"
    assert ("Strict-Transport-Security" in response.headers) == production
    if production:
        assert response.headers["Strict-Transport-Security"].startswith("max-age=31536000")


def _error_pages(client):
    yield 404, client.get("/no-such-page")
    yield 405, client.delete("/")
    yield 413, client.post("/webhooks/twilio/inbound", data={"Body": "x" * (MAX_BODY + 1)})
    yield 403, client.get("/enkat")
    for n in range(10):
        client.get(f"/s/{'Z' * 42}{n}")
    yield 429, client.get("/s/" + "Z" * 43)
    yield 500, client.get("/boom")


def _boom(app):
    app.config["PROPAGATE_EXCEPTIONS"] = False

    @app.get("/boom")
    def boom():
        raise RuntimeError("an internal detail")


def test_every_error_page_carries_the_security_headers(app, client, db, unchanged):
    _boom(app)
    with unchanged(db):
        for status, response in _error_pages(client):
            answered_with(response, status)
            assert "an internal detail" not in response.get_data(as_text=True)
            _security_headers(response)
        _security_headers(client.get("/"))


def test_production_sends_hsts_on_pages_and_error_pages(database_url, tmp_path, clock, db, unchanged):
    app = create_app(
        {
            "ENV": "production",
            "DATABASE_URL": database_url,
            "INSTANCE_PATH": str(tmp_path / "production"),
            "SECRET_KEY": "a-production-secret-that-is-long-enough",
            "BASE_URL": "https://followup.example.org",
            "CLOCK": clock,
        }
    )
    with app.extensions["followup"].db.connection_context():
        migrate(app.extensions["followup"].db)
    _boom(app)
    client = app.test_client()
    with unchanged(db):
        _security_headers(client.get("/"), production=True)
        for status, response in _error_pages(client):
            answered_with(response, status)
            _security_headers(response, production=True)
