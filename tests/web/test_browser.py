"""The participant's survey in a real browser: accessible, bilingual, resumable, on any phone.

The browser tests run on SQLite only: they exercise the pages, not the SQL, which every other test
module runs on PostgreSQL too. The module's parametrization of `database_url` replaces the fixture's.
"""

import json
from datetime import timedelta
from urllib.parse import urlsplit

import pytest

from followup.answers.surveys import latest, load_surveys
from followup.config import Organisation
from followup.models import Invitation, Participant, Quote, Response
from tests.browser import has_focus, scroll_width, tab_to
from tests.factories import at, make_participants, make_programme, run_tick

pytestmark = pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)

NOW = at(2026, 1, 21)  # the invitations for an exit on 2025-07-20 went out on 2026-01-20
SURVEY = latest(load_surveys(), "standard")
PEOPLE = {"S1": "sv", "S2": "sv", "E1": "en", "E2": "en"}
FIRST = {"sv": "S1", "en": "E1"}
SECOND = {"sv": "S2", "en": "E2"}
WORDS = {
    "sv": {
        "start": "Börja",
        "next": "Nästa",
        "review": "Titta igenom dina svar",
        "send": "Skicka mina svar",
        "skip": "Ja, hoppa över den här gången",
        "stop": "Ja, stoppa alla meddelanden",
        "thanks": "Tack för dina svar",
        "comment": "Bra stöd, tack.",
    },
    "en": {
        "start": "Start",
        "next": "Next",
        "review": "Look over your answers",
        "send": "Send my answers",
        "skip": "Yes, skip this time",
        "stop": "Yes, stop all messages",
        "thanks": "Thank you for your answers",
        "comment": "Good support, thank you.",
    },
}
ANSWERS = {
    "main_activity": "work",
    "work_hours": 32,
    "social_assistance": "no",
    "who5_1": 5,
    "who5_2": 3,
    "who5_3": 0,
    "who5_4": 2,
    "who5_5": 4,
    "next_step_start": "within_a_month",
    "programme_helped": "quite_a_lot",
}


@pytest.fixture
def links(app, db, clock, outbox, live_server):
    """Invite two Swedish- and two English-speaking people; return their survey links by code."""
    programme = make_programme(db, clock.now())
    rows = [
        f"{code},2025-07-20,{code.lower()}@example.org,,{language},G" for code, language in PEOPLE.items()
    ]
    make_participants(db, clock.now(), programme, rows)
    clock.set(NOW)
    run_tick(app, db, NOW, base_url=live_server)
    return {code: outbox.link_for(f"{code.lower()}@example.org") for code in PEOPLE}


@pytest.fixture
def optout_links(outbox, links):
    """Return the opt-out addresses that mail programs show, by participant code."""
    return {e["To"].split("@")[0].upper(): e["List-Unsubscribe"].strip("<>") for e in outbox.emails()}


def stored_answers(code: str) -> dict:
    """Return the answers stored for the participant with `code`."""
    response = Response.select().join(Invitation).join(Participant).where(Participant.code == code).get()
    return json.loads(response.answers)


def path(page) -> str:
    """Return the path shown in the address bar (the fragment an error link adds stays on)."""
    return urlsplit(page.url).path


def follow(target) -> None:
    """Click a link or button as a person would, and wait for the page it leads to."""
    with target.page.expect_navigation():
        target.click()


def html_lang(page) -> str:
    """Return the language the page says it is in."""
    return page.locator("html").get_attribute("lang")


def choose(page, language: str, question_id: str, value) -> None:
    """Click the label of one answer, found by the question's and the answer's words."""
    question = SURVEY.question(question_id)
    option = next(o for o in question.options if o.value == value)
    group = page.get_by_role("group", name=question.text[language])
    group.get_by_text(option.text[language], exact=True).click()


