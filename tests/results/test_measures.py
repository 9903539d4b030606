"""Each measure against a hand count on a small programme built here (no suppression: threshold 1)."""

import math

import pytest

from followup.answers.responses import record_response
from followup.answers.surveys import latest, load_surveys
from followup.models import Invitation, Participant, Programme, Wave
from followup.results.measures import Assumptions
from followup.results.reporting import make_report
from followup.results.tables import ALL
from tests.factories import at, make_participants, make_programme, run_tick

SURVEY = latest(load_surveys(), "standard")
HEADER = "code,exit_date,email,phone,language,cohort,exit_activity,exit_social_assistance"

# (cohort, exit activity, social assistance at exit, language, answers at 6 months, at 12 months);
# answers: (main activity, social assistance now, each WHO-5 item, next step, programme helped).
PEOPLE = [
    (
        "A",
        "job_seeking",
        "yes",
        "sv",
        ("work", "no", 4, "within_a_month", "very_much"),
        ("work", "no", 5, "within_a_month", "very_much"),
    ),
    (
        "A",
        "job_seeking",
        "yes",
        "sv",
        ("studies", "yes", 2, "not_yet", "a_little"),
        ("job_seeking", "yes", 1, "not_yet", "a_little"),
    ),
    ("A", "sick_leave", "no", "en", ("sickness_compensation", "no", 1, "dont_know", "not_at_all"), None),
    (
        "A",
        "sick_leave",
        "yes",
        "sv",
        None,
        ("labour_market_programme", "yes", 3, "one_to_three_months", "quite_a_lot"),
    ),
    (
        "A",
        "",
        "",
        "sv",
        ("job_seeking", "prefer_not_to_say", 3, "not_yet", "dont_know"),
        ("job_seeking", "no", 3, "not_yet", "dont_know"),
    ),
    (
        "B",
        "labour_market_programme",
        "yes",
        "sv",
        ("work_subsidised", "no", 3, "one_to_three_months", "quite_a_lot"),
        ("work_subsidised", "no", 4, "one_to_three_months", "quite_a_lot"),
    ),
    (
        "B",
        "work_subsidised",
        "no",
        "sv",
        ("sick_leave", "no", 0, "more_than_six_months", "a_little"),
        ("sick_leave", "no", 1, "more_than_six_months", "a_little"),
    ),
    ("B", "job_seeking", "yes", "en", None, None),
    (
        "B",
        "studies",
        "no",
        "sv",
        ("studies", "no", 5, "within_a_month", "very_much"),
        ("parental_leave", "no", 5, "within_a_month", "very_much"),
    ),
]
SELF = {"work", "work_subsidised", "own_business", "studies", "sickness_compensation"}
WORK_STUDIES = {"work", "work_subsidised", "own_business", "studies"}
RUNG = {
    "sick_leave": 0,
    "sickness_compensation": 0,
    "job_seeking": 1,
    "labour_market_programme": 2,
    "work_subsidised": 3,
    "work": 4,
    "own_business": 4,
    "studies": 4,
}


def answers_of(given):
    """The answers to the survey; WHO-5 as one value for all five items, or the five items."""
    activity, assistance, who5, step, helped = given
    items = who5 if isinstance(who5, tuple) else (who5,) * 5
    return {
        "main_activity": activity,
        "social_assistance": assistance,
        **{f"who5_{n}": item for n, item in enumerate(items, start=1)},
        "next_step_start": step,
        "programme_helped": helped,
        "comment": '=HYPERLINK("x") Kalle',
    }


@pytest.fixture
def programme(app, db, clock):
    programme = make_programme(db, clock.now(), offsets=[6, 12])
    rows = [f"P{i},2025-07-20,p{i}@example.org,,{p[3]},{p[0]},{p[1]},{p[2]}" for i, p in enumerate(PEOPLE)]
    make_participants(db, clock.now(), programme, rows, header=HEADER)
    for wave, moment in ((6, at(2026, 1, 21)), (12, at(2026, 7, 21))):
        run_tick(app, db, moment)
        for i, person in enumerate(PEOPLE):
            given = person[4 if wave == 6 else 5]
            if given:
                invitation = (
                    Invitation.select()
                    .join(Participant)
                    .switch(Invitation)
                    .join(Wave)
                    .where(Participant.code == f"P{i}", Wave.offset_months == wave)
                    .get()
                )
                record_response(db, invitation.id, SURVEY, answers_of(given), moment)
    return Programme.get_by_id(programme.id)


def report(app, db, programme, threshold=1):
    with app.app_context():
        return make_report(db, programme, at(2026, 9, 1), threshold, Assumptions(monthly_norm=1000, months=6))


def figures(publication, table_id, wave, group, since=None):
    row = next(
        r
        for r in publication.table(table_id).rows
        if r.wave == wave and r.group == group and r.since == since
    )
    return {k: c.value for k, c in row.cells.items()}


def people(group, wave):
    index = 4 if wave == 6 else 5
    return [(p, p[index]) for p in PEOPLE if group in (ALL, p[0])]


