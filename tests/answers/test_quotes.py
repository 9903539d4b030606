"""Quotes: a comment becomes one only with its author's yes, and is published only as approved."""

import json
from dataclasses import fields
from datetime import timedelta

import pytest

from followup.answers.quotes import (
    QuoteForReview,
    QuoteNotFound,
    ReviewRefused,
    approve_quote,
    consented_comment,
    quotes_for_review,
    reject_quote,
)
from followup.answers.responses import record_response
from followup.answers.surveys import load_surveys
from followup.answers.tokens import AlreadyAnswered
from followup.models import Invitation, Participant, Quote, Response, Role, User, Wave
from followup.results.quotes import published_quotes
from followup.results.tables import PublishedQuote
from tests.factories import at, make_participants, make_programme, make_user

SURVEYS = load_surveys()["standard"]
COMPLETE = {
    "main_activity": "studies",
    "social_assistance": "no",
    **{f"who5_{n}": 3 for n in range(1, 6)},
    "next_step_start": "within_a_month",
    "programme_helped": "very_much",
}
SIX, TWELVE = at(2026, 1, 21), at(2026, 7, 21)  # for an exit on 2025-07-20


@pytest.fixture
def steget(db, clock):
    """Steget (waves at 6 and 12 months) with five people, and Basen with one; Cora reviews Steget."""
    steget = make_programme(db, clock.now(), "Steget", offsets=[6, 12])
    basen = make_programme(db, clock.now(), "Basen", offsets=[6, 12])
    make_participants(
        db, clock.now(), steget, [f"S{i},2025-07-20,s{i}@example.org,,sv,G" for i in range(1, 6)]
    )
    make_participants(db, clock.now(), basen, ["B1,2025-07-20,b1@example.org,,sv,G"])
    make_user(db, clock.now(), "cora@example.org", Role.COORDINATOR, steget)
    return steget


def answer(db, code, months, survey_version=3, **given):
    """Record `code`'s answers at the wave `months`, the standard ones plus `given`."""
    invitation = (
        Invitation.select()
        .join(Participant)
        .switch(Invitation)
        .join(Wave)
        .where(Participant.code == code, Wave.offset_months == months)
        .get()
    )
    moment = SIX if months == 6 else TWELVE
    return record_response(db, invitation.id, SURVEYS[survey_version], {**COMPLETE, **given}, moment)


def cora():
    return User.get(User.email == "cora@example.org")


def test_a_comment_with_consent_waits_for_review_as_text_and_wave_alone(db, steget):
    response = answer(db, "S1", 6, comment="  Kursen gav mig mod.  ", quote_consent="yes")
    quote = Quote.get()
    assert quote.response_id == response.id and quote.programme_id == steget.id
    assert quote.wave.offset_months == 6 and quote.state == Quote.WAITING
    assert quote.submitted_text == "Kursen gav mig mod." and quote.approved_text is None
    assert json.loads(response.answers)["quote_consent"] == "yes"
    waiting = quotes_for_review(steget.id, Quote.WAITING)
    assert waiting == [QuoteForReview(quote.id, "Kursen gav mig mod.", 6, Quote.WAITING)]
    # What the review page can be given: nothing that leads to the code, a date or another answer.
    assert {f.name for f in fields(QuoteForReview)} == {"id", "text", "months", "state"}


@pytest.mark.parametrize(
    ("version", "given"),
    [
        (3, {"comment": "Nej tack till citat", "quote_consent": "no"}),
        (3, {"comment": "Inget svar om citat"}),
        (3, {"quote_consent": "yes"}),  # no comment: the consent question was never asked
        (3, {"comment": "   ", "quote_consent": "yes"}),
        (2, {"comment": "Version 2 frågade aldrig", "quote_consent": "yes"}),
    ],
)
def test_without_a_yes_and_a_comment_there_is_no_quote(db, steget, version, given):
    response = answer(db, "S1", 6, survey_version=version, **given)
    assert Quote.select().count() == 0
    assert "quote_consent" not in json.loads(response.answers) or given.get("quote_consent") == "no"
    assert quotes_for_review(steget.id, Quote.WAITING) == []


