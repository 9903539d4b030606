"""Main activity now, self-sufficiency (the programme's definition) and work or studies."""

from __future__ import annotations

from followup.i18n import _l
from followup.results.measures.builder import Builder, label, rows_per_group, share_columns, total
from followup.results.measures.counting import Counts
from followup.results.measures.vocabulary import ACTIVITIES, ACTIVITY_LABELS, WORK_OR_STUDIES, Assumptions
from followup.results.tables import ATTRIBUTE, COUNT, PROCESS, SHARE, Column, Row, Table


def variables(b: Builder, k: tuple, answers: list[tuple], n: tuple, assumptions: Assumptions) -> None:
    """Add a group's activity counts, self-sufficiency and work or studies (answers: answered cells)."""
    activity = {
        a: b.var(("activity", *k, a), total([c for c in answers if c[3] == a], "n"), ATTRIBUTE)
        for a in ACTIVITIES
    }
    unknown = b.var(
        ("activity", *k, None), total([c for c in answers if c[3] not in ACTIVITIES], "n"), PROCESS
    )
    b.equation(n, [*activity.values(), unknown], distribution=True)
    for name, chosen in (
        ("self_sufficient", assumptions.self_sufficiency),
        ("work_or_studies", WORK_OR_STUDIES),
    ):
        part = b.var((name, *k), sum(b.value(activity[a]) for a in chosen), ATTRIBUTE)
        b.equation(part, [activity[a] for a in chosen])
        rest = b.var((f"not_{name}", *k), b.value(n) - b.value(part), ATTRIBUTE, False)
        b.equation(n, [part, rest], distribution=True)


def tables(b: Builder, counts: Counts) -> list[Table]:
    activity = Table(
        "activity",
        _l("Main activity now"),
        _l("What people who answered mainly do now: one answer each."),
        [Column("answered", _l("Answered"), COUNT)]
        + [
            c
            for a in ACTIVITIES
            for c in (Column(a, ACTIVITY_LABELS[a], COUNT), Column(f"{a}_share", _l("Share"), SHARE))
        ],
    )
    for w, g in rows_per_group(counts):
        k = (w, g)
        cells = {"answered": b.count(("answered", *k))}
        for a in ACTIVITIES:
            cells[a] = b.count(("activity", *k, a))
            cells[f"{a}_share"] = b.share(("activity", *k, a), ("answered", *k))[0]
        activity.rows.append(Row(w, g, cells, label(g)))

    outcomes = Table(
        "self_sufficiency",
        _l("Self-sufficiency and work or studies"),
        _l(
            "Self-sufficient: main activity is one of the programme's self-sufficiency activities "
            "(see definitions)."
        ),
        [
            Column("answered", _l("Answered"), COUNT),
            Column("self_sufficient", _l("Self-sufficient"), COUNT),
            *share_columns("self_sufficient", _l("Share self-sufficient")),
            Column("work_or_studies", _l("In work or studies"), COUNT),
            *share_columns("work_or_studies", _l("Share in work or studies")),
        ],
    )
    for w, g in rows_per_group(counts):
        k = (w, g)
        cells = {"answered": b.count(("answered", *k))}
        for name in ("self_sufficient", "work_or_studies"):
            cells[name] = b.count((name, *k))
            cells.update(
                zip(
                    (f"{name}_share", f"{name}_low", f"{name}_high"),
                    b.share((name, *k), ("answered", *k)),
                    strict=True,
                )
            )
        outcomes.rows.append(Row(w, g, cells, label(g)))
    return [activity, outcomes]
