import json
import re
from datetime import timedelta

import pytest

from followup.models import Invitation, Response
from tests.factories import at, make_participants, make_programme, run_tick

CSRF = re.compile(r'name="csrf_token" type="hidden" value="([^"]+)"')
NOW = at(2026, 1, 21)


def full_answers(**changes):
    answers = {
        "main_activity": "studies",
        "social_assistance": "no",
        **{f"who5_{n}": "0" for n in range(1, 6)},
        "next_step_start": "within_a_month",
        "programme_helped": "very_much",
        "comment": "",
    }
    answers.update(changes)
    return {k: v for k, v in answers.items() if v is not None}


@pytest.fixture
def link(app, db, clock, outbox):
    programme = make_programme(db, clock.now())
    make_participants(
        db,
        clock.now(),
        programme,
        ["E1,2025-07-20,e1@example.org,,sv,G", "E2,2025-07-20,e2@example.org,,en,G"],
    )
    clock.set(NOW)
    run_tick(app, db, NOW)
    return outbox.link_for("e1@example.org").removeprefix("http://localhost")


def csrf(page) -> str:
    return CSRF.search(page.get_data(as_text=True)).group(1)


def test_the_survey_shows_in_the_participants_language(client, link, outbox):
    page = client.get(link)
    html = page.get_data(as_text=True)
    assert page.status_code == 200
    assert '<html lang="sv">' in html
    assert "Vad gör du huvudsakligen just nu?" in html
    english = client.get(outbox.link_for("e2@example.org").removeprefix("http://localhost"))
    assert "What do you mainly do right now?" in english.get_data(as_text=True)
    assert '<html lang="en">' in english.get_data(as_text=True)


def test_answers_are_stored_once_with_zero_kept(client, link):
    page = client.get(link)
    sent = client.post(link, data={**full_answers(), "csrf_token": csrf(page)})
    assert sent.status_code == 303 and "/tack" in sent.headers["Location"]
    response = Response.get()
    stored = json.loads(response.answers)
    assert stored["who5_1"] == 0 and stored["who5_5"] == 0
    assert stored["main_activity"] == "studies" and "comment" not in stored
    assert (response.survey, response.survey_version) == ("standard", 1)
    assert response.invitation.state == "answered"
    thanks = client.get(sent.headers["Location"])
    assert "Tack" in thanks.get_data(as_text=True)
    # The link now says it is answered; a replayed POST stores nothing more.
    assert client.get(link).status_code == 200
    assert "redan svarat" in client.get(link).get_data(as_text=True)
    replay = client.post(link, data={**full_answers(), "csrf_token": csrf(page)})
    assert replay.status_code == 409
    assert Response.select().count() == 1


def test_missing_answers_come_back_marked_and_nothing_is_lost(client, link):
    page = client.get(link)
    sent = client.post(
        link,
        data={**full_answers(who5_3=None, main_activity=None, comment="Bra stöd"), "csrf_token": csrf(page)},
    )
    html = sent.get_data(as_text=True)
    assert sent.status_code == 400
    assert html.count('class="error"') == 2
    assert 'id="who5_3-error"' in html
    assert re.search(r'<fieldset aria-describedby="[^"]*who5_3-error"', html)
    assert 'id="main_activity-error"' in html
    # What was given is still selected or written.
    assert re.search(r'<input[^>]*checked[^>]*value="no"|<input[^>]*value="no"[^>]*checked', html)
    assert "Bra stöd" in html
    assert Response.select().count() == 0


def test_a_post_without_a_valid_csrf_token_is_refused_and_keeps_the_answers(client, link):
    sent = client.post(link, data={**full_answers(comment="Mitt svar"), "csrf_token": "forged"})
    html = sent.get_data(as_text=True)
    assert sent.status_code == 400
    assert "Mitt svar" in html
    assert Response.select().count() == 0


def test_unknown_and_forged_tokens_get_404(client, link):
    assert client.get("/s/not-a-token").status_code == 404
    forged = client.get("/s/" + "A" * 43)
    assert forged.status_code == 404
    assert "Länken fungerar inte" in forged.get_data(as_text=True)
    assert client.post("/s/" + "A" * 43, data=full_answers()).status_code == 404


def test_an_expired_link_gets_410_with_a_kind_page(client, link, clock):
    clock.set(NOW + timedelta(days=61))
    page = client.get(link)
    assert page.status_code == 410
    assert "stängd" in page.get_data(as_text=True)


def test_answers_posted_after_the_window_closed_are_refused(client, link, clock):
    page = client.get(link)
    clock.set(NOW + timedelta(days=61))
    sent = client.post(link, data={**full_answers(), "csrf_token": csrf(page)})
    assert sent.status_code == 410
    assert Response.select().count() == 0
    assert Invitation.select().where(Invitation.state == "answered").count() == 0


def test_no_page_shows_a_traceback(client, app):
    app.config["PROPAGATE_EXCEPTIONS"] = False

    @app.get("/boom")
    def boom():
        raise RuntimeError("internal detail")

    page = client.get("/boom")
    assert page.status_code == 500
    assert "internal detail" not in page.get_data(as_text=True)
