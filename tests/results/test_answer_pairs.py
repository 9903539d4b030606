"""The WHO-5 change and answering again between waves, and the non-response view, after what can
happen to answers after they are stored: answered out of order, waves at any offsets, a person
erased, a language changed. Hand counts on small programmes built here (threshold 1)."""

import threading

import pytest

from followup.answers.responses import record_response
from followup.answers.surveys import load_survey
from followup.models import AnswerPair, Invitation, Participant, Programme, Wave
from followup.plan.participant_actions import change_language, erase_participant
from followup.plan.replanning import Plan, apply_plan, current_plan
from followup.results.measures import Assumptions
from followup.results.reporting import make_report
from followup.results.tables import ALL
from tests.answers.test_surveys import GOOD, write
from tests.conftest import DATABASES
from tests.factories import STOCKHOLM, at, make_participants, make_programme, run_tick
from tests.results.test_measures import HEADER, SURVEY, answers_of, figures


def answer(db, code, months, who5, moment, activity="work"):
    invitation = (
        Invitation.select()
        .join(Participant)
        .switch(Invitation)
        .join(Wave)
        .where(Participant.code == code, Wave.offset_months == months)
        .get()
    )
    record_response(
        db, invitation.id, SURVEY, answers_of((activity, "no", who5, "not_yet", "a_little")), moment
    )


def report(app, db, programme, moment):
    with app.app_context():
        return make_report(db, Programme.get_by_id(programme.id), moment, 1, Assumptions())


def start(app, db, clock, offsets, people, window_days=90):
    """A programme with `offsets`, `people` (code, language) exiting on 20 July 2025, every wave sent."""
    programme = make_programme(db, clock.now(), offsets=offsets, window_days=window_days)
    rows = [
        f"{code},2025-07-20,{code.lower()}@example.org,,{language},A,job_seeking,yes"
        for code, language in people
    ]
    make_participants(db, clock.now(), programme, rows, header=HEADER)
    return programme


def test_an_earlier_wave_answered_after_a_later_one_is_paired_earlier_first(app, db, clock):
    # Waves one and two months after exit, open for 90 days: both are open in late September.
    programme = start(app, db, clock, [1, 2], [("K1", "sv"), ("K2", "sv")])
    run_tick(app, db, at(2025, 9, 22))
    answer(db, "K1", 2, 4, at(2025, 9, 23))  # the later wave first: WHO-5 80
    answer(db, "K1", 1, 1, at(2025, 9, 24))  # then the earlier, late: WHO-5 20
    answer(db, "K2", 1, 3, at(2025, 9, 23))  # in order: 60, then 40
    answer(db, "K2", 2, 2, at(2025, 9, 24))
    made = report(app, db, programme, at(2025, 10, 1))
    change = figures(made, "who5_change", 2, ALL, since=1)
    assert change["pairs"] == 2
    assert change["change"] == pytest.approx(((80 - 20) + (40 - 60)) / 2)
    assert (change["improved"], change["worsened"]) == (1, 1)
    again = figures(made, "attrition", 2, ALL, since=1)
    assert (again["answered_first"], again["answered_both"]) == (2, 2)


def test_pairs_of_waves_at_any_offsets_and_a_wave_added_between(app, db, clock):
    programme = start(app, db, clock, [3, 30], [("K1", "sv"), ("K2", "sv"), ("K3", "sv")], window_days=60)
    before = current_plan(programme)
    apply_plan(db, clock.now(), programme, Plan(**{**before.__dict__, "offsets": [3, 9, 30]}), STOCKHOLM, 10)
    for months, moment in ((3, at(2025, 10, 21)), (9, at(2026, 4, 21)), (30, at(2028, 1, 21))):
        run_tick(app, db, moment)
        for code, who5 in (("K1", (1, 2, 5)), ("K2", (4, 4, 0)), ("K3", (2, None, 3))):
            score = who5[(3, 9, 30).index(months)]
            if score is not None:
                answer(db, code, months, score, moment)
    made = report(app, db, programme, at(2028, 2, 1))
    for first, second, scores in (
        (3, 9, [(20, 40), (80, 80)]),
        (3, 30, [(20, 100), (80, 0), (40, 60)]),
        (9, 30, [(40, 100), (80, 0)]),
    ):
        change = figures(made, "who5_change", second, ALL, since=first)
        differences = [b - a for a, b in scores]
        assert change["pairs"] == len(scores), (first, second)
        assert change["change"] == pytest.approx(sum(differences) / len(differences))
        assert change["improved"] == sum(d >= 10 for d in differences)
        assert change["worsened"] == sum(d <= -10 for d in differences)


