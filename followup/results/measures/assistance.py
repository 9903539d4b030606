"""Social assistance: receiving now, no longer receiving of those who did at exit, and the avoided
social assistance (an estimate on stated assumptions)."""

from __future__ import annotations

from followup.i18n import _l
from followup.results.measures.builder import Builder, label, rows_per_group, share_columns, total
from followup.results.measures.counting import Counts
from followup.results.measures.vocabulary import SA_LABELS, SOCIAL_ASSISTANCE, Assumptions
from followup.results.tables import ATTRIBUTE, COUNT, ESTIMATE, PROCESS, SHARE, Cell, Column, Row, Table


def variables(b: Builder, k: tuple, answers: list[tuple], n: tuple) -> None:
    """Add a group's social assistance now and at exit (answers: answered cells)."""
    assistance = {
        s: b.var(("assistance", *k, s), total(answers, f"assistance:{s}"), ATTRIBUTE)
        for s in SOCIAL_ASSISTANCE
    }
    given = sum(b.value(a) for a in assistance.values())
    missing = b.var(("assistance", *k, None), b.value(n) - given, PROCESS)
    b.equation(n, [*assistance.values(), missing], distribution=True)
    exit_sa = b.var(("assistance_at_exit", *k), total(answers, "exit_assistance:yes"), ATTRIBUTE)
    left = b.var(("left_assistance", *k), total(answers, "left_assistance"), ATTRIBUTE)
    stayed = b.var(("stayed_assistance", *k), b.value(exit_sa) - b.value(left), ATTRIBUTE, False)
    b.equation(exit_sa, [left, stayed], distribution=True)
    not_exit_sa = b.var(("no_assistance_at_exit", *k), b.value(n) - b.value(exit_sa), ATTRIBUTE, False)
    b.equation(n, [exit_sa, not_exit_sa], distribution=True)


def table(b: Builder, counts: Counts, assumptions: Assumptions) -> Table:
    assistance = Table(
        "social_assistance",
        _l("Social assistance"),
        _l(
            "Receiving social assistance now; of those who received it at exit, how many no longer do; "
            "and the avoided social assistance, an estimate: people who left x months x monthly norm "
            "(the assumptions are in the definitions)."
        ),
        [
            Column("answered", _l("Answered"), COUNT),
            *(Column(f"assistance_{s}", SA_LABELS[s], COUNT) for s in SOCIAL_ASSISTANCE),
            *share_columns("receiving", _l("Share receiving")),
            Column("at_exit", _l("Received it at exit"), COUNT),
            Column("left", _l("No longer receiving"), COUNT),
            Column("left_share", _l("Share no longer receiving"), SHARE),
            Column("avoided", _l("Avoided social assistance, estimate (SEK)"), ESTIMATE),
        ],
    )
    for w, g in rows_per_group(counts):
        k = (w, g)
        cells = {"answered": b.count(("answered", *k))}
        for s in SOCIAL_ASSISTANCE:
            cells[f"assistance_{s}"] = b.count(("assistance", *k, s))
        cells.update(
            zip(
                ("receiving_share", "receiving_low", "receiving_high"),
                b.share(("assistance", *k, "yes"), ("answered", *k)),
                strict=True,
            )
        )
        cells["at_exit"] = b.count(("assistance_at_exit", *k))
        cells["left"] = b.count(("left_assistance", *k))
        cells["left_share"] = b.share(("left_assistance", *k), ("assistance_at_exit", *k))[0]
        left = b.value(("left_assistance", *k))
        cells["avoided"] = Cell(
            left * assumptions.months * assumptions.monthly_norm, depends=(("left_assistance", *k),)
        )
        assistance.rows.append(Row(w, g, cells, label(g)))
    return assistance