def answer_page(page, language: str, answers: dict) -> None:
    """Give the answers asked on the page shown, then press its forward button."""
    page_id = path(page).rsplit("/", 1)[1]
    current = next(p for p in SURVEY.pages if p.id == page_id)
    for question in current.questions:
        if question.id not in answers or not question.is_shown(answers):
            continue
        if question.options:
            choose(page, language, question.id, answers[question.id])
        else:
            page.get_by_label(question.text[language]).fill(str(answers[question.id]))
    last = current.id == SURVEY.shown_pages(answers)[-1].id and not SURVEY.may_bring_in_pages(current)
    follow(page.get_by_role("button", name=WORDS[language]["review" if last else "next"], exact=True))


def answer_survey(page, language: str, answers: dict) -> None:
    """From the first page, answer every page shown and land on the review."""
    for shown in SURVEY.shown_pages(answers):
        assert path(page) == f"/enkat/sida/{shown.id}"
        answer_page(page, language, answers)
    assert path(page) == "/enkat/granska"


NOTICE = {
    "organisation": "Samordningsförbundet Södra Hälsingland",
    "contact_email": "uppfoljning@example.org",
    "contact_phone": "0278-123 45",
    "privacy_controller": "Samordningsförbundet Södra Hälsingland, Box 1, 821 00 Bollnäs",
    "privacy_purpose": "Att följa upp hur det går efter insatsen.\n\nSvaren redovisas som statistik.",
    "privacy_legal_basis": "Uppgift av allmänt intresse (GDPR artikel 6.1 e).",
    "privacy_retention": "Kontaktuppgifterna raderas efter den sista uppföljningen; svaren sparas i tio år.",
    "privacy_rights": "Du kan begära att få se, rätta eller radera dina uppgifter, och klaga hos IMY.",
    "privacy_dpo": "dataskyddsombud@example.org",
}


def give_a_notice(db) -> int:
    """Give the links' programme its own organiser and privacy notice; return the programme's id."""
    from followup.models import Programme
    from followup.plan.programmes import clean_details, update_programme

    programme = Programme.get()
    update_programme(db, programme, programme.name, clean_details(NOTICE))
    return programme.id


@pytest.mark.parametrize("language", ["sv", "en"])
def test_every_page_and_state_passes_axe(new_context, axe, links, optout_links, clock, db, language):
    page = new_context(bypass_csp=True, locale=language).new_page()
    words = WORDS[language]
    notice = f"/integritet/{give_a_notice(db)}"

    def check(path=None, status=200):
        if path is not None:
            assert page.goto(path).status == status
        assert html_lang(page) == language
        axe.check(page)

    check("/")
    check("/tillganglighet")
    check(notice)  # the programme's privacy notice
    check("/s/" + "A" * 43, 404)
    check("/enkat", 403)  # no session: opened without the link, or after a long pause

    check(links[FIRST[language]])
    assert path(page) == "/enkat"
    assert page.locator(f'a[href="{notice}"]').count() == 1
    follow(page.get_by_role("link", name=words["start"]))
    check()  # a single choice
    follow(page.get_by_role("button", name=words["next"]))
    check()  # nothing chosen: the error summary and the question's own message
    assert page.get_by_role("alert").is_visible()
    answer_page(page, language, {"main_activity": "work"})
    check()  # the number question shown to those who work
    page.get_by_label(SURVEY.question("work_hours").text[language]).fill("500")
    follow(page.get_by_role("button", name=words["next"]))
    check()  # a number out of range beside a missing choice
    answer_page(page, language, ANSWERS)
    check()  # WHO-5, five scales
    follow(page.get_by_role("button", name=words["next"]))
    check()
    answer_page(page, language, ANSWERS)
    check()
    answer_page(page, language, ANSWERS)
    check()  # the long text
    answer_page(page, language, ANSWERS)
    assert path(page) == "/enkat/granska"
    check()
    check("/enkat/hoppa-over")
    check("/enkat/avsluta")
    check("/enkat/granska")
    follow(page.get_by_role("button", name=words["send"]))
    assert path(page) == "/enkat/tack"
    check()

    page.context.clear_cookies()
    check(links[SECOND[language]])
    check("/enkat/hoppa-over")
    follow(page.get_by_role("button", name=words["skip"]))
    check()  # skipped
    check(optout_links[SECOND[language]])
    follow(page.get_by_role("button", name=words["stop"]))
    check()  # stopped
    clock.set(NOW + timedelta(days=61))
    check(links[SECOND[language]], 410)
    for _ in range(10):
        page.goto("/s/" + "B" * 43)
    check("/s/" + "C" * 43, 429)


