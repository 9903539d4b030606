"""Well-being (WHO-5): the mean with its interval, the shares at or below the cut-offs, and for
people who answered two waves the mean paired change and the shares that improved or worsened."""

from __future__ import annotations

from collections import defaultdict

from followup.i18n import _l
from followup.results.measures.builder import Builder, label, mean_cells, rows_per_group, total, wave_pairs
from followup.results.measures.counting import Counts
from followup.results.measures.vocabulary import MEANINGFUL
from followup.results.tables import (
    ALL,
    ATTRIBUTE,
    COUNT,
    HIGH,
    LOW,
    MEAN,
    PROCESS,
    SHARE,
    SUM,
    Column,
    Row,
    Table,
)


def variables(b: Builder, k: tuple, answers: list[tuple], n: tuple) -> None:
    """Add a group's WHO-5 counts and sums (answers: answered cells)."""
    who5_n = b.var(("who5_n", *k), total(answers, "who5_n"), PROCESS)
    b.equation(n, [who5_n, b.var(("who5_missing", *k), b.value(n) - b.value(who5_n), PROCESS)])
    poor = b.var(("who5_poor", *k), total(answers, "who5_poor"), ATTRIBUTE)
    depression = b.var(("who5_depression", *k), total(answers, "who5_depression"), ATTRIBUTE)
    good = b.var(("who5_good", *k), b.value(who5_n) - b.value(poor), ATTRIBUTE, False)
    between = b.var(("who5_poor_not_depression", *k), b.value(poor) - b.value(depression), ATTRIBUTE, False)
    b.equation(who5_n, [poor, good], distribution=True)
    b.equation(poor, [depression, between], distribution=True)
    people = int(b.value(who5_n))
    b.var(
        ("who5_sum", *k),
        total(answers, "who5_sum"),
        SUM,
        upper=100 * people,
        protect_width=MEANINGFUL * people,
        n=people,
    )
    b.variables[("who5_sum", *k)].squares = total(answers, "who5_squares")


def pair_variables(b: Builder, counts: Counts) -> None:
    """Add, per pair of waves and group, the people who answered both and their WHO-5 change."""
    totals: dict[tuple, list] = defaultdict(lambda: [0] * 6)
    for cohort, first, second, both, n5, change, squares, better, worse in counts.pairs:
        for g in (cohort, ALL):
            found = totals[(first, second, g)]
            for i, v in enumerate((both, n5, change, squares, better, worse)):
                found[i] += v
    for first, second, g in wave_pairs(counts):
        both, n5, change, squares, better, worse = totals[(first, second, g)]
        k = (first, second, g)
        both_key = b.var(("both_answered", *k), both, PROCESS)
        pairs = b.var(("pairs", *k), n5, PROCESS)
        # WHO-5 is required: everyone who answered both has a change, and a reader may know it.
        b.equation(both_key, [pairs, b.var(("pairs_without_who5", *k), both - n5, PROCESS)])
        for months in (first, second):
            answered = ("answered", months, g)
            only = b.value(answered) - both
            b.equation(answered, [both_key, b.var(("answered_not_both", months, *k), only, PROCESS, False)])
        parts = [
            b.var(("improved", *k), better, ATTRIBUTE),
            b.var(("worsened", *k), worse, ATTRIBUTE),
            b.var(("little_change", *k), n5 - better - worse, ATTRIBUTE, False),
        ]
        b.equation(pairs, parts, distribution=True)
        b.var(
            ("change_sum", *k),
            change,
            SUM,
            lower=-100 * n5,
            upper=100 * n5,
            protect_width=MEANINGFUL * n5,
            n=n5,
        )
        b.variables[("change_sum", *k)].squares = squares


def table(b: Builder, counts: Counts) -> Table:
    who5 = Table(
        "who5",
        _l("Well-being (WHO-5)"),
        _l("WHO-5 index from 0 to 100; at or below 50: poor well-being; at or below 28: likely depression."),
        [
            Column("who5_n", _l("Answered WHO-5"), COUNT),
            Column("mean", _l("Mean (0-100)"), MEAN),
            Column("mean_low", _l("95% CI from"), LOW),
            Column("mean_high", _l("95% CI to"), HIGH),
            Column("poor", _l("At or below 50"), COUNT),
            Column("poor_share", _l("Share at or below 50"), SHARE),
            Column("depression", _l("At or below 28"), COUNT),
            Column("depression_share", _l("Share at or below 28"), SHARE),
        ],
    )
    for w, g in rows_per_group(counts):
        k = (w, g)
        n_key, sum_key = ("who5_n", *k), ("who5_sum", *k)
        cells = {"who5_n": b.count(n_key)}
        cells.update(mean_cells(b, n_key, sum_key, "mean"))
        cells["poor"] = b.count(("who5_poor", *k))
        cells["poor_share"] = b.share(("who5_poor", *k), n_key)[0]
        cells["depression"] = b.count(("who5_depression", *k))
        cells["depression_share"] = b.share(("who5_depression", *k), n_key)[0]
        who5.rows.append(Row(w, g, cells, label(g)))
    return who5


def change_table(b: Builder, counts: Counts) -> Table:
    change = Table(
        "who5_change",
        _l("Change in well-being between waves (WHO-5)"),
        _l(
            "People who answered WHO-5 at both waves: mean change (later minus earlier), and how many "
            "improved or worsened by 10 points or more."
        ),
        [
            Column("pairs", _l("Answered both waves"), COUNT),
            Column("change", _l("Mean change"), MEAN),
            Column("change_low", _l("95% CI from"), LOW),
            Column("change_high", _l("95% CI to"), HIGH),
            Column("improved", _l("Improved by 10 or more"), COUNT),
            Column("improved_share", _l("Share improved"), SHARE),
            Column("worsened", _l("Worsened by 10 or more"), COUNT),
            Column("worsened_share", _l("Share worsened"), SHARE),
        ],
    )
    for first, second, g in wave_pairs(counts):
        k = (first, second, g)
        pairs = ("pairs", *k)
        cells = {"pairs": b.count(pairs)}
        cells.update(mean_cells(b, pairs, ("change_sum", *k), "change"))
        for name in ("improved", "worsened"):
            cells[name] = b.count((name, *k))
            cells[f"{name}_share"] = b.share((name, *k), pairs)[0]
        change.rows.append(Row(second, g, cells, label(g), since=first))
    return change
