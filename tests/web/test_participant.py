import json
import re
from datetime import timedelta

import pytest

from followup.config import Organisation
from followup.models import Draft, Invitation, Participant, Response
from tests.factories import answer_survey, at, csrf_of, make_participants, make_programme, run_tick

NOW = at(2026, 1, 21)
FULL = {
    "main_activity": "studies",
    "social_assistance": "no",
    **{f"who5_{n}": "0" for n in range(1, 6)},
    "next_step_start": "within_a_month",
    "programme_helped": "very_much",
}


@pytest.fixture
def links(invited):
    return {code: invited[code] for code in ("E1", "E2")}


def arrive(client, link):
    response = client.get(link)
    assert response.status_code == 303
    return response.headers["Location"]


def test_the_browsers_icon_request_gets_an_empty_answer_not_a_page(client):
    answer = client.get("/favicon.ico")
    assert answer.status_code == 204 and answer.data == b""


def test_the_link_becomes_a_session_and_the_token_is_left_behind(client, links):
    location = arrive(client, links["E1"])
    token = links["E1"].rsplit("/", 1)[1]
    assert location == "/enkat" and token not in location
    intro = client.get(location)
    html = intro.get_data(as_text=True)
    assert intro.status_code == 200 and '<html lang="sv">' in html
    assert "Steget" in html and "2026-03-21" in html and token not in html
    assert intro.headers["Cache-Control"] == "no-store"
    assert intro.headers["Referrer-Policy"] == "same-origin"
    csp = intro.headers["Content-Security-Policy"]
    for rule in ("object-src 'none'", "base-uri 'none'", "frame-ancestors 'none'", "default-src 'self'"):
        assert rule in csp
    assert not re.search(r'(src|href)="(https?:)?//', html), "no third-party assets"


def test_pages_show_in_the_participants_language_and_can_switch(client, links):
    client.get(links["E2"])
    page = client.get("/enkat/sida/now").get_data(as_text=True)
    assert '<html lang="en">' in page and "What do you mainly do right now?" in page
    assert "Page 1 of 5" in page and '<progress class="bar" max="5" value="1"' in page
    switched = client.get("/sprak/sv?next=/enkat/sida/now")
    assert switched.status_code == 303 and switched.headers["Location"] == "/enkat/sida/now"
    page = client.get("/enkat/sida/now").get_data(as_text=True)
    assert '<html lang="sv">' in page and "Vad gör du huvudsakligen just nu?" in page
    assert client.get("/sprak/en?next=https://evil.example").headers["Location"] == "/"


def test_a_whole_survey_is_stored_once_with_zero_kept(client, links):
    sent = answer_survey(client, "http://localhost" + links["E1"], FULL)
    assert sent.status_code == 303 and sent.headers["Location"] == "/enkat/tack"
    stored = json.loads(Response.get().answers)
    assert stored["who5_1"] == 0 and stored["main_activity"] == "studies"
    assert "work_hours" not in stored  # not shown: the person studies
    assert Draft.select().count() == 0
    assert "Tack för dina svar" in client.get("/enkat/tack").get_data(as_text=True)
    # A second press of the button, or the link opened again, lands on the thank-you page.
    again = client.post("/enkat/skicka", data={"csrf_token": "whatever"})
    assert again.status_code == 303 and again.headers["Location"] == "/enkat/tack"
    assert client.get(links["E1"]).headers["Location"] == "/enkat/tack"
    assert Response.select().count() == 1


def test_a_condition_shows_a_question_only_when_it_applies(client, links):
    arrive(client, links["E1"])
    form = {"csrf_token": csrf_of(client.get("/enkat/sida/now")), "main_activity": "work", "action": "next"}
    assert client.post("/enkat/sida/now", data=form).headers["Location"] == "/enkat/sida/support"
    page = client.get("/enkat/sida/support").get_data(as_text=True)
    assert "timmar i veckan" in page and 'inputmode="numeric"' in page
    form = {
        "csrf_token": csrf_of(client.get("/enkat/sida/support")),
        "work_hours": "500",
        "social_assistance": "no",
        "action": "next",
    }
    wrong = client.post("/enkat/sida/support", data=form)
    assert wrong.status_code == 400 and "från 1 till 80" in wrong.get_data(as_text=True)