def test_an_erased_person_leaves_no_pair_and_a_new_language_moves_the_non_response_view(app, db, clock):
    programme = start(app, db, clock, [1, 2], [("K1", "sv"), ("K2", "sv"), ("K3", "sv")])
    run_tick(app, db, at(2025, 9, 22))
    for code in ("K1", "K2"):
        answer(db, code, 1, 3, at(2025, 9, 23))
        answer(db, code, 2, 5, at(2025, 9, 24))
    answer(db, "K3", 1, 1, at(2025, 9, 23))
    erase_participant(db, Participant.get(Participant.code == "K1"), "K1")
    change_language(db, Participant.get(Participant.code == "K2"), "en")
    made = report(app, db, programme, at(2025, 10, 1))
    assert figures(made, "who5_change", 2, ALL, since=1)["pairs"] == 1
    assert figures(made, "attrition", 2, ALL, since=1)["answered_first"] == 2
    view = {r.group: r for r in made.table("non_response").rows if r.wave == 1}
    assert view["language:en"].cells["responders"].value == 1
    assert view["language:sv"].cells["responders"].value == 1


def test_two_waves_answered_at_the_same_moment_are_paired(app, db, clock):
    codes = [f"K{n}" for n in range(8)]
    programme = start(app, db, clock, [1, 2], [(code, "sv") for code in codes])
    run_tick(app, db, at(2025, 9, 22))
    for code in codes:
        begin = threading.Barrier(2)

        def submit(months, code=code, begin=begin):
            with db.connection_context():
                begin.wait()
                answer(db, code, months, months, at(2025, 9, 23))

        workers = [threading.Thread(target=submit, args=(months,)) for months in (1, 2)]
        for worker in workers:
            worker.start()
        for worker in workers:
            worker.join(timeout=30)
    change = figures(report(app, db, programme, at(2025, 10, 1)), "who5_change", 2, ALL, since=1)
    assert (change["pairs"], change["change"]) == (8, 20)


def test_an_answer_to_an_invitation_never_marked_sent_is_left_out_as_before(app, db, clock):
    programme = start(app, db, clock, [1, 2], [("K1", "sv"), ("K2", "sv")])
    run_tick(app, db, at(2025, 9, 22))
    # K2's 2-month message went out, but the moment it did was never recorded (the invitation was
    # answered in between, so it stays unsent).
    unsent = Invitation.select(Invitation.id).join(Participant).switch(Invitation).join(Wave)
    unsent = unsent.where(Participant.code == "K2", Wave.offset_months == 2)
    Invitation.update(state=Invitation.SCHEDULED, sent_at=None).where(Invitation.id.in_(unsent)).execute()
    for code in ("K1", "K2"):
        answer(db, code, 1, 3, at(2025, 9, 23))
        answer(db, code, 2, 5, at(2025, 9, 24), activity="studies")
    made = report(app, db, programme, at(2025, 10, 1))
    reach = figures(made, "reach", 2, ALL)
    assert (reach["invited"], reach["answered"]) == (1, 1)
    assert figures(made, "activity", 2, ALL)["studies"] == 1
    assert figures(made, "reach", 1, ALL)["answered"] == 2


def test_an_answer_without_who5_is_paired_without_a_change(app, db, clock, tmp_path):
    # A survey version without WHO-5 (a programme's own short survey): the pair counts as answering
    # again, with no change in well-being, whichever of the two lacks it.
    short = load_survey(write(tmp_path, GOOD))
    start(app, db, clock, [1, 2, 3], [("K0", "sv")])
    run_tick(app, db, at(2025, 10, 21))
    answer(db, "K0", 1, 3, at(2025, 10, 22))
    invitation = Invitation.select().join(Wave).where(Wave.offset_months == 2).get()
    record_response(db, invitation.id, short, {"feel": 1, "doing": "rest", "mood": 3}, at(2025, 10, 22))
    answer(db, "K0", 3, 4, at(2025, 10, 23))
    pairs = AnswerPair.select(AnswerPair.first_wave, AnswerPair.second_wave, AnswerPair.change).tuples()
    months = dict(Wave.select(Wave.id, Wave.offset_months).tuples())
    assert sorted((months[a], months[b], c) for a, b, c in pairs) == [(1, 2, None), (1, 3, 20), (2, 3, None)]


@pytest.mark.parametrize("database_url", [d for d in DATABASES if d == "postgresql"], indirect=True)
def test_an_answer_never_waits_for_another_person_s(app, db, clock, database_url):
    programme = start(app, db, clock, [1], [("L1", "sv"), ("L2", "sv")])
    run_tick(app, db, at(2025, 9, 22))
    other = Participant.get(Participant.code == "L2").id
    holding, release = threading.Event(), threading.Event()

    def hold():
        # L2's row held, as their own answer or a staff member changing their language would hold it.
        with db.connection_context(), db.atomic():
            Participant.select(Participant.id).where(Participant.id == other).for_update().execute()
            holding.set()
            release.wait(30)

    holder = threading.Thread(target=hold)
    holder.start()
    assert holding.wait(30)
    try:
        db.execute_sql("SET lock_timeout = '2s'")  # a wait on L2 fails the answer instead of hanging
        answer(db, "L1", 1, 3, at(2025, 9, 23))
    finally:
        db.execute_sql("RESET lock_timeout")
        release.set()
        holder.join(30)
    assert figures(report(app, db, programme, at(2025, 10, 1)), "who5", 1, ALL)["who5_n"] == 1