def test_approving_publishes_the_edited_text_and_rejecting_takes_it_back(db, steget):
    answer(db, "S1", 6, comment="Anna på Steget i Kiruna hjälpte mig.", quote_consent="yes")
    quote = Quote.get()
    edited = approve_quote(db, TWELVE, steget.id, quote.id, cora(), " [Handledaren] hjälpte mig. ")
    assert edited is True
    stored = Quote.get_by_id(quote.id)
    assert stored.state == Quote.APPROVED and stored.approved_text == "[Handledaren] hjälpte mig."
    assert stored.submitted_text == "Anna på Steget i Kiruna hjälpte mig."  # kept as it came
    assert stored.reviewed_by_id == cora().id and stored.reviewed_at == TWELVE
    assert quotes_for_review(steget.id, Quote.WAITING) == []
    assert [q.text for q in quotes_for_review(steget.id, Quote.APPROVED)] == ["[Handledaren] hjälpte mig."]
    assert [q.text for q in published_quotes(steget.id, 1)] == ["[Handledaren] hjälpte mig."]
    rita = make_user(db, TWELVE, "rita@example.org", Role.COORDINATOR, steget)
    reject_quote(db, TWELVE + timedelta(days=1), steget.id, quote.id, rita)
    rejected = Quote.get_by_id(quote.id)
    assert rejected.state == Quote.REJECTED and rejected.approved_text is None
    assert rejected.reviewed_by_id == rita.id and rejected.reviewed_at == TWELVE + timedelta(days=1)
    assert published_quotes(steget.id, 1) == []
    assert quotes_for_review(steget.id, Quote.APPROVED) == quotes_for_review(steget.id, Quote.WAITING) == []


def test_approving_as_written_is_not_an_edit_and_an_empty_text_is_refused(db, steget):
    answer(db, "S1", 6, comment="Bra.", quote_consent="yes")
    quote = Quote.get()
    with pytest.raises(ReviewRefused, match=r"^Write the text to publish, or reject the quote\.$"):
        approve_quote(db, TWELVE, steget.id, quote.id, cora(), "   ")
    with pytest.raises(ReviewRefused, match=r"^The text is longer than a comment can be\.$"):
        approve_quote(db, TWELVE, steget.id, quote.id, cora(), "x" * 2001)
    assert Quote.get_by_id(quote.id).state == Quote.WAITING
    assert approve_quote(db, TWELVE, steget.id, quote.id, cora(), "Bra.") is False


def test_a_quote_is_reviewed_only_through_its_own_programme(db, steget):
    answer(db, "S1", 6, comment="Bra.", quote_consent="yes")
    quote = Quote.get()
    basen = Wave.select().join(Invitation).join(Participant).where(Participant.code == "B1").get().programme
    with pytest.raises(QuoteNotFound):
        approve_quote(db, TWELVE, basen.id, quote.id, cora(), "Bra.")
    with pytest.raises(QuoteNotFound):
        reject_quote(db, TWELVE, basen.id, quote.id, cora())
    with pytest.raises(QuoteNotFound):
        approve_quote(db, TWELVE, steget.id, quote.id + 1, cora(), "Bra.")
    assert Quote.get_by_id(quote.id).state == Quote.WAITING
    assert quotes_for_review(basen.id, Quote.WAITING) == []


def test_a_wave_is_named_only_when_it_has_at_least_threshold_answers(db, steget):
    # 6 months: four answers (two quoted); 12 months: one answer (quoted).
    for code in ("S1", "S2", "S3", "S4"):
        answer(
            db,
            code,
            6,
            **({"comment": f"Sex månader, {code}.", "quote_consent": "yes"} if code < "S3" else {}),
        )
    answer(db, "S5", 12, comment="Tolv månader.", quote_consent="yes")
    for quote in Quote.select():
        approve_quote(db, TWELVE, steget.id, quote.id, cora(), quote.submitted_text.replace("S1", "[namn]"))
    assert published_quotes(steget.id, 4) == [
        PublishedQuote("Sex månader, S2.", 6),
        PublishedQuote("Sex månader, [namn].", 6),
        PublishedQuote("Tolv månader.", None),
    ]
    # One more than the 6-month wave had: no wave is named, and the order says nothing of the waves.
    assert published_quotes(steget.id, 5) == [
        PublishedQuote("Sex månader, S2.", None),
        PublishedQuote("Sex månader, [namn].", None),
        PublishedQuote("Tolv månader.", None),
    ]
    assert [q.months for q in published_quotes(steget.id, 1)] == [6, 6, 12]