def test_missing_answers_are_listed_linked_and_nothing_is_lost(client, links):
    arrive(client, links["E1"])
    client.post(
        "/enkat/sida/now",
        data={
            "csrf_token": csrf_of(client.get("/enkat/sida/now")),
            "main_activity": "studies",
            "action": "next",
        },
    )
    token = csrf_of(client.get("/enkat/sida/wellbeing"))
    sent = client.post(
        "/enkat/sida/wellbeing", data={"csrf_token": token, "who5_1": "3", "who5_2": "0", "action": "next"}
    )
    html = sent.get_data(as_text=True)
    assert sent.status_code == 400
    assert '<div class="error-summary" role="alert"' in html
    assert html.count('<p class="error"') == 3
    assert '<a href="#who5_3-1">' in html
    assert re.search(r'<fieldset id="who5_3" aria-describedby="who5_3-error">', html)
    assert "<title>Fel:" in html
    assert re.search(r'name="who5_2" value="0" checked', html)  # the 0 is kept and shown
    assert json.loads(Draft.get().answers) == {"main_activity": "studies"}


def test_back_keeps_what_was_given_and_a_later_visit_resumes(client, links, clock):
    arrive(client, links["E1"])
    client.post(
        "/enkat/sida/now",
        data={
            "csrf_token": csrf_of(client.get("/enkat/sida/now")),
            "main_activity": "job_seeking",
            "action": "next",
        },
    )
    back = client.post(
        "/enkat/sida/support",
        data={
            "csrf_token": csrf_of(client.get("/enkat/sida/support")),
            "social_assistance": "yes",
            "action": "back",
        },
    )
    assert back.headers["Location"] == "/enkat/sida/now"
    assert re.search(r'value="job_seeking" checked', client.get("/enkat/sida/now").get_data(as_text=True))
    # A week later, on another phone: the link again, and on from where it stopped.
    clock.set(NOW + timedelta(days=7))
    client.delete_cookie("session")
    arrive(client, links["E1"])
    intro = client.get("/enkat").get_data(as_text=True)
    assert 'href="/enkat/sida/wellbeing"' in intro  # "go on where you stopped"
    support = client.get("/enkat/sida/support").get_data(as_text=True)
    assert re.search(r'value="yes" checked', support)


def test_a_page_shows_each_person_their_own_answers_only(app, client, links):
    # A choice question's HTML is kept and reused for everyone with the same answer: it must never
    # carry one person's answer onto another person's page, nor an old answer after a change.
    def page_of(link, answer=None):
        visitor = app.test_client()
        arrive(visitor, link)
        if answer:
            token = csrf_of(visitor.get("/enkat/sida/now"))
            visitor.post(
                "/enkat/sida/now", data={"csrf_token": token, "main_activity": answer, "action": "next"}
            )
        return visitor, visitor.get("/enkat/sida/now").get_data(as_text=True)

    visitor, first = page_of(links["E1"], "job_seeking")
    assert re.findall(r'value="(\w+)" checked', first) == ["job_seeking"]
    _, other = page_of(links["E2"])
    assert re.findall(r'value="(\w+)" checked', other) == []
    assert "What do you mainly do right now?" in other  # E2 reads English, E1 Swedish
    token = csrf_of(visitor.get("/enkat/sida/now"))
    visitor.post("/enkat/sida/now", data={"csrf_token": token, "main_activity": "studies", "action": "next"})
    again = visitor.get("/enkat/sida/now").get_data(as_text=True)
    assert re.findall(r'value="(\w+)" checked', again) == ["studies"]
    # A page with an error is made afresh, with the error linked to its question.
    token = csrf_of(visitor.get("/enkat/sida/wellbeing"))
    refused = visitor.post("/enkat/sida/wellbeing", data={"csrf_token": token, "action": "next"})
    assert refused.status_code == 400 and 'aria-invalid="true"' in refused.get_data(as_text=True)
    assert 'aria-invalid="true"' not in visitor.get("/enkat/sida/wellbeing").get_data(as_text=True)


def test_a_choice_question_is_rendered_once_for_everyone_with_the_same_answer(app, client, links):
    for link in links.values():
        visitor = app.test_client()
        arrive(visitor, link)
        visitor.get("/enkat/sida/wellbeing")
        visitor.get("/enkat/sida/wellbeing")
    # Five WHO-5 questions with no answer yet, in Swedish (E1) and English (E2): ten pieces, not forty.
    assert len(app.extensions["followup.fields"]) == 10


