"""Laying the counts out as the report's tables, measure by measure, with the variables and
equations behind them that disclosure control needs; nothing here touches the database."""

from __future__ import annotations

from collections import defaultdict
from datetime import datetime

from followup.results.measures import (
    activity,
    assistance,
    non_response,
    opinions,
    reach,
    steps,
    wellbeing,
)
from followup.results.measures.builder import Builder, answered
from followup.results.measures.counting import Counts, compact
from followup.results.measures.vocabulary import Assumptions, definitions
from followup.results.tables import ALL, Publication


def tabulate(
    counts: Counts, assumptions: Assumptions, programme: str, made_at: datetime, versions: list[str]
) -> Publication:
    """Lay the counts out as the report's tables, with the variables and equations behind them."""
    b = Builder()
    ladder = assumptions.ladder
    rung_of = {a: i for i, r in enumerate(ladder) for a in r.activities}
    cells = counts.cells + compact(counts.groups, counts.opinions)
    by: dict[tuple, list] = defaultdict(list)
    for cell in cells:
        by[(cell[0], cell[1])].append(cell)
        by[(cell[0], ALL)].append(cell)
    delivered = defaultdict(int)
    for months, cohort, n in counts.delivered:
        delivered[(months, cohort)] += n
        delivered[(months, ALL)] += n

    for w in counts.waves:
        for g in [*counts.cohorts, ALL]:
            k = (w, g)
            mine = by[k]
            answers = answered(mine)
            n = reach.variables(b, k, mine, delivered[k])
            activity.variables(b, k, answers, n, assumptions)
            assistance.variables(b, k, answers, n)
            wellbeing.variables(b, k, answers, n)
            steps.variables(b, k, answers, n, rung_of)
            opinions.variables(b, k, answers, n)
        whole = by[(w, ALL)]
        steps.transition_variables(b, (w, ALL), answered(whole), ladder, rung_of)
        non_response.variables(b, (w, ALL), whole, ladder, rung_of)
    wellbeing.pair_variables(b, counts)
    _cohort_equations(b)

    tables = [
        reach.table(b, counts),
        *activity.tables(b, counts),
        assistance.table(b, counts, assumptions),
        wellbeing.table(b, counts),
        wellbeing.change_table(b, counts),
        *steps.tables(b, counts, assumptions),
        *opinions.tables(b, counts),
        non_response.table(b, counts),
        reach.attrition_table(b, counts),
    ]
    return Publication(
        programme=programme,
        made_at=made_at,
        threshold=0,
        survey_versions=versions,
        tables=tables,
        definitions=definitions(assumptions),
        variables=b.variables,
        equations=b.equations,
    )


PAIR_VARIABLES = (
    "both_answered",
    "pairs",
    "pairs_without_who5",
    "improved",
    "worsened",
    "little_change",
    "change_sum",
)


def _cohort_equations(b: Builder) -> None:
    """Every count of the whole programme is the sum of the same count over the cohorts.

    The figures kept for the whole programme alone have no cohort counts to add; those of people who
    answered one wave of a pair but not both follow from answered and both_answered.
    """
    parts: dict[tuple, list] = defaultdict(list)
    for key in b.variables:
        group_at = 3 if key[0] in PAIR_VARIABLES else 2
        if key[group_at] != ALL:
            total = (*key[:group_at], ALL, *key[group_at + 1 :])
            parts[total].append(key)
    for total, members in parts.items():
        if total in b.variables:
            b.equation(total, members)