@pytest.mark.parametrize("language", ["sv", "en"])
def test_a_whole_survey_answered_by_clicking(new_context, links, language):
    page = new_context(locale="de").new_page()  # the page follows the person's language, not the phone's
    code = FIRST[language]
    page.goto(links[code])
    assert html_lang(page) == language
    follow(page.get_by_role("link", name=WORDS[language]["start"]))
    answers = {**ANSWERS, "comment": WORDS[language]["comment"]}
    answer_survey(page, language, answers)
    assert page.get_by_text(WORDS[language]["comment"]).is_visible()
    follow(page.get_by_role("button", name=WORDS[language]["send"]))
    assert page.get_by_role("heading", level=1).inner_text() == WORDS[language]["thanks"]
    assert stored_answers(code) == answers


@pytest.mark.parametrize("language", ["sv", "en"])
def test_after_a_comment_and_only_then_the_person_is_asked_whether_it_may_be_quoted(
    new_context, axe, links, language
):
    page = new_context(bypass_csp=True, locale=language).new_page()
    page.goto(links[FIRST[language]])
    follow(page.get_by_role("link", name=WORDS[language]["start"]))
    answers = {**ANSWERS, "comment": WORDS[language]["comment"]}
    while path(page) != "/enkat/sida/more":
        answer_page(page, language, answers)
    answer_page(page, language, answers)
    assert path(page) == "/enkat/sida/quote"
    consent = SURVEY.question("quote_consent")
    group = page.get_by_role("group", name=consent.text[language])
    assert group.is_visible() and page.get_by_text(consent.help[language]).is_visible()
    assert not group.get_by_role("radio").first.is_checked()  # nothing is chosen for the person
    axe.check(page)
    answer_page(page, language, {**answers, "quote_consent": "yes"})
    assert path(page) == "/enkat/granska"
    assert page.get_by_text(consent.options[0].text[language], exact=True).is_visible()
    axe.check(page)
    follow(page.get_by_role("button", name=WORDS[language]["send"]))
    assert [(q.submitted_text, q.state) for q in Quote.select()] == [
        (WORDS[language]["comment"], Quote.WAITING)
    ]

    # Without a comment there is nothing to quote: the question is not asked.
    other = new_context(bypass_csp=True, locale=language).new_page()
    other.goto(links[SECOND[language]])
    follow(other.get_by_role("link", name=WORDS[language]["start"]))
    answer_survey(other, language, ANSWERS)
    assert "/enkat/sida/quote" not in [p.id for p in SURVEY.shown_pages(ANSWERS)]
    assert other.get_by_text(consent.text[language]).count() == 0


def test_the_language_can_be_switched_midway(new_context, links):
    page = new_context().new_page()
    page.goto(links["S1"])
    follow(page.get_by_role("link", name="Börja"))
    answer_page(page, "sv", ANSWERS)
    follow(page.get_by_role("navigation", name="Språk").get_by_role("link", name="English"))
    assert html_lang(page) == "en" and path(page) == "/enkat/sida/support"
    follow(page.get_by_role("button", name="Back"))
    work = SURVEY.question("main_activity").options[0].text["en"]
    assert page.get_by_label(work, exact=True).is_checked()