def test_the_review_lists_the_answers_before_sending(client, links):
    arrive(client, links["E1"])
    assert client.get("/enkat/granska").headers["Location"] == "/enkat/sida/now"
    answer_survey(client, "http://localhost" + links["E2"], {**FULL, "comment": "Bra stöd"})
    assert "Bra stöd" in json.loads(Response.get().answers)["comment"]


def test_skip_this_follow_up_only(app, db, client, links, outbox):
    arrive(client, links["E1"])
    confirm = client.get("/enkat/hoppa-over")
    assert "Hoppa över" in confirm.get_data(as_text=True)
    done = client.post("/enkat/hoppa-over", data={"csrf_token": csrf_of(confirm)})
    assert done.status_code == 200
    invitation = Invitation.get(
        Invitation.participant == Participant.get(code="E1").id, Invitation.sent_at.is_null(False)
    )
    assert invitation.state == "declined" and invitation.declined_at == NOW
    assert Participant.get(code="E1").opted_out_at is None
    run_tick(app, db, NOW + timedelta(days=7, hours=1))
    assert [e["To"] for e in outbox.emails()].count("e1@example.org") == 1  # no reminder


def test_stop_all_follow_ups_from_the_survey(client, links):
    arrive(client, links["E1"])
    confirm = client.get("/enkat/avsluta")
    done = client.post("/enkat/avsluta", data={"csrf_token": csrf_of(confirm)})
    assert done.status_code == 200
    participant = Participant.get(code="E1")
    assert participant.opted_out_at == NOW and participant.opted_out_channel == "survey"


def test_unknown_expired_and_stale_visits(client, links, clock):
    assert client.get("/s/not-a-token").status_code == 404
    assert "Länken fungerar inte" in client.get("/s/" + "A" * 43).get_data(as_text=True)
    assert client.get("/enkat").status_code == 403  # no session
    arrive(client, links["E1"])
    clock.set(NOW + timedelta(hours=3))
    assert client.get("/enkat").status_code == 403  # the session ended; the link opens a new one
    clock.set(NOW + timedelta(days=61))
    expired = client.get(links["E1"])
    assert expired.status_code == 410 and "stängd" in expired.get_data(as_text=True)


def test_a_stale_form_token_keeps_the_answers(client, links):
    arrive(client, links["E1"])
    sent = client.post("/enkat/sida/now", data={"csrf_token": "forged", "main_activity": "studies"})
    html = sent.get_data(as_text=True)
    assert sent.status_code == 400 and re.search(r'value="studies" checked', html)
    assert Draft.select().count() == 0


def test_guessing_links_is_slowed_per_address_and_the_real_person_elsewhere_gets_in(app, links):
    guesser = app.test_client()
    guesser.environ_base["REMOTE_ADDR"] = "192.0.2.7"
    for n in range(10):
        assert guesser.get(f"/s/{'G' * 42}{n}").status_code == 404
    refused = guesser.get("/s/" + "G" * 43)
    assert refused.status_code == 429 and "Vänta" in refused.get_data(as_text=True)
    assert 0 < int(refused.headers["Retry-After"]) <= 300
    assert guesser.get(links["E1"]).status_code == 429
    assert guesser.get("/u/" + "G" * 43).status_code == 429, "opt-out links count too"
    person = app.test_client()
    person.environ_base["REMOTE_ADDR"] = "198.51.100.3"
    arrived = person.get(links["E1"])
    assert arrived.status_code == 303 and "Retry-After" not in arrived.headers


def test_pages_are_light(client, links):
    arrive(client, links["E1"])
    page = client.get("/enkat/sida/wellbeing")
    with client.get("/static/followup.css") as css:
        assert len(page.data) + len(css.data) < 50_000


def test_the_accessibility_statement(client):
    page = client.get("/tillganglighet")
    # A soft hyphen lets the long word break on a narrow phone; it is not part of the word.
    assert page.status_code == 200 and "Tillgänglighets\u00adredogörelse" in page.get_data(as_text=True)


