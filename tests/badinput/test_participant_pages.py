"""The survey pages under bad input: missing or forged form tokens, double submits, huge and
wrong fields, wrong methods, pages without a session. No 500, no traceback, nothing changed."""

import re

import pytest

from followup import MAX_BODY
from followup.models import Draft, Response
from tests.badinput.conftest import answered_with
from tests.factories import answer_survey, csrf_of

FULL = {
    "main_activity": "studies",
    "social_assistance": "no",
    **{f"who5_{n}": "3" for n in range(1, 6)},
    "next_step_start": "within_a_month",
    "programme_helped": "very_much",
}


@pytest.fixture
def visiting(client, invited):  # noqa: F811
    assert client.get(invited["E1"]).status_code == 303
    return client


@pytest.mark.parametrize("token", [None, "", "forged", "x" * 5000, "å" * 40])
def test_a_page_without_a_valid_form_token_keeps_nothing(visiting, db, unchanged, token):
    form = {"main_activity": "studies", "action": "next"}
    if token is not None:
        form["csrf_token"] = token
    with unchanged(db):
        page = answered_with(visiting.post("/enkat/sida/now", data=form), 400)
        assert re.search(r'value="studies" checked', page)


def test_a_form_token_from_another_visit_is_refused(app, visiting, db, unchanged, invited):  # noqa: F811
    other = app.test_client()
    other.get(invited["E2"])
    stolen = csrf_of(other.get("/enkat/sida/now"))
    with unchanged(db):
        answered_with(
            visiting.post("/enkat/sida/now", data={"csrf_token": stolen, "main_activity": "work"}), 400
        )


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("main_activity", "<script>alert(1)</script>", "Välj ett av svaren."),
        ("main_activity", "", "Välj ett svar."),
        ("main_activity", "\x00", "Välj ett av svaren."),
        ("main_activity", "studies\r\nSet-Cookie: x=1", "Välj ett av svaren."),
    ],
)
def test_a_wrong_answer_gets_a_message_and_is_not_kept(visiting, db, unchanged, field, value, message):
    csrf = csrf_of(visiting.get("/enkat/sida/now"))
    with unchanged(db):
        page = answered_with(
            visiting.post("/enkat/sida/now", data={"csrf_token": csrf, field: value, "action": "next"}),
            400,
            message,
        )
        assert "<script>alert(1)</script>" not in page


def test_a_comment_over_its_limit_is_refused_with_a_message(visiting, db, unchanged):
    csrf = csrf_of(visiting.get("/enkat/sida/more"))
    with unchanged(db):
        answered_with(
            visiting.post(
                "/enkat/sida/more", data={"csrf_token": csrf, "comment": "x" * 2001, "action": "next"}
            ),
            400,
            "Skriv högst 2000 tecken.",
        )


@pytest.mark.parametrize("size", [MAX_BODY + 1, 5 * 1024 * 1024])
def test_a_huge_body_is_refused_before_it_is_read(visiting, db, unchanged, size):
    csrf = csrf_of(visiting.get("/enkat/sida/more"))
    with unchanged(db):
        answered_with(
            visiting.post("/enkat/sida/more", data={"csrf_token": csrf, "comment": "x" * size}),
            413,
            "För mycket på en gång",
        )


def test_a_thousand_fields_change_nothing(visiting, db, unchanged):
    form = {f"field{n}": "x" for n in range(1000)}
    with unchanged(db):
        answered_with(visiting.post("/enkat/sida/now", data=form), 400)


def test_an_unknown_page_is_not_found(visiting, db, unchanged):
    with unchanged(db):
        answered_with(visiting.get("/enkat/sida/..%2f..%2fetc"), 404, "Länken fungerar inte")
        answered_with(visiting.get("/enkat/sida/" + "x" * 3000), 404)


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("delete", "/enkat"),
        ("put", "/enkat/skicka"),
        ("get", "/enkat/skicka"),
        ("patch", "/enkat/sida/now"),
        ("post", "/enkat"),
        ("post", "/enkat/granska"),
        ("post", "/sprak/en"),
    ],
)
def test_a_wrong_method_is_refused(visiting, db, unchanged, method, path):
    with unchanged(db):
        answered_with(getattr(visiting, method)(path), 405, "Method Not Allowed")


@pytest.mark.parametrize(
    "path", ["/enkat", "/enkat/sida/now", "/enkat/granska", "/enkat/tack", "/enkat/hoppa-over"]
)
def test_a_page_without_a_session_asks_for_the_link(client, db, invited, unchanged, path):  # noqa: F811
    with unchanged(db):
        answered_with(client.get(path), 403, "Öppna länken igen")


@pytest.mark.parametrize("path", ["/enkat/skicka", "/enkat/hoppa-over", "/enkat/avsluta", "/enkat/sida/now"])
def test_a_post_without_a_session_changes_nothing(client, db, invited, unchanged, path):  # noqa: F811
    with unchanged(db):
        answered_with(client.post(path, data={"csrf_token": "x"}), 403, "Öppna länken igen")


@pytest.mark.parametrize("path", ["/enkat/skicka", "/enkat/hoppa-over", "/enkat/avsluta"])
def test_closing_steps_need_the_form_token(visiting, db, unchanged, path):
    with unchanged(db):
        response = visiting.post(path, data={"csrf_token": "forged"})
        assert response.status_code in (200, 303)
        answered_with(response, response.status_code)


def test_a_second_submit_stores_nothing_more(client, db, invited, unchanged):  # noqa: F811
    sent = answer_survey(client, "http://localhost" + invited["E1"], FULL)
    assert sent.status_code == 303
    with unchanged(db):
        again = client.post("/enkat/skicka", data={"csrf_token": "whatever"})
        assert again.status_code == 303 and again.headers["Location"] == "/enkat/tack"
        answered_with(client.get("/enkat/tack"), 200)
    assert Response.select().count() == 1 and Draft.select().count() == 0


def test_a_page_saved_after_the_submit_leaves_no_draft(client, db, invited, unchanged):  # noqa: F811
    answer_survey(client, "http://localhost" + invited["E1"], FULL)
    with unchanged(db):
        # A second tab still showing a page sends it after the survey was sent.
        late = client.post("/enkat/sida/more", data={"csrf_token": "x", "comment": "sent"})
        assert late.status_code == 303
    assert Draft.select().count() == 0