@pytest.mark.parametrize("group", ["A", "B", ALL])
@pytest.mark.parametrize("wave", [6, 12])
def test_each_measure_equals_a_hand_count(app, db, programme, group, wave):
    made = report(app, db, programme)
    mine = people(group, wave)
    given = [g for _, g in mine if g]
    n = len(given)

    reach = figures(made, "reach", wave, group)
    assert (reach["invited"], reach["answered"]) == (len(mine), n)
    assert reach["response_share"] == pytest.approx(n / len(mine))
    assert reach["response_low"] < n / len(mine) < reach["response_high"]

    activity = figures(made, "activity", wave, group)
    for name in ("work", "studies", "job_seeking", "sick_leave", "parental_leave"):
        assert activity[name] == sum(g[0] == name for g in given), name

    outcome = figures(made, "self_sufficiency", wave, group)
    assert outcome["self_sufficient"] == sum(g[0] in SELF for g in given)
    assert outcome["work_or_studies"] == sum(g[0] in WORK_STUDIES for g in given)

    assistance = figures(made, "social_assistance", wave, group)
    assert assistance["assistance_yes"] == sum(g[1] == "yes" for g in given)
    at_exit = [g for p, g in mine if g and p[2] == "yes"]
    assert assistance["at_exit"] == len(at_exit)
    left = sum(g[1] == "no" for g in at_exit)
    assert assistance["left"] == left
    assert assistance["avoided"] == left * 6 * 1000

    who5 = figures(made, "who5", wave, group)
    scores = [20 * g[2] for g in given]
    assert who5["mean"] == pytest.approx(sum(scores) / n)
    assert who5["poor"] == sum(s <= 50 for s in scores) and who5["depression"] == sum(s <= 28 for s in scores)
    if n > 1 and len(set(scores)) > 1:
        sd = math.sqrt(sum((s - sum(scores) / n) ** 2 for s in scores) / (n - 1))
        assert who5["mean_high"] - who5["mean"] > sd / math.sqrt(n)

    steps = figures(made, "step_forward", wave, group)
    moves = [(RUNG[p[1]], RUNG[g[0]]) for p, g in mine if g and p[1] in RUNG and g[0] in RUNG]
    assert steps["comparable"] == len(moves)
    assert steps["closer"] == sum(b > a for a, b in moves)
    assert steps["unchanged"] == sum(b == a for a, b in moves)
    assert steps["further"] == sum(b < a for a, b in moves)

    next_step = figures(made, "next_step", wave, group)
    assert next_step["not_yet"] == sum(g[3] == "not_yet" for g in given)
    helped = figures(made, "helped", wave, group)
    assert helped["very_much"] == sum(g[4] == "very_much" for g in given)


@pytest.mark.parametrize("group", ["A", "B", ALL])
def test_change_and_attrition_between_waves_equal_a_hand_count(app, db, programme, group):
    made = report(app, db, programme)
    both = [(p[4], p[5]) for p in PEOPLE if group in (ALL, p[0]) and p[4] and p[5]]
    change = figures(made, "who5_change", 12, group, since=6)
    differences = [20 * (b[2] - a[2]) for a, b in both]
    assert change["pairs"] == len(both)
    assert change["change"] == pytest.approx(sum(differences) / len(differences))
    assert change["improved"] == sum(d >= 10 for d in differences)
    assert change["worsened"] == sum(d <= -10 for d in differences)
    again = figures(made, "attrition", 12, group, since=6)
    assert again["answered_first"] == sum(1 for p in PEOPLE if group in (ALL, p[0]) and p[4])
    assert again["answered_both"] == len(both)


def test_transitions_and_non_response_for_the_whole_programme(app, db, programme):
    made = report(app, db, programme)
    rows = {r.group: r for r in made.table("transitions").rows if r.wave == 6}
    # Looking for work at exit: now work, studies and looking for work -> 2 on the top step, 0 ...
    assert rows["job_seeking"].cells["now_work_or_studies"].value == 2
    assert rows["job_seeking"].cells["total"].value == 2
    assert rows["compensation_or_sick_leave"].cells["now_compensation_or_sick_leave"].value == 1
    view = {r.group: r for r in made.table("non_response").rows if r.wave == 6}
    assert view["exit_activity:job_seeking"].cells["responders"].value == 2
    assert view["exit_activity:job_seeking"].cells["non_responders"].value == 1
    assert view["exit_activity:not_recorded"].cells["responders"].value == 1
    assert view["language:en"].cells["responders"].value == 1
    assert view["language:en"].cells["non_responders"].value == 1
    assert view["exit_assistance:yes"].cells["non_responders"].value == 2
    assert view["cohort:A"].cells["non_responders"].value == 1


def test_a_programme_defines_its_own_self_sufficiency(app, db, programme):
    programme.self_sufficiency = "work,studies"
    programme.save()
    from followup.results.reporting import assumptions_for

    with app.app_context():
        made = make_report(db, programme, at(2026, 9, 1), 1, assumptions_for(programme, 1000, 6))
    assert figures(made, "self_sufficiency", 6, ALL)["self_sufficient"] == 3