def test_the_accessibility_statement_holds_what_the_law_asks(app, client):
    app.config["WHO_IS_ASKING"] = WHO
    html = client.get("/tillganglighet").get_data(as_text=True)
    statement = text_of(client.get("/tillganglighet"))
    assert "Samordningsförbundet Exempel ansvarar för de här uppföljningssidorna" in statement
    assert "helt förenliga med lagen (2018:1937)" in statement  # how far the pages comply
    assert re.search(r"Redogörelsen granskades senast \d{4}-\d{2}-\d{2}\.", statement)  # last review
    assert "Berätta det för oss: E-post: uppfoljning@example.org Telefon: 0650-55 55 55" in statement
    assert '<a href="https://www.digg.se/tdosanmalan">' in html  # DIGG's supervision


def test_without_a_contact_the_statement_still_says_how_to_report_a_problem(client):
    statement = text_of(client.get("/tillganglighet"))
    assert "Berätta det för personen som kontaktade dig om insatsen" in statement


def test_no_page_shows_a_traceback(client, app):
    app.config["PROPAGATE_EXCEPTIONS"] = False

    @app.get("/boom")
    def boom():
        raise RuntimeError("internal detail")

    page = client.get("/boom")
    assert page.status_code == 500
    assert "internal detail" not in page.get_data(as_text=True)


WHO = Organisation(
    name="Samordningsförbundet Exempel",
    email="uppfoljning@example.org",
    phone="0650-55 55 55",
    privacy_url="https://example.org/personuppgifter",
)


def text_of(response) -> str:
    """Return the page's words, without tags, on one line."""
    return " ".join(re.sub(r"<[^>]+>", " ", response.get_data(as_text=True)).split())


def test_the_intro_says_who_is_asking_and_only_what_is_true(app, client, links):
    app.config["WHO_IS_ASKING"] = WHO
    client.get(links["E1"])
    intro = text_of(client.get("/enkat"))
    assert "Frågorna kommer från Steget hos Samordningsförbundet Exempel." in intro
    assert "uppfoljning@example.org" in intro and "0650-55 55 55" in intro
    assert 'href="https://example.org/personuppgifter"' in client.get("/enkat").get_data(as_text=True)
    assert "sparas under en kod, skilda från dina kontaktuppgifter" in intro
    assert "raderas efter den sista uppföljningen" in intro
    assert "kan inte kopplas till ditt namn" not in intro


def test_without_an_organisation_the_intro_names_the_programme(client, links):
    client.get(links["E2"])
    intro = text_of(client.get("/enkat"))
    assert "These questions come from Steget." in intro and "Who is asking" not in intro
    assert "cannot be linked to your name" not in intro and "stored under a code" in intro


def test_the_thanks_page_says_when_the_next_follow_up_comes(app, client, links):
    app.config["WHO_IS_ASKING"] = WHO
    sent = answer_survey(client, "http://localhost" + links["E1"], FULL)
    thanks = text_of(client.get(sent.headers["Location"]))
    # Exit 2025-07-20: this was the 6-month wave, the 12-month one falls due in July 2026.
    assert "Nästa uppföljning kommer i juli 2026." in thanks
    assert "Dina kontaktuppgifter raderas efter den sista uppföljningen." in thanks
    assert "Samordningsförbundet Exempel" in thanks and "uppfoljning@example.org" in thanks


def test_the_thanks_page_after_the_last_follow_up(app, db, client, clock, outbox):
    programme = make_programme(db, clock.now(), name="Kort", offsets=(6,))
    make_participants(db, clock.now(), programme, ["L1,2025-07-20,l1@example.org,,en,G"])
    clock.set(NOW)
    run_tick(app, db, NOW)
    link = outbox.link_for("l1@example.org")
    thanks = text_of(client.get(answer_survey(client, link, FULL).headers["Location"]))
    assert "This was the last follow-up. We will not contact you again." in thanks
    assert "next follow-up" not in thanks


def test_someone_who_opted_out_is_told_so_when_opening_the_link(client, links, clock):
    client.get(links["E2"])
    form = client.get("/enkat/avsluta")
    client.post("/enkat/avsluta", data={"csrf_token": csrf_of(form)})
    client.get("/sprak/en")
    client.get(links["E2"])
    intro = text_of(client.get("/enkat"))
    assert "You stopped all follow-ups on 2026-01-21." in intro
    assert "We will not send you any more messages." in intro and "Changed your mind?" in intro
    assert "I do not want any more follow-ups" not in intro
    sent = answer_survey(client, "http://localhost" + links["E2"], FULL)
    thanks = text_of(client.get(sent.headers["Location"]))
    assert "You have stopped the follow-ups, so we will not contact you again." in thanks


