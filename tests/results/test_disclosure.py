"""Disclosure control checked by an independent auditor that reads only the published file."""

import itertools
import json
import math
import random
from collections import defaultdict
from datetime import UTC, datetime

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from followup import create_app
from followup.results import disclosure
from followup.results.disclosure import protect
from followup.results.exports import as_json
from followup.results.measures import Assumptions, tabulate
from tests.factories import INVENTED_WAVES as WAVES
from tests.factories import answers, counts_of, person
from tests.results.auditor import ACTIVITIES, ALL, HELPED, LADDER, NEXT, SELF, WORK_STUDIES, audit

RUNG = {a: i for i, rung in enumerate(LADDER) for a in rung}


@pytest.fixture(scope="module")
def app(tmp_path_factory):
    folder = tmp_path_factory.mktemp("disclosure")
    return create_app({"DATABASE_URL": "sqlite://", "INSTANCE_PATH": str(folder), "SECRET_KEY": "s" * 40})


def truth(people) -> tuple[dict, dict]:
    """Return every sensitive count's true value with its group total, and each mean's sum and size."""
    counts: dict = defaultdict(int)
    sums: dict = defaultdict(lambda: [0, 0])
    cohorts = sorted({p["cohort"] for p in people})
    for p in people:
        for w in WAVES:
            given = p["waves"].get(w)
            for g in (p["cohort"], ALL):
                counts[("answered", w, g)] += given is not None
                counts[("not_answered", w, g)] += given is None
                if not given:
                    continue
                activity, sa, score, next_step, helped = given
                counts[("act", activity, w, g)] += 1
                counts[("self", w, g)] += activity in SELF
                counts[("ws", w, g)] += activity in WORK_STUDIES
                counts[("sa", sa, w, g)] += 1
                counts[("at_exit", w, g)] += bool(p["exit_sa"])
                counts[("left", w, g)] += bool(p["exit_sa"]) and sa == "no"
                counts[("poor", w, g)] += score <= 50
                counts[("depression", w, g)] += score <= 28
                counts[("next_step", next_step, w, g)] += 1
                counts[("helped", helped, w, g)] += 1
                sums[("who5", w, g)][0] += score
                sums[("who5", w, g)][1] += 1
                start, now = RUNG.get(p["exit_activity"]), RUNG.get(activity)
                if start is not None and now is not None:
                    counts[("comparable", w, g)] += 1
                    move = "closer" if now > start else "further" if now < start else "unchanged"
                    counts[(move, w, g)] += 1
                    if g == ALL:
                        counts[("T", w, start, now)] += 1
                        counts[("exit_rung", w, start)] += 1
            side = "resp" if given else "nonresp"
            exit_sa = "not_recorded" if p["exit_sa"] is None else ("yes" if p["exit_sa"] else "no")
            counts[(side, "exit_activity", p["exit_activity"] or "not_recorded", w)] += 1
            counts[(side, "exit_assistance", exit_sa, w)] += 1
        for a, b in itertools.combinations(WAVES, 2):
            first, second = p["waves"].get(a), p["waves"].get(b)
            if first and second:
                d = second[2] - first[2]
                for g in (p["cohort"], ALL):
                    counts[("pairs", a, b, g)] += 1
                    counts[("improved", a, b, g)] += d >= 10
                    counts[("worsened", a, b, g)] += d <= -10
                    sums[("change", a, b, g)][0] += d
                    sums[("change", a, b, g)][1] += 1
    sensitive = {}
    for name, value in counts.items():
        total = _group_total(name, counts)
        if total is None:
            continue  # a process figure: invited, answered, pairs, characteristics not recorded
        whole_group = name[0] not in ("next_step", "helped") and total > 0 and value == total
        if 1 <= value < THRESHOLD or whole_group:
            sensitive[name] = value
    del cohorts
    return sensitive, dict(sums)


def _group_total(name, counts):
    kind = name[0]
    if kind in ("act", "sa", "next_step", "helped"):
        return counts[("answered", *name[2:])]
    if kind in ("self", "ws", "at_exit", "poor"):
        return counts[("answered", *name[1:])]
    if kind == "left":
        return counts[("at_exit", *name[1:])]
    if kind == "depression":
        return counts[("poor", *name[1:])]
    if kind in ("closer", "unchanged", "further"):
        return counts[("comparable", *name[1:])]
    if kind in ("improved", "worsened"):
        return counts[("pairs", *name[1:])]
    if kind == "T":
        return counts[("exit_rung", name[1], name[2])]
    if kind == "exit_rung":
        return counts[("comparable", name[1], ALL)]
    if kind in ("resp", "nonresp") and name[2] != "not_recorded":
        side = "answered" if kind == "resp" else "not_answered"
        return counts[(side, name[3], ALL)]
    return None


THRESHOLD = 5