def test_the_response_and_its_quote_are_stored_together_or_not_at_all(db, steget):
    answer(db, "S1", 6, comment="Bra.", quote_consent="yes")
    with pytest.raises(AlreadyAnswered):
        answer(db, "S1", 6, comment="Igen.", quote_consent="yes")
    assert [q.submitted_text for q in Quote.select()] == ["Bra."]
    assert Response.select().count() == 1


def test_only_the_programmes_own_approved_quotes_are_published(db, steget):
    answer(db, "S1", 6, comment="Steget, godkänd.", quote_consent="yes")
    answer(db, "S2", 6, comment="Steget, väntar.", quote_consent="yes")
    answer(db, "B1", 6, comment="Basen, godkänd.", quote_consent="yes")
    basen = Wave.select().join(Invitation).join(Participant).where(Participant.code == "B1").get().programme
    for quote in Quote.select():
        if quote.submitted_text != "Steget, väntar.":
            approve_quote(db, TWELVE, quote.programme_id, quote.id, cora(), quote.submitted_text)
    # Steget's 6-month wave has two answers; Basen's answer is not one of them.
    assert published_quotes(steget.id, 2) == [PublishedQuote("Steget, godkänd.", 6)]
    assert published_quotes(steget.id, 3) == [PublishedQuote("Steget, godkänd.", None)]
    assert published_quotes(basen.id, 1) == [PublishedQuote("Basen, godkänd.", 6)]
    assert published_quotes(basen.id, 2) == [PublishedQuote("Basen, godkänd.", None)]


def test_labelled_quotes_come_by_wave_then_text_and_unlabelled_ones_last(db, steget):
    answer(db, "S1", 6, comment="Ö först vid sex.", quote_consent="yes")
    answer(db, "S2", 6, comment="B vid sex.", quote_consent="yes")
    answer(db, "S3", 12, comment="A vid tolv.", quote_consent="yes")
    for quote in Quote.select():
        approve_quote(db, TWELVE, steget.id, quote.id, cora(), quote.submitted_text)
    assert published_quotes(steget.id, 1) == [
        PublishedQuote("B vid sex.", 6),
        PublishedQuote("Ö först vid sex.", 6),
        PublishedQuote("A vid tolv.", 12),
    ]
    assert [q.text for q in published_quotes(steget.id, 2)] == [
        "B vid sex.",
        "Ö först vid sex.",
        "A vid tolv.",
    ]
    assert [q.months for q in published_quotes(steget.id, 2)] == [6, 6, None]


@pytest.mark.parametrize(
    "answers",
    [
        {"quote_consent": "yes"},
        {"quote_consent": "yes", "comment": "  "},
        {"quote_consent": "yes", "comment": ["En lista"]},
        {"quote_consent": "no", "comment": "Bra."},
    ],
)
def test_only_a_written_comment_with_a_yes_is_one_to_quote(answers):
    assert consented_comment(answers) is None
    assert consented_comment({"comment": " Bra. ", "quote_consent": "yes"}) == "Bra."


def test_quotes_for_review_come_by_wave_then_by_the_text_shown_and_one_review_touches_one(db, steget):
    for code, months, text in (
        ("S1", 6, "Cecilia"),
        ("S3", 6, "Anna"),
        ("S2", 6, "Anna"),
        ("S5", 12, "Bertil"),
    ):
        answer(db, code, months, comment=text, quote_consent="yes")
    s1, s3, s2, s5 = (q.id for q in Quote.select().order_by(Quote.id))
    waiting = [(q.id, q.months, q.text) for q in quotes_for_review(steget.id, Quote.WAITING)]
    assert waiting == [(s3, 6, "Anna"), (s2, 6, "Anna"), (s1, 6, "Cecilia"), (s5, 12, "Bertil")]
    approve_quote(db, TWELVE, steget.id, s1, cora(), "Aaa")
    approve_quote(db, TWELVE, steget.id, s2, cora(), "Zzz")
    assert approve_quote(db, TWELVE, steget.id, s5, cora(), "x" * 2000) is True  # as long as a comment can be
    approved = [(q.id, q.text) for q in quotes_for_review(steget.id, Quote.APPROVED)]
    assert approved == [(s1, "Aaa"), (s2, "Zzz"), (s5, "x" * 2000)]
    reject_quote(db, TWELVE, steget.id, s2, cora())
    assert [q.id for q in quotes_for_review(steget.id, Quote.APPROVED)] == [s1, s5]
    assert [q.id for q in quotes_for_review(steget.id, Quote.WAITING)] == [s3]
