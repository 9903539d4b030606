import csv
import io
import json

import pytest

from followup.answers.responses import record_response
from followup.answers.surveys import latest, load_surveys
from followup.models import Invitation, Participant
from followup.results.reporting import ACTIVITIES, WORK_OR_STUDIES, outcome_table, write_csv
from tests.factories import at, make_participants, make_programme, run_tick

SURVEY = latest(load_surveys(), "standard")


def answer(db, code, now, activity, assistance, who5):
    invitation = Invitation.select().join(Participant).where(Participant.code == code).get()
    answers = {
        "main_activity": activity,
        "social_assistance": assistance,
        **{f"who5_{n}": who5 for n in range(1, 6)},
        "next_step_start": "not_yet",
        "programme_helped": "a_little",
    }
    record_response(db, invitation.id, SURVEY, answers, now)


# (cohort, how many, answers per person or None): the hand-made truth the report must match.
PEOPLE = [
    ("A", 6, ("work", "no", 4)),
    ("A", 5, ("studies", "yes", 2)),
    ("A", 3, None),
    ("B", 7, ("job_seeking", "yes", 1)),
    ("B", 2, ("work_subsidised", "no", 5)),
    ("B", 6, None),
    ("C", 9, ("sick_leave", "yes", 0)),
    ("C", 1, ("work", "no", 3)),
]


@pytest.fixture
def answered(app, db, clock):
    programme = make_programme(db, clock.now(), offsets=[6])
    rows, n = [], 0
    for cohort, count, _ in PEOPLE:
        for _ in range(count):
            n += 1
            rows.append(f"X{n},2025-07-20,x{n}@example.org,,sv,{cohort}")
    make_participants(db, clock.now(), programme, rows)
    now = at(2026, 1, 21)
    run_tick(app, db, now)
    n = 0
    for _cohort, count, given in PEOPLE:
        for _ in range(count):
            n += 1
            if given:
                answer(db, f"X{n}", now, *given)
    return programme


def hand_count(cohorts):
    people = [(c, given) for c, count, given in PEOPLE if c in cohorts for _ in range(count)]
    answered = [g for _, g in people if g]
    counts = {f"activity_{a}": sum(g[0] == a for g in answered) for a in ACTIVITIES}
    return {
        "invited": len(people),
        "answered": len(answered),
        **counts,
        "work_or_studies": sum(g[0] in WORK_OR_STUDIES for g in answered),
        "social_assistance": sum(g[1] == "yes" for g in answered),
        "who5_mean": round(sum(4 * 5 * g[2] for g in answered) / len(answered), 1),
    }


def test_figures_equal_a_hand_count_without_suppression(answered):
    rows = {r["cohort"]: r for r in outcome_table(answered.id, threshold=0).rows}
    assert list(rows) == ["A", "B", "C", "ALL"]
    for cohort, members in [("A", "A"), ("B", "B"), ("C", "C"), ("ALL", "ABC")]:
        expected = hand_count(set(members))
        assert {k: rows[cohort][k] for k in expected} == expected, cohort
        assert rows[cohort]["suppressed"] == []
    assert rows["ALL"]["response_rate"] == round(30 / 39, 3)
    assert rows["A"]["work_or_studies_share"] == 1.0
    assert rows["B"]["social_assistance_share"] == round(7 / 9, 3)


KNOWN_EQUATIONS = [
    ("invited", ["answered", "not_answered"]),
    ("answered", [f"activity_{a}" for a in ACTIVITIES]),
    ("work_or_studies", [f"activity_{a}" for a in WORK_OR_STUDIES]),
    ("answered", ["work_or_studies", "not_work_or_studies"]),
    ("answered", ["social_assistance", "not_social_assistance"]),
]
COUNTS = [
    "invited",
    "answered",
    *[f"activity_{a}" for a in ACTIVITIES],
    "work_or_studies",
    "social_assistance",
    "not_answered",
    "not_work_or_studies",
    "not_social_assistance",
]