def publish(app, people, tmp_path, secondary=True):
    with app.app_context():
        made = tabulate(
            counts_of(people), Assumptions(), "Steget", datetime(2026, 9, 1, tzinfo=UTC), ["standard v1"]
        )
        # As the reports call it: secondary suppression is what protect does unless told otherwise.
        if secondary:
            protect(made, THRESHOLD)
        else:
            protect(made, THRESHOLD, secondary=False)
        path = tmp_path / "report.json"
        path.write_text(as_json(made, "en"), encoding="utf-8")
    return path, made


def leaks(path, people) -> list:
    """Return every sensitive figure the auditor narrows below the threshold, or finds published."""
    attack = audit(path)
    sensitive, sums = truth(people)
    found = []
    for name, value in sensitive.items():
        index = attack.names.get(name)
        if index is None:
            continue  # not in any table (a characteristic nobody has)
        if index in attack.known:
            found.append((name, value, "published"))
            continue
        low, high = attack.count_range(name)
        if high - low < THRESHOLD - 1e-6:
            found.append((name, value, (low, high)))
    for key, (low, high) in attack.mean_ranges().items():
        total, n = sums.get(key, (0, 0))
        if 0 < n < THRESHOLD and high - low < 10 * n - 1e-6:
            found.append((key, total, (low, high)))
    for key, (total, n) in sums.items():
        if 0 < n < THRESHOLD and attack.sums.get(key) is not None:
            found.append((key, total, "mean published"))
    return found


def published_figures_are_true(path, people) -> None:
    document = json.loads(path.read_text(encoding="utf-8"))
    reach = {(r["wave"], r["group"]): r["cells"] for r in document["tables"][0]["rows"]}
    for w in WAVES:
        answered = sum(p["waves"].get(w) is not None for p in people)
        assert reach[(w, ALL)]["answered"] in (None, answered)
        assert reach[(w, ALL)]["invited"] in (None, len(people))


def full_response(sizes, seed=1):
    rng = random.Random(seed)
    people = []
    for c, size in enumerate(sizes):
        for _ in range(size):
            waves = {
                w: answers(
                    rng.choice(ACTIVITIES),
                    rng.choice(["yes", "no"]),
                    4 * rng.randint(0, 25),
                    rng.choice(NEXT),
                    rng.choice(HELPED),
                )
                for w in WAVES
            }
            people.append(
                person(
                    f"Grupp {c + 1}",
                    rng.choice([*ACTIVITIES, None]),
                    rng.choice([True, False, None]),
                    rng.choice(["sv", "en"]),
                    **{f"w{w}": v for w, v in waves.items()},
                )
            )
    return people


def test_four_cohorts_all_answering_publish_the_whole_programme_figures(app, tmp_path):
    people = full_response([12, 16, 20, 24])
    path, made = publish(app, people, tmp_path)
    document = json.loads(path.read_text(encoding="utf-8"))
    tables = {t["id"]: {(r["wave"], r["group"]): r["cells"] for r in t["rows"]} for t in document["tables"]}
    for w in WAVES:
        whole = (w, ALL)
        assert tables["reach"][whole]["response_share"] == 1.0
        assert tables["reach"][whole]["answered"] == 72
        expected = sum(p["waves"][w][0] in SELF for p in people)
        assert tables["self_sufficiency"][whole]["self_sufficient"] == expected
        assert tables["self_sufficiency"][whole]["self_sufficient_share"] == round(expected / 72, 3)
        mean = sum(p["waves"][w][2] for p in people) / 72
        assert tables["who5"][whole]["mean"] == round(mean, 1)
        for cohort in ("Grupp 1", "Grupp 4"):
            # A cohort's size may be hidden to protect its small counts; never shown wrong.
            assert tables["reach"][(w, cohort)]["response_share"] in (None, 1.0)
    assert document["information_loss"] == pytest.approx(made.information_loss, abs=1e-4)
    # Random answers spread over 11 activities leave most cohort counts small: much is hidden,
    # and the share is reported, as the issue asks.
    assert 0 < document["information_loss"] < 0.75
    assert leaks(path, people) == []


def test_parts_adding_to_a_published_total_force_further_suppression(app, tmp_path):
    # Cohort A: 3 on sick leave (sensitive), the rest working. Cohort B: everyone working. With the
    # totals published, primary suppression alone leaves the 3 derivable from the bounds.
    people = [
        person("A", "job_seeking", False, w6=answers("sick_leave"), w12=answers("sick_leave"))
        for _ in range(3)
    ]
    people += [person("A", "job_seeking", False, w6=answers("work"), w12=answers("work")) for _ in range(9)]
    people += [person("B", "job_seeking", False, w6=answers("work"), w12=answers("work")) for _ in range(14)]
    path, _ = publish(app, people, tmp_path, secondary=False)
    assert leaks(path, people), "primary suppression alone should leak: the auditor must see it"
    path, _ = publish(app, people, tmp_path)
    assert leaks(path, people) == []
    published_figures_are_true(path, people)