def test_an_optional_question_says_so_once(client, links):
    client.get(links["E1"])
    page = text_of(client.get("/enkat/sida/more"))
    assert page.count("frivillig") == 1 and "(frivilligt att svara)" in page


def test_the_error_summary_names_the_question_then_the_fix(client, links):
    client.get(links["E1"])
    form = client.get("/enkat/sida/now")
    answer = client.post("/enkat/sida/now", data={"csrf_token": csrf_of(form), "action": "next"})
    summary = text_of(answer).split("Något behöver ändras", 1)[1]
    assert summary.startswith(" Vad gör du huvudsakligen just nu? Välj ett svar.")
    assert "?:" not in summary and ".:" not in summary


def test_back_comes_before_next_and_next_is_the_forms_first_button(client, links):
    client.get(links["E1"])
    html = client.get("/enkat/sida/now").get_data(as_text=True)
    buttons = re.findall(r'<button type="submit" name="action" value="(\w+)"([^>]*)>', html)
    # The first is what Enter presses: a copy of Next that only Enter reaches.
    assert (
        buttons[0][0] == "next" and 'aria-hidden="true"' in buttons[0][1] and 'tabindex="-1"' in buttons[0][1]
    )
    assert [value for value, attributes in buttons[1:]] == ["back", "next"]


def test_a_link_opens_until_the_instant_its_window_closes(client, links, clock):
    expires = Invitation.get(Invitation.participant == Participant.get(Participant.code == "E1")).expires_at
    clock.set(expires - timedelta(microseconds=1))
    arrive(client, links["E1"])
    clock.set(expires)
    assert client.get("/enkat").status_code == 410
    assert client.get(links["E1"]).status_code == 410


def test_a_closed_link_says_so_in_the_persons_language(client, links, clock):
    clock.set(NOW + timedelta(days=61))
    english = client.get(links["E2"])
    assert english.status_code == 410 and "This follow-up has closed" in english.get_data(as_text=True)
    swedish = client.get(links["E1"])
    assert swedish.status_code == 410 and "This follow-up has closed" not in swedish.get_data(as_text=True)


# --- each programme's own organiser and privacy notice -------------------------------------------

NOTICE = {
    "privacy_controller": "Samordningsförbundet Norr, Storgatan 1, 941 00 Piteå",
    "privacy_purpose": "Att följa upp hur det går för deltagarna.\n\nSvaren redovisas bara som statistik.",
    "privacy_legal_basis": "Allmänt intresse (GDPR art. 6.1 e).",
    "privacy_retention": "Kontaktuppgifterna till sista uppföljningen.",
    "privacy_rights": "Du kan begära att få se, rätta eller radera dina uppgifter.",
    "privacy_dpo": "dataskyddsombud@norr.example.org",
}


@pytest.fixture
def two_organisers(app, db, clock, outbox):
    """Steget with its own organiser and notice, Steget Fram without: one participant each."""
    from followup.plan.programmes import clean_details, update_programme

    app.config["WHO_IS_ASKING"] = WHO
    own = make_programme(db, clock.now(), "Steget")
    plain = make_programme(db, clock.now(), "Steget Fram")
    details = clean_details(
        {"organisation": "Samordningsförbundet Norr", "contact_phone": "0911-123 45", **NOTICE}
    )
    update_programme(db, own, "Steget", details)
    make_participants(db, clock.now(), own, ["N1,2025-07-20,n1@example.org,,sv,G"])
    make_participants(db, clock.now(), plain, ["F1,2025-07-20,f1@example.org,,sv,G"])
    clock.set(NOW)
    run_tick(app, db, NOW)
    links = {
        code: outbox.link_for(f"{code.lower()}@example.org").removeprefix("http://localhost")
        for code in ("N1", "F1")
    }
    return own, plain, links