def attack(known: dict, cohorts: list[str]) -> dict:
    """Recover what subtraction reveals from published figures, as a reader of the report could."""
    known = dict(known)
    relations = [((c, t), [(c, p) for p in parts]) for c in [*cohorts, "ALL"] for t, parts in KNOWN_EQUATIONS]
    relations += [(("ALL", col), [(c, col) for c in cohorts]) for col in COUNTS]
    changed = True
    while changed:
        changed = False
        for total, parts in relations:
            unknown = [m for m in [total, *parts] if m not in known]
            if len(unknown) != 1:
                continue
            missing = unknown[0]
            if missing == total:
                known[missing] = sum(known[p] for p in parts)
            else:
                known[missing] = known[total] - sum(known[p] for p in parts if p != missing)
            changed = True
    return known


def truth(cohorts: list[str]) -> dict:
    values = {}
    for cohort in [*cohorts, "ALL"]:
        counted = hand_count(set(cohorts) if cohort == "ALL" else {cohort})
        for column in COUNTS[:-3]:
            values[(cohort, column)] = counted[column]
        values[(cohort, "not_answered")] = counted["invited"] - counted["answered"]
        values[(cohort, "not_work_or_studies")] = counted["answered"] - counted["work_or_studies"]
        values[(cohort, "not_social_assistance")] = counted["answered"] - counted["social_assistance"]
    return values


def test_no_small_count_can_be_recovered_from_the_published_figures(answered):
    table = outcome_table(answered.id, threshold=5)
    cohorts = ["A", "B", "C"]
    real = truth(cohorts)
    published = {(r["cohort"], c): r[c] for r in table.rows for c in COUNTS[:-3] if r[c] is not None}
    for (cohort, column), value in published.items():
        assert value == real[(cohort, column)]
        assert value >= 5, (cohort, column)
    recovered = attack(published, cohorts)
    leaked = {cell: real[cell] for cell in recovered if cell not in published and real[cell] < 5}
    assert leaked == {}
    # Primary suppression alone would not have been enough here.
    naive = {cell: v for cell, v in real.items() if v >= 5 and cell[1] in COUNTS[:-3]}
    naive_leaks = {c for c in attack(naive, cohorts) if c not in naive and real[c] < 5}
    assert naive_leaks


def test_shares_and_means_follow_their_counts(answered):
    rows = {r["cohort"]: r for r in outcome_table(answered.id, threshold=5).rows}
    for row in rows.values():
        for share, (numerator, denominator) in {
            "response_rate": ("answered", "invited"),
            "work_or_studies_share": ("work_or_studies", "answered"),
            "social_assistance_share": ("social_assistance", "answered"),
        }.items():
            hidden = row[numerator] is None or row[denominator] is None
            assert (row[share] is None) == hidden
            assert row[share] not in (0.0, 1.0)
        assert (row["who5_mean"] is None) == (row["answered"] is None)
        assert set(row["suppressed"]) == {k for k, v in row.items() if v is None}


def test_csv_and_json_mark_suppressed_figures(answered):
    table = outcome_table(answered.id, threshold=5)
    stream = io.StringIO()
    write_csv(table, stream)
    lines = list(csv.DictReader(io.StringIO(stream.getvalue())))
    assert len(lines) == 4
    c_row = next(line for line in lines if line["cohort"] == "C")
    assert c_row["activity_work"] == ".."
    parsed = json.loads(table.as_json())
    assert parsed["threshold"] == 5
    c_json = next(r for r in parsed["rows"] if r["cohort"] == "C")
    assert c_json["activity_work"] is None and "activity_work" in c_json["suppressed"]


def test_free_text_never_reaches_the_report(app, db, clock, answered):
    invitation = Invitation.select().where(Invitation.state == "sent").first()
    answers = {
        "main_activity": "work",
        "social_assistance": "no",
        **{f"who5_{n}": 3 for n in range(1, 6)},
        "next_step_start": "not_yet",
        "programme_helped": "a_little",
        "comment": "Kalle hjälpte mig",
    }
    record_response(db, invitation.id, SURVEY, answers, at(2026, 1, 22))
    assert "Kalle" not in outcome_table(answered.id, threshold=0).as_json()