def test_stop_midway_and_go_on_from_another_phone(new_context, links, clock):
    first = new_context().new_page()
    first.goto(links["S1"])
    follow(first.get_by_role("link", name="Börja"))
    answer_page(first, "sv", ANSWERS)
    answer_page(first, "sv", ANSWERS)
    assert path(first) == "/enkat/sida/wellbeing"
    first.context.close()

    clock.set(NOW + timedelta(days=7))
    second = new_context().new_page()
    second.goto(links["S1"])
    follow(second.get_by_role("link", name="Fortsätt där du slutade"))
    assert path(second) == "/enkat/sida/wellbeing"
    follow(second.get_by_role("button", name="Tillbaka"))
    assert path(second) == "/enkat/sida/support"
    assert second.get_by_label(SURVEY.question("work_hours").text["sv"]).input_value() == "32"
    assert (
        second.get_by_role("group", name=SURVEY.question("social_assistance").text["sv"])
        .get_by_label("Nej", exact=True)
        .is_checked()
    )
    follow(second.get_by_role("button", name="Tillbaka"))
    assert second.get_by_label("Arbete utan stöd", exact=True).is_checked()


def test_a_whole_survey_with_only_the_keyboard(new_context, links):
    page = new_context().new_page()
    keys = page.keyboard
    page.goto(links["S1"])  # the link is opened from the message; from here on only keys

    tab_to(page, page.get_by_role("link", name="Gå direkt till innehållet"), limit=1)
    keys.press("Enter")
    tab_to(page, page.get_by_role("link", name="Börja"), limit=1)  # past the language links
    with page.expect_navigation():
        keys.press("Enter")

    def group(question_id):
        return page.get_by_role("group", name=SURVEY.question(question_id).text["sv"])

    def radio(question_id, value):
        position = SURVEY.question(question_id).option_values().index(value)
        return group(question_id).get_by_role("radio").nth(position)

    def pick(question_id, value):
        """Tab into a group that has no answer yet (the first radio), then arrow down to `value`."""
        tab_to(page, radio(question_id, SURVEY.question(question_id).option_values()[0]))
        position = SURVEY.question(question_id).option_values().index(value)
        if position == 0:
            keys.press("Space")
        for _ in range(position):
            keys.press("ArrowDown")
        assert radio(question_id, value).is_checked() and has_focus(radio(question_id, value))

    def forward(name="Nästa"):
        tab_to(page, page.get_by_role("button", name=name, exact=True))
        with page.expect_navigation():
            keys.press("Enter")

    # Page 1: arrows move the choice within the group, both ways.
    pick("main_activity", "work_subsidised")
    keys.press("ArrowUp")
    assert radio("main_activity", "work").is_checked()
    forward()

    # Page 2: the number question appears for those who work; a wrong number is said and fixed.
    tab_to(page, page.get_by_label(SURVEY.question("work_hours").text["sv"]))
    keys.type("500")
    pick("social_assistance", "no")
    forward()
    # The error summary's link takes the focus to the answer to fix.
    tab_to(page, page.get_by_role("alert").get_by_role("link"))
    keys.press("Enter")
    assert has_focus(page.get_by_label(SURVEY.question("work_hours").text["sv"]))
    keys.press("Control+A")
    keys.type("32")
    forward()

    # Page 3: WHO-5. Shift+Tab goes back to the group before, onto its chosen answer.
    for n in range(1, 6):
        pick(f"who5_{n}", ANSWERS[f"who5_{n}"])
        if n == 3:
            tab_to(page, radio("who5_2", ANSWERS["who5_2"]), key="Shift+Tab", limit=1)
            tab_to(page, radio("who5_3", ANSWERS["who5_3"]), limit=1)
    forward()

    pick("next_step_start", "within_a_month")
    pick("programme_helped", "quite_a_lot")
    forward()

    tab_to(page, page.get_by_label(SURVEY.question("comment").text["sv"]))
    keys.type("Bra stöd, tack.")
    forward()

    # After a comment: may it be quoted? "Nej" is the second answer.
    pick("quote_consent", "no")
    forward("Titta igenom dina svar")
    assert path(page) == "/enkat/granska"
    forward("Skicka mina svar")
    assert path(page) == "/enkat/tack"
    assert stored_answers("S1") == {**ANSWERS, "comment": "Bra stöd, tack.", "quote_consent": "no"}