def test_a_programme_s_own_organiser_replaces_the_global_one_on_its_pages(app, two_organisers):
    own, plain, links = two_organisers
    client = app.test_client()
    client.get(links["N1"])
    intro = text_of(client.get("/enkat"))
    assert "Frågorna kommer från Steget hos Samordningsförbundet Norr." in intro
    assert "0911-123 45" in intro and "Samordningsförbundet Exempel" not in intro
    assert "uppfoljning@example.org" not in intro  # nothing of the global organiser mixed in
    html = client.get("/enkat/sida/now").get_data(as_text=True)
    assert "Uppföljningen görs av Samordningsförbundet Norr." in text_of(client.get("/enkat/sida/now"))
    assert f'href="/integritet/{own.id}"' in html and "example.org/personuppgifter" not in html
    thanks = client.get(answer_survey(client, links["N1"], FULL).headers["Location"])
    assert "Samordningsförbundet Norr" in text_of(thanks) and "Samordningsförbundet Exempel" not in text_of(
        thanks
    )

    other = app.test_client()  # on the same database, the other programme keeps the global organiser
    other.get(links["F1"])
    intro = text_of(other.get("/enkat"))
    assert "Frågorna kommer från Steget Fram hos Samordningsförbundet Exempel." in intro
    assert "Samordningsförbundet Norr" not in intro
    html = other.get("/enkat/sida/now").get_data(as_text=True)
    assert 'href="https://example.org/personuppgifter"' in html and "/integritet/" not in html


def test_the_stopped_page_names_the_programme_s_organiser(app, two_organisers, outbox):
    own, _plain, links = two_organisers
    client = app.test_client()
    client.get(links["N1"])
    form = {"csrf_token": csrf_of(client.get("/enkat/avsluta"))}
    stopped = client.post("/enkat/avsluta", data=form)
    assert "Samordningsförbundet Norr" in text_of(stopped)
    assert "<title>Meddelandena är stoppade</title>" in stopped.get_data(as_text=True)
    optout = next(e for e in outbox.emails() if e["To"] == "f1@example.org")["List-Unsubscribe"].strip("<>")
    page = app.test_client().get(optout.removeprefix("http://localhost"))
    assert "Samordningsförbundet Exempel" in text_of(page)


@pytest.mark.parametrize(
    ("language", "headings"),
    [
        (
            "sv",
            [
                "Vem som ansvarar för dina uppgifter (personuppgiftsansvarig)",
                "Dina rättigheter",
                "Dataskyddsombud",
            ],
        ),
        (
            "en",
            [
                "Who is responsible for your data (the data controller)",
                "Your rights",
                "Data protection officer",
            ],
        ),
    ],
)
def test_the_privacy_notice_page_holds_every_part_and_nothing_about_anyone(
    app, two_organisers, language, headings
):
    own, plain, links = two_organisers
    client = app.test_client()
    client.get(links["N1"])
    client.get(f"/sprak/{language}")
    page = client.get(f"/integritet/{own.id}")
    html = page.get_data(as_text=True)
    assert page.status_code == 200 and f'<html lang="{language}">' in html
    for heading in headings:
        assert f">{heading}</h2>" in html
    for part in NOTICE.values():
        for paragraph in part.split("\n\n"):
            assert paragraph in text_of(page)
    assert "Samordningsförbundet Norr" in html
    token = links["N1"].rsplit("/", 1)[1]
    for secret in ("N1", "n1@example.org", token, f'href="/integritet/{own.id}"'):
        assert secret not in html  # nobody's code, address or link; and no link to itself
    # The same page for a visitor without any session: nothing in it depends on who asks.
    assert (
        app.test_client()
        .get(f"/integritet/{own.id}", headers={"Accept-Language": language})
        .get_data(as_text=True)
        == html
    )
    # A programme without a notice, or none at all: not found.
    assert client.get(f"/integritet/{plain.id}").status_code == 404
    assert client.get("/integritet/999999").status_code == 404


def test_the_notice_address_is_the_route_s(app, two_organisers):
    from flask import url_for

    from followup.plan.organiser import notice_path

    own, _plain, _links = two_organisers
    with app.test_request_context():
        assert url_for("participant.privacy", programme_id=own.id) == notice_path(own.id)


def test_the_closed_link_page_names_the_programme_s_organiser(app, two_organisers, clock):
    _own, _plain, links = two_organisers
    clock.set(NOW + timedelta(days=61))
    closed = app.test_client().get(links["N1"])
    assert closed.status_code == 410
    assert "Uppföljningen görs av Samordningsförbundet Norr." in text_of(closed)
    assert "Samordningsförbundet Exempel" not in text_of(closed)
