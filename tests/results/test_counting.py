"""The database's grouped counts against the same people grouped by hand, with a second programme
beside the first: same codes, a cohort of the same name, answers to another survey version, every
message delivered. Every sum, every pair of waves and every delivered count must be the first
programme's alone."""

from collections import defaultdict

from followup.answers.responses import record_response
from followup.answers.surveys import load_surveys
from followup.models import Invitation, Message, Participant, Wave
from followup.results.measures.counting import AT, SUMS, collect, compact, survey_versions
from followup.results.tables import NO_COHORT
from tests.factories import at, counts_of, make_participants, make_programme, person, run_tick
from tests.results.test_measures import HEADER, answers_of

SURVEYS = load_surveys()["standard"]
LATEST = max(SURVEYS)
MOMENTS = {6: at(2026, 1, 21), 12: at(2026, 7, 21)}

# (code, cohort, exit activity, social assistance at exit, language, delivered at 6 and at 12 months,
#  answers at 6 months, at 12 months); answers: (activity, social assistance now, the five WHO-5
#  items, next step, programme helped). Scores at the cut-offs (28, 48 and 52 beside 50) and changes
#  beside 10 (8 and 12); two people in one group who differ in language and social assistance.
STEGET = [
    ("P1", "A", "job_seeking", "yes", "sv", (True, True),
     ("work", "no", (2, 2, 2, 2, 2), "within_a_month", "very_much"),
     ("work", "no", (3, 3, 3, 2, 2), "within_a_month", "very_much")),
    ("P2", "A", "job_seeking", "yes", "en", (True, False),
     ("work", "no", (2, 2, 1, 1, 1), "not_yet", "a_little"),
     ("studies", "yes", (2, 2, 2, 1, 1), "not_yet", "a_little")),
    ("P3", "A", "sick_leave", "no", "sv", (False, False),
     ("sick_leave", "prefer_not_to_say", (1, 1, 1, 1, 1), "dont_know", "not_at_all"), None),
    ("P4", "A", "", "", "sv", (False, False), None,
     ("job_seeking", "no", (3, 3, 3, 3, 3), "not_yet", "dont_know")),
    ("P5", "B", "studies", "no", "en", (True, False),
     ("studies", "no", (5, 5, 5, 5, 5), "within_a_month", "very_much"),
     ("work", "no", (3, 3, 2, 2, 2), "one_to_three_months", "quite_a_lot")),
    ("P6", "B", "work_subsidised", "yes", "sv", (False, True), None, None),
    ("P7", "B", "labour_market_programme", "no", "sv", (False, False),
     ("labour_market_programme", "yes", (2, 2, 2, 2, 1), "one_to_three_months", "quite_a_lot"),
     ("labour_market_programme", "yes", (2, 2, 1, 1, 1), "one_to_three_months", "quite_a_lot")),
    ("P8", "", "job_seeking", "yes", "sv", (False, False),
     ("job_seeking", "no", (4, 4, 4, 4, 4), "not_yet", "a_little"), None),
    ("P10", "D", "studies", "no", "sv", (False, False),
     ("studies", "no", (3, 3, 3, 3, 3), "not_yet", "a_little"),
     ("studies", "no", (3, 3, 3, 3, 3), "not_yet", "a_little")),
]  # fmt: skip
# The other programme: the same codes, a cohort A of its own, answering alike, one not answering once.
NASTA = [
    (
        code,
        cohort,
        "sick_leave",
        "no",
        "en",
        (True, True),
        ("work", "no", (0, 0, 0, 0, 0), "not_yet", "a_little"),
        ("studies", "no", (5, 5, 5, 5, 5), "not_yet", "a_little"),
    )
    for code, cohort in (("P1", "A"), ("P2", "A"), ("P3", "C"))
] + [
    (
        "P9",
        "C",
        "sick_leave",
        "no",
        "en",
        (True, True),
        ("work", "no", (0, 0, 0, 0, 0), "not_yet", "a_little"),
        None,
    )
]