def test_zeros_next_to_small_cells_and_one_small_cohort(app, tmp_path):
    people = [
        person("Big", "studies", True, w6=answers("studies", "no", 80), w12=answers("work", "no", 88))
        for _ in range(30)
    ]
    people += [
        person(
            "Small",
            "sick_leave",
            True,
            w6=answers("sick_leave", "yes", 20),
            w12=answers("sick_leave", "yes", 12),
        )
        for _ in range(2)
    ]
    people += [
        person("Big", None, None, w6=None, w12=answers("other", "prefer_not_to_say", 52)) for _ in range(4)
    ]
    path, made = publish(app, people, tmp_path)
    assert leaks(path, people) == []
    published_figures_are_true(path, people)
    path, _ = publish(app, people, tmp_path, secondary=False)
    assert leaks(path, people)


@st.composite
def programmes(draw):
    sizes = draw(st.lists(st.integers(0, 14), min_size=1, max_size=3))
    people = []
    for c, size in enumerate(sizes):
        for _ in range(size):
            waves = {}
            for w in WAVES:
                if draw(st.booleans()):
                    waves[w] = answers(
                        draw(
                            st.sampled_from(
                                ["work", "studies", "job_seeking", "sick_leave", "sickness_compensation"]
                            )
                        ),
                        draw(st.sampled_from(["yes", "no"])),
                        4 * draw(st.sampled_from([3, 7, 12, 13, 20, 25])),
                        draw(st.sampled_from(["not_yet", "within_a_month"])),
                        draw(st.sampled_from(["a_little", "very_much"])),
                    )
            exit_activity = draw(st.sampled_from(["job_seeking", "sick_leave", "studies", None]))
            people.append(person(f"G{c}", exit_activity, draw(st.sampled_from([True, False, None])), **{}))
            people[-1]["waves"] = waves
    return people


@settings(
    max_examples=12,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(people=programmes())
def test_no_generated_programme_leaks_a_sensitive_figure(app, tmp_path, people):
    if not people:
        return
    path, _ = publish(app, people, tmp_path)
    assert leaks(path, people) == []
    published_figures_are_true(path, people)


def hard_case():
    """Parts adding up to a published total, a zero next to small cells, one cohort much smaller."""
    people = [
        person("A", "job_seeking", False, w6=answers("sick_leave"), w12=answers("sick_leave"))
        for _ in range(3)
    ]
    people += [person("A", "job_seeking", False, w6=answers("work"), w12=answers("work")) for _ in range(9)]
    people += [person("B", "job_seeking", False, w6=answers("work"), w12=answers("work")) for _ in range(14)]
    people += [
        person("Small", "sick_leave", True, w6=answers("sick_leave", "yes", 20), w12=None) for _ in range(2)
    ]
    return people


def test_the_auditor_catches_ranges_taken_as_wide_without_solving(app, tmp_path, monkeypatch):
    # The shortcut (a range at least as wide as the values seen in earlier solutions) must be the
    # only way a range is skipped: if every range is taken as wide enough, something leaks.
    people = hard_case()
    path, _ = publish(app, people, tmp_path)
    assert leaks(path, people) == []
    monkeypatch.setattr(disclosure._Ranges, "seen_width", lambda self, key: math.inf)
    path, _ = publish(app, people, tmp_path)
    assert leaks(path, people)


def test_the_auditor_catches_a_witness_whose_hides_are_left_out(app, tmp_path, monkeypatch):
    # A witness (values the published figures allow, with the count moved far enough) only proves a
    # range once the figures it moved are hidden: taking it without hiding them must leak.
    people = hard_case()
    found = disclosure._Ranges.witness

    def kept(self, key, need, level):
        return [] if found(self, key, need, level) is not None else None

    monkeypatch.setattr(disclosure._Ranges, "witness", kept)
    path, _ = publish(app, people, tmp_path)
    assert leaks(path, people)


def test_a_mean_change_over_few_pairs_is_not_left_derivable_from_the_others(app, tmp_path):
    # In A ten people answer each wave but only two answer both, by less than 10 points apart; every
    # count is 0 or at least 5. With the whole programme's and B's mean changes published, A's would
    # follow, so one of them must be hidden too.
    def one(activity, score):
        return answers(activity, "yes" if activity == "work" else "no", score)

    people = [
        person("A", w6=one("work", 60), w12=one("work", 64)),
        person("A", w6=one("job_seeking", 40), w12=one("job_seeking", 36)),
    ]
    for activity, score in (("work", 60), ("job_seeking", 40)):
        people += [person("A", w6=one(activity, score)) for _ in range(4)]
        people += [person("A", w12=one(activity, score)) for _ in range(4)]
        later = score + 12 if activity == "work" else score - 10
        people += [person("B", w6=one(activity, score), w12=one(activity, later)) for _ in range(5)]
    path, made = publish(app, people, tmp_path)
    assert leaks(path, people) == []
    change = {r.group: r.cells["change"].hidden for r in made.table("who5_change").rows}
    assert change["A"] and (change["B"] or change[ALL])