def test_a_phone_320_px_wide_needs_no_sideways_scrolling(new_context, links, tmp_path):
    # docs/participant-320px.png is the first screenshot: run this test with --basetemp and copy it.
    page = new_context(viewport={"width": 320, "height": 640}, device_scale_factor=2).new_page()
    page.goto(links["S1"])
    assert scroll_width(page) <= 320
    follow(page.get_by_role("link", name="Börja"))
    for _ in range(2):
        assert scroll_width(page) <= 320
        answer_page(page, "sv", ANSWERS)
    assert path(page) == "/enkat/sida/wellbeing" and scroll_width(page) <= 320
    page.screenshot(path=tmp_path / "participant-320px.png")
    page.screenshot(path=tmp_path / "wellbeing-320px.png", full_page=True)
    follow(page.get_by_role("button", name="Nästa"))
    assert page.get_by_role("alert").is_visible() and scroll_width(page) <= 320
    page.screenshot(path=tmp_path / "wellbeing-errors-320px.png", full_page=True)
    for _ in range(3):
        answer_page(page, "sv", ANSWERS)
        assert scroll_width(page) <= 320
    assert path(page) == "/enkat/granska"


def test_text_zoomed_to_200_percent_fits(new_context, links):
    # Zooming the whole page needs no test of its own: Chromium lays a 1280 px window zoomed to 200 %
    # out in 640 CSS px, and to 400 % in 320, which the phone test checks. Text-only zoom (the
    # browser's font size setting, or a phone's font scale) is what that cannot show: the text
    # doubles while the layout width stays. followup.css sizes text in rem, so doubling the root font
    # size is that setting. 640 px is half a 1280 px screen; with the text doubled a line holds as few
    # characters as on the 320 px phone, while borders, outlines and fixed widths keep their size.
    page = new_context(viewport={"width": 640, "height": 800}).new_page()
    page.goto(links["E1"])

    def zoomed():
        page.evaluate("() => { document.documentElement.style.fontSize = '200%'; }")
        assert page.evaluate("() => getComputedStyle(document.body).fontSize") == "36px"
        return scroll_width(page) <= 640

    assert zoomed()
    follow(page.get_by_role("link", name="Start"))
    answers = {**ANSWERS, "comment": WORDS["en"]["comment"]}
    for _ in range(2):
        assert zoomed()
        answer_page(page, "en", answers)
    follow(page.get_by_role("button", name="Next"))
    assert page.get_by_role("alert").is_visible() and zoomed()
    for _ in range(4):  # the last: whether the comment may be quoted
        answer_page(page, "en", answers)
        assert zoomed()
    assert path(page) == "/enkat/granska"


def test_the_survey_works_without_javascript(new_context, links):
    page = new_context(java_script_enabled=False).new_page()
    page.goto(links["E1"])
    follow(page.get_by_role("link", name="Start"))
    follow(page.get_by_role("button", name="Next"))
    assert page.get_by_role("alert").is_visible()  # the check is the server's, not a script's
    answers = {**ANSWERS, "comment": WORDS["en"]["comment"]}
    answer_survey(page, "en", answers)
    follow(page.get_by_role("button", name="Send my answers"))
    assert path(page) == "/enkat/tack"
    assert stored_answers("E1") == answers


def fits(page) -> bool:
    """Tell whether the page needs no sideways scrolling."""
    return page.evaluate(
        "() => document.scrollingElement.scrollWidth <= document.scrollingElement.clientWidth"
    )


WHO_IS_ASKING = Organisation(
    name="Samordningsförbundet Södra Hälsingland",
    email="uppfoljning.stegett.samordningsforbundet@example.org",
    phone="0650-55 55 55",
    privacy_url="https://example.org/personuppgifter-och-integritetsskydd",
)


