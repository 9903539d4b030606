"""The two questions the Steget Fram survey was ranked on: how soon the next step started, and how
much the programme helped, as distributions."""

from __future__ import annotations

from followup.i18n import _l
from followup.results.measures.builder import Builder, label, rows_per_group, total
from followup.results.measures.counting import Counts
from followup.results.measures.vocabulary import HELPED, HELPED_LABELS, NEXT_STEP, NEXT_STEP_LABELS
from followup.results.tables import ATTRIBUTE, COUNT, PROCESS, SHARE, Column, Row, Table

QUESTIONS = (
    ("next_step", NEXT_STEP, NEXT_STEP_LABELS, _l("How soon the next step started")),
    ("helped", HELPED, HELPED_LABELS, _l("How much the programme helped")),
)


def variables(b: Builder, k: tuple, answers: list[tuple], n: tuple) -> None:
    """Add a group's answers to both questions (answers: answered cells)."""
    for name, options, _labels, _title in QUESTIONS:
        parts = [b.var((name, *k, o), total(answers, f"{name}:{o}"), ATTRIBUTE) for o in options]
        given = sum(b.value(p) for p in parts)
        parts.append(b.var((name, *k, None), b.value(n) - given, PROCESS))
        # Everyone giving the same opinion of the programme is no secret about their situation:
        # the whole-group rule is for activities, benefits, well-being and steps; small counts stay sensitive.
        b.equation(n, parts)


def tables(b: Builder, counts: Counts) -> list[Table]:
    found = []
    for name, options, labels, title in QUESTIONS:
        table = Table(
            name,
            title,
            _l("Answers to the survey question, one answer each."),
            [Column("answered", _l("Answered"), COUNT)]
            + [
                c
                for o in options
                for c in (Column(o, labels[o], COUNT), Column(f"{o}_share", _l("Share"), SHARE))
            ],
        )
        for w, g in rows_per_group(counts):
            k = (w, g)
            cells = {"answered": b.count(("answered", *k))}
            for o in options:
                cells[o] = b.count((name, *k, o))
                cells[f"{o}_share"] = b.share((name, *k, o), ("answered", *k))[0]
            table.rows.append(Row(w, g, cells, label(g)))
        found.append(table)
    return found
