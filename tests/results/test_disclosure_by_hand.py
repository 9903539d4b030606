"""Disclosure control on publications made by hand: a few figures and equations, where the one
right answer can be reasoned out on paper."""

from datetime import UTC, datetime

import pytest

from followup.results import disclosure
from followup.results.disclosure import protect
from followup.results.tables import (
    ALL,
    ATTRIBUTE,
    COUNT,
    PROCESS,
    SUM,
    Cell,
    Column,
    Equation,
    Publication,
    Row,
    Table,
    Variable,
)


def publication(figures: dict[tuple, Variable], equations: list[Equation]) -> Publication:
    """A publication with one table showing every published figure on a row of its own."""
    rows = [
        Row(None, " ".join(map(str, key)), {"value": Cell(v.value, variable=key)})
        for key, v in figures.items()
        if v.published
    ]
    table = Table("figures", "Figures", "", [Column("value", "Value", COUNT)], rows)
    return Publication("Steget", datetime(2026, 9, 1, tzinfo=UTC), 0, [], [table], [], figures, equations)


def hidden(report: Publication) -> set[tuple]:
    return {c.variable for t in report.tables for r in t.rows for c in r.cells.values() if c.hidden}


@pytest.mark.parametrize(
    ("has", "has_not"),
    [
        (6, 0),  # all 6 share it (the whole group): the count can only be lower, the 0 must rise
        (3, 7),  # 3 share it: the count can only be higher (not below 0), the 7 must fall
    ],
)
def test_a_count_that_can_move_one_way_only_hides_the_figure_that_would_move_the_other(has, has_not):
    # The group's size is fixed: the count moves only if the other part moves against it.
    group = has + has_not
    figures = {
        ("group",): Variable(group, PROCESS, True, lower=group, upper=group),
        ("has",): Variable(has, ATTRIBUTE, True),
        ("has_not",): Variable(has_not, ATTRIBUTE, True),
    }
    equations = [Equation(("group",), (("has",), ("has_not",)), distribution=True)]
    assert hidden(protect(publication(figures, equations), 5)) == {("has",), ("has_not",)}


def wellbeing_of_three_cohorts(a: int, b: int, c: int) -> Publication:
    """The WHO-5 sums of cohorts A, B and C (3, 22 and 5 people) and of the whole programme, all
    published; a mean over fewer people than the threshold keeps a range of 10 points a person."""
    people = {"A": 3, "B": 22, "C": 5, ALL: 30}
    totals = {"A": a, "B": b, "C": c, ALL: a + b + c}
    figures = {
        ("who5_sum", g): Variable(
            t, SUM, True, upper=100 * people[g], n=people[g], protect_width=10 * people[g]
        )
        for g, t in totals.items()
    }
    cohorts = (("who5_sum", "A"), ("who5_sum", "B"), ("who5_sum", "C"))
    return publication(figures, [Equation(("who5_sum", ALL), cohorts)])


def test_a_mean_over_few_people_near_the_top_of_the_scale_keeps_its_width_downwards():
    # A's three people score 290 of 300 together: its sum can only be lower, by 10 points a person
    # (30), so one of the other cohorts' sums must go; the whole programme's mean stays.
    found = hidden(protect(wellbeing_of_three_cohorts(290, 0, 12), 5))
    assert ("who5_sum", "A") in found
    assert len(found & {("who5_sum", "B"), ("who5_sum", "C")}) == 1
    assert ("who5_sum", ALL) not in found


def test_a_count_in_a_group_larger_than_a_neighbourhood_is_protected_all_the_same():
    # 1,600 small equations chain 3,201 figures into one group, more than the 3,000 columns a first
    # neighbourhood holds: the small programme takes part of the group, and that part suffices.
    # total i = total i+1 + part i; part 0 is 3 people with an attribute, the rest are 10 each.
    links = 1600
    figures = {("part", 0): Variable(3, ATTRIBUTE, True)}
    figures |= {("part", i): Variable(10, PROCESS, True) for i in range(1, links)}
    figures[("total", links)] = Variable(10, PROCESS, True)
    for i in reversed(range(links)):
        figures[("total", i)] = Variable(
            figures[("total", i + 1)].value + figures[("part", i)].value, PROCESS, True
        )
    equations = [Equation(("total", i), (("total", i + 1), ("part", i))) for i in range(links)]
    found = hidden(protect(publication(figures, equations), 5))
    assert ("part", 0) in found
    assert len(found & {("total", 0), ("total", 1)}) == 1
    assert len(found) == 2


def test_a_mean_over_few_people_keeps_ten_points_a_person_not_the_count_threshold():
    # A's three people score 8 together; B's 22 all score 0, so B's sum cannot be lower; C's five
    # score 12. For A's sum to be 30 higher, C can give 12 at most: the whole programme's mean must
    # go too. Five points (the count threshold) would be C's alone.
    found = hidden(protect(wellbeing_of_three_cohorts(8, 0, 12), 5))
    assert {("who5_sum", "A"), ("who5_sum", ALL)} <= found
    assert ("who5_sum", "B") not in found


def test_a_cohort_among_twenty_gives_way_to_another_cohort_not_to_the_whole_programme():
    # Twenty cohorts add up to the whole programme in one big equation (no small ones at all); the
    # first has 3 people with the attribute. One other cohort's count must go; the total stays.
    # Last, a count that adds up with nothing: hiding it is protection enough.
    figures = {("has", c): Variable(3 if c == 0 else 10 + c, ATTRIBUTE, True) for c in range(20)}
    figures[("has", ALL)] = Variable(sum(v.value for v in figures.values()), ATTRIBUTE, True)
    figures[("alone",)] = Variable(2, ATTRIBUTE, True)
    equations = [Equation(("has", ALL), tuple(("has", c) for c in range(20)))]
    found = hidden(protect(publication(figures, equations), 5))
    assert {("has", 0), ("alone",)} <= found
    assert len(found) == 3
    assert ("has", ALL) not in found


def test_a_misspelt_option_for_the_solver_is_an_error_naming_it():
    with pytest.raises(ValueError, match="presolve"):
        disclosure._option(disclosure._quiet_highs(), "presolve", "sometimes")