def build(app, db, clock):
    # Steget's 24-month invitations are planned, not yet sent; Tomt has nobody yet.
    programmes = {"Tomt": make_programme(db, clock.now(), name="Tomt", offsets=[6, 12])}
    for name, people, offsets in (("Steget", STEGET, [6, 12, 24]), ("Nästa steg", NASTA, [6, 12])):
        programme = make_programme(db, clock.now(), name=name, offsets=offsets)
        rows = [f"{p[0]},2025-07-20,{p[0].lower()}@example.org,,{p[4]},{p[1]},{p[2]},{p[3]}" for p in people]
        make_participants(db, clock.now(), programme, rows, header=HEADER)
        programmes[name] = programme
    for months, moment in MOMENTS.items():
        run_tick(app, db, moment)
        for name, people, version in (("Steget", STEGET, LATEST), ("Nästa steg", NASTA, 1)):
            for code, *_, delivered, w6, w12 in people:
                invitation = (
                    Invitation.select()
                    .join(Participant)
                    .switch(Invitation)
                    .join(Wave)
                    .where(
                        Participant.code == code,
                        Wave.programme == programmes[name],
                        Wave.offset_months == months,
                    )
                    .get()
                )
                if delivered[0 if months == 6 else 1]:
                    Message.update(state=Message.DELIVERED).where(Message.invitation == invitation).execute()
                given = w6 if months == 6 else w12
                if given:
                    record_response(db, invitation.id, SURVEYS[version], answers_of(given), moment)
    return programmes


def as_invented(people) -> list[dict]:
    """The people as tests.factories.person writes them, for the grouping by hand."""
    invented = []
    for _code, cohort, exit_activity, exit_sa, language, _delivered, *given in people:
        waves = {}
        for months, answer in zip((6, 12), given, strict=True):
            if answer:
                activity, assistance, items, step, helped = answer
                waves[f"w{months}"] = (activity, assistance, 4 * sum(items), step, helped)
        exit_sa = {"yes": True, "no": False}.get(exit_sa)
        invented.append(person(cohort or NO_COHORT, exit_activity or None, exit_sa, language, **waves))
    return invented


def grouped(cells):
    """Each cell's sums but the programme questions, and each wave's and cohort's sums with them.

    By hand the programme questions are put on one cell of a wave and cohort (counting.compact); the
    database counts them beside each activity: the same figures, laid out apart."""
    questions = min(i for name, i in AT.items() if name.startswith(("next_step:", "helped:")))
    per_cell, per_group = {}, defaultdict(lambda: [0] * len(SUMS))
    for months, cohort, answered, activity, *sums in cells:
        if sums[AT["n"]]:
            per_cell[(months, cohort, answered, activity)] = sums[:questions]
        group = per_group[(months, cohort, answered)]
        group[:] = [a + b for a, b in zip(group, sums, strict=True)]
    return per_cell, dict(per_group)


def test_the_database_groups_one_programme_as_a_hand_count_does(app, db, clock):
    programmes = build(app, db, clock)
    empty = collect(db, programmes["Tomt"].id)
    assert (empty.waves, empty.cohorts, empty.cells, empty.pairs, empty.delivered) == (
        [6, 12],
        [],
        [],
        [],
        [],
    )
    programme = programmes["Steget"]
    counts = collect(db, programme.id)
    by_hand = counts_of(as_invented(STEGET))
    assert grouped(counts.cells) == grouped(compact(by_hand.groups, by_hand.opinions))
    assert sorted(counts.pairs) == sorted(by_hand.pairs)
    assert (counts.waves, counts.cohorts) == ([6, 12], sorted(["A", "B", "D", NO_COHORT]))
    delivered = defaultdict(int)
    for _code, cohort, *_, sent, _w6, _w12 in STEGET:
        for months, yes in zip((6, 12), sent, strict=True):
            delivered[(months, cohort or NO_COHORT)] += yes
    assert sorted(counts.delivered) == sorted((m, c, n) for (m, c), n in delivered.items() if n)
    assert survey_versions(programme.id) == [f"standard v{LATEST}"]
