"""Step forward (stegförflyttning): activity at exit against activity now on the ladder kept in
ladder.toml, per group; and the transition table, exit step x step now, for the whole programme."""

from __future__ import annotations

from followup.i18n import _l
from followup.results.measures.builder import KEY, Builder, label, rows_per_group
from followup.results.measures.counting import AT, Counts
from followup.results.measures.vocabulary import ACTIVITIES, Assumptions, Rung
from followup.results.tables import ALL, ATTRIBUTE, COUNT, SHARE, Column, Row, Table

MOVES = ("closer", "unchanged", "further")


def exit_steps(answer: tuple, rung_of: dict[str, int]) -> list[tuple[int, int]]:
    """Return (step at exit, people) for the people of an answered cell whose exit step is known."""
    return [(rung_of[a], answer[KEY + AT[f"exit_activity:{a}"]]) for a in ACTIVITIES if a in rung_of]


def variables(b: Builder, k: tuple, answers: list[tuple], n: tuple, rung_of: dict[str, int]) -> None:
    """Add a group's moves closer, unchanged and further (answers: answered cells)."""
    moves = dict.fromkeys(MOVES, 0)
    comparable_n = 0
    for answer in answers:
        now = rung_of.get(answer[3])
        if now is None:
            continue
        for start, people in exit_steps(answer, rung_of):
            comparable_n += people
            moves["closer" if now > start else "further" if now < start else "unchanged"] += people
    comparable = b.var(("comparable", *k), comparable_n, ATTRIBUTE)
    b.equation(comparable, [b.var((m, *k), v, ATTRIBUTE) for m, v in moves.items()], distribution=True)
    b.equation(n, [comparable, b.var(("not_comparable", *k), b.value(n) - comparable_n, ATTRIBUTE, False)])


def transition_variables(
    b: Builder, k: tuple, answers: list[tuple], ladder: tuple[Rung, ...], rung_of
) -> None:
    """Add the whole programme's transition table, exit step x step now, and tie it to the moves."""
    size = len(ladder)
    found = [[0] * size for _ in range(size)]
    for answer in answers:
        now = rung_of.get(answer[3])
        if now is None:
            continue
        for start, people in exit_steps(answer, rung_of):
            found[start][now] += people
    exit_totals = []
    for i in range(size):
        cells = [b.var(("transition", *k, i, j), found[i][j], ATTRIBUTE) for j in range(size)]
        total = b.var(("exit_rung", *k, i), sum(b.value(c) for c in cells), ATTRIBUTE)
        b.equation(total, cells, distribution=True)
        exit_totals.append(total)
    b.equation(("comparable", *k), exit_totals, distribution=True)
    for move, test in (
        ("closer", lambda i, j: j > i),
        ("unchanged", lambda i, j: j == i),
        ("further", lambda i, j: j < i),
    ):
        b.equation(
            (move, *k), [("transition", *k, i, j) for i in range(size) for j in range(size) if test(i, j)]
        )


def off_ladder_now(answers: list[tuple], rung_of: dict[str, int], step: int) -> int:
    """Return how many answered who stood on `step` at exit and now do something off the ladder."""
    return sum(
        people
        for answer in answers
        if answer[3] not in rung_of
        for start, people in exit_steps(answer, rung_of)
        if start == step
    )


def tables(b: Builder, counts: Counts, assumptions: Assumptions) -> list[Table]:
    steps = Table(
        "step_forward",
        _l("Step forward"),
        _l(
            "Activity now against activity at exit, on the ladder in the definitions: closer to work "
            "or studies, the same step, or further away."
        ),
        [
            Column("comparable", _l("Comparable (activity at exit known)"), COUNT),
            *(
                c
                for m, heading in (
                    ("closer", _l("Moved closer")),
                    ("unchanged", _l("Unchanged")),
                    ("further", _l("Moved further away")),
                )
                for c in (Column(m, heading, COUNT), Column(f"{m}_share", _l("Share"), SHARE))
            ),
        ],
    )
    for w, g in rows_per_group(counts):
        k = (w, g)
        cells = {"comparable": b.count(("comparable", *k))}
        for m in MOVES:
            cells[m] = b.count((m, *k))
            cells[f"{m}_share"] = b.share((m, *k), ("comparable", *k))[0]
        steps.rows.append(Row(w, g, cells, label(g)))

    ladder = assumptions.ladder
    transitions = Table(
        "transitions",
        _l("From activity at exit to activity now (whole programme)"),
        _l("Rows: the step on the ladder at exit; columns: the step now."),
        [*(Column(f"now_{r.id}", r.label, COUNT) for r in ladder), Column("total", _l("Total"), COUNT)],
    )
    for w in counts.waves:
        for i, rung in enumerate(ladder):
            cells = {f"now_{r.id}": b.count(("transition", w, ALL, i, j)) for j, r in enumerate(ladder)}
            cells["total"] = b.count(("exit_rung", w, ALL, i))
            transitions.rows.append(Row(w, rung.id, cells, rung.label))
    return [steps, transitions]