@pytest.mark.parametrize("width", [320, 1280])
def test_every_participant_page_fits_a_320_px_phone(
    app, new_context, links, optout_links, clock, db, tmp_path, width
):
    # Screenshots of each page land in tmp_path (run with --basetemp to keep them and look).
    app.config["WHO_IS_ASKING"] = WHO_IS_ASKING  # the longest texts: a long name and address
    page = new_context(viewport={"width": width, "height": 720}, locale="sv").new_page()
    shown = []

    def check(name, address=None, status=200):
        if address is not None:
            assert page.goto(address).status == status
        assert fits(page), f"{name} scrolls sideways at {width} px"
        page.screenshot(path=tmp_path / f"{name}-{width}.png", full_page=True)
        shown.append(name)

    check("start", "/")
    check("accessibility", "/tillganglighet")
    check("privacy-notice", f"/integritet/{give_a_notice(db)}")
    check("not-found", "/s/" + "A" * 43, 404)
    check("no-session", "/enkat", 403)
    check("intro", links["S1"])
    follow(page.get_by_role("link", name="Börja"))
    follow(page.get_by_role("button", name="Nästa"))
    check("page-with-errors")
    for _ in range(5):
        check(f"page-{path(page).rsplit('/', 1)[1]}")
        answer_page(page, "sv", ANSWERS)
    check("review")
    check("skip", "/enkat/hoppa-over")
    check("stop-all", "/enkat/avsluta")
    page.goto("/enkat/granska")
    follow(page.get_by_role("button", name="Skicka mina svar"))
    check("thanks")
    page.context.clear_cookies()
    page.goto(links["S2"])
    page.goto("/enkat/hoppa-over")
    follow(page.get_by_role("button", name="Ja, hoppa över den här gången"))
    check("skipped")
    page.context.clear_cookies()
    check("stop-by-link", optout_links["E2"])
    follow(page.get_by_role("button", name="Yes, stop all messages"))
    check("stopped")
    check("intro-after-stopping", links["E2"])
    assert "You stopped all follow-ups on 2026-01-21." in page.inner_text("main")
    clock.set(NOW + timedelta(days=61))
    check("expired", links["E2"], 410)
    for _ in range(10):
        page.goto("/s/" + "B" * 43)
    check("too-many", "/s/" + "C" * 43, 429)
    assert len(shown) == 22


def test_back_comes_before_next_and_enter_still_goes_forward(new_context, links):
    page = new_context().new_page()
    page.goto(links["S1"])
    follow(page.get_by_role("link", name="Börja"))
    answer_page(page, "sv", {"main_activity": "work"})
    buttons = page.locator(".actions").get_by_role("button")  # what people and screen readers meet
    assert [buttons.nth(n).inner_text() for n in range(buttons.count())] == ["Tillbaka", "Nästa"]
    back, forward = (buttons.nth(n).bounding_box() for n in range(2))
    assert back["x"] < forward["x"]
    # Enter in a field submits the form with Next, as a person typing the number expects.
    page.get_by_label(SURVEY.question("work_hours").text["sv"]).fill("32")
    choose(page, "sv", "social_assistance", "no")
    page.get_by_label(SURVEY.question("work_hours").text["sv"]).focus()
    with page.expect_navigation():
        page.keyboard.press("Enter")
    assert path(page) == "/enkat/sida/wellbeing"


def test_a_long_question_sits_inside_its_box(new_context, links):
    page = new_context(viewport={"width": 320, "height": 640}).new_page()
    page.goto(links["S1"])
    follow(page.get_by_role("link", name="Börja"))
    for fieldset in page.locator("fieldset").all():
        box, legend = fieldset.bounding_box(), fieldset.locator("legend").bounding_box()
        assert legend["height"] > 30, "the question should take two lines at 320 px"
        assert legend["y"] > box["y"] + 1, "the top border runs through the question"
