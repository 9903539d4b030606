"""Storing a participant's answers: once, whole, only while the window is open, and countable."""

import json
from datetime import timedelta

import pytest

from followup.answers.answering import save_draft
from followup.answers.responses import countable, record_response
from followup.answers.surveys import AnswerError, latest, load_surveys
from followup.answers.tokens import AlreadyAnswered, ExpiredToken
from followup.models import AnsweredSurvey, Draft, Invitation, Outcome, Participant, Response, Wave
from tests.factories import at, make_participants, make_programme

NOW = at(2026, 1, 21)
SURVEY = latest(load_surveys(), "standard")
ANSWERS = {
    "main_activity": "studies",
    "social_assistance": "no",
    **{f"who5_{n}": n - 1 for n in range(1, 6)},
    "next_step_start": "within_a_month",
    "programme_helped": "very_much",
    "comment": "Bra stöd",
}


def test_the_counted_answers_are_the_chosen_options_and_the_who5_index():
    assert countable(ANSWERS) == {
        "main_activity": "studies",
        "social_assistance": "no",
        "next_step_start": "within_a_month",
        "programme_helped": "very_much",
        "who5": 4 * (0 + 1 + 2 + 3 + 4),
    }
    assert countable({**ANSWERS, **{f"who5_{n}": 5 for n in range(1, 6)}})["who5"] == 100
    assert countable({f"who5_{n}": 0 for n in range(1, 6)}) == {
        "main_activity": None,
        "social_assistance": None,
        "next_step_start": None,
        "programme_helped": None,
        "who5": 0,
    }


@pytest.mark.parametrize(
    "item",
    [None, 6, -1, True, "3", 2.0],
    ids=["unanswered", "above 5", "below 0", "a yes", "text", "a fraction"],
)
def test_the_who5_index_is_empty_unless_all_five_items_are_whole_numbers_0_to_5(item):
    assert countable({**ANSWERS, "who5_3": item})["who5"] is None


def test_an_option_that_is_not_text_is_not_counted():
    assert (
        countable({**ANSWERS, "main_activity": ["studies"], "programme_helped": 3})["main_activity"] is None
    )
    assert countable({**ANSWERS, "programme_helped": 3})["programme_helped"] is None


@pytest.fixture
def invitations(db):
    """The 6-month invitations of E1 and E2, open from 20 January 2026 (60 days)."""
    programme = make_programme(db, NOW)
    make_participants(
        db, NOW, programme, ["E1,2025-07-20,e1@example.org,,sv,", "E2,2025-07-20,e2@example.org,,sv,"]
    )
    found = Invitation.select().join(Wave).switch(Invitation).join(Participant)
    found = found.where(Wave.offset_months == 6).order_by(Participant.code)
    return list(found)


def test_the_answers_are_stored_once_with_their_counts_and_the_draft_goes(db, invitations):
    mine, theirs = invitations
    for invitation in invitations:
        assert save_draft(db, invitation.id, {"comment": "utkast"}, NOW)
    response = record_response(db, mine.id, SURVEY, ANSWERS, NOW)
    stored = Response.get(Response.invitation == mine)
    assert stored.id == response.id and (stored.survey, stored.survey_version) == ("standard", SURVEY.version)
    assert stored.submitted_at == NOW and json.loads(stored.answers) == ANSWERS
    answered = Invitation.get_by_id(mine.id)
    assert (answered.state, answered.answered_at) == (Invitation.ANSWERED, NOW)
    outcome = Outcome.get(Outcome.invitation == mine)
    assert (outcome.main_activity, outcome.who5, outcome.programme_helped) == ("studies", 40, "very_much")
    assert [d.invitation_id for d in Draft.select()] == [theirs.id]  # only the answered one's draft goes
    assert Invitation.get_by_id(theirs.id).state == Invitation.SCHEDULED
    assert [(a.wave_id, a.survey, a.version) for a in AnsweredSurvey.select()] == [
        (mine.wave_id, "standard", SURVEY.version)
    ]
    # A second answer in the same wave names the survey version once; one in a later wave, for that wave.
    record_response(db, theirs.id, SURVEY, ANSWERS, NOW)
    assert AnsweredSurvey.select().count() == 1 and Response.select().count() == 2
    later = (
        Invitation.select()
        .join(Wave)
        .where((Invitation.participant == theirs.participant_id) & (Wave.offset_months == 12))
        .get()
    )
    record_response(db, later.id, SURVEY, ANSWERS, later.due_at)
    assert sorted(a.wave_id for a in AnsweredSurvey.select()) == sorted([mine.wave_id, later.wave_id])


def test_answers_that_do_not_fit_store_nothing(db, invitations):
    with pytest.raises(AnswerError):
        record_response(db, invitations[0].id, SURVEY, {**ANSWERS, "main_activity": "astronaut"}, NOW)
    assert Invitation.get_by_id(invitations[0].id).state == Invitation.SCHEDULED
    assert Response.select().count() == Outcome.select().count() == 0


def test_a_second_answer_or_one_after_the_window_closed_is_refused(db, invitations):
    mine, theirs = invitations
    record_response(db, mine.id, SURVEY, ANSWERS, NOW)
    with pytest.raises(AlreadyAnswered):
        record_response(db, mine.id, SURVEY, ANSWERS, NOW + timedelta(minutes=1))
    with pytest.raises(ExpiredToken):
        record_response(db, theirs.id, SURVEY, ANSWERS, theirs.expires_at)  # from that instant it is closed
    Invitation.update(state=Invitation.EXPIRED).where(Invitation.id == theirs.id).execute()
    with pytest.raises(ExpiredToken):
        record_response(db, theirs.id, SURVEY, ANSWERS, NOW)
    assert Response.select().count() == Outcome.select().count() == 1
    assert Invitation.get_by_id(theirs.id).answered_at is None


def test_an_answer_stored_meanwhile_makes_the_second_already_answered(db, invitations):
    mine = invitations[0]
    record_response(db, mine.id, SURVEY, ANSWERS, NOW)
    # The invitation is open again (as a second submit racing the first sees it): the stored response holds.
    Invitation.update(state=Invitation.SENT).where(Invitation.id == mine.id).execute()
    with pytest.raises(AlreadyAnswered):
        record_response(db, mine.id, SURVEY, ANSWERS, NOW)
    assert Response.select().count() == 1
