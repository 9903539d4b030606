"""Reach and response (invited, delivered, answered, response rate) and answering again across waves."""

from __future__ import annotations

from followup.i18n import _l
from followup.results.measures.builder import (
    Builder,
    answered,
    label,
    rows_per_group,
    share_columns,
    total,
    wave_pairs,
)
from followup.results.measures.counting import Counts
from followup.results.tables import COUNT, PROCESS, SHARE, Column, Row, Table


def variables(b: Builder, k: tuple, cells: list[tuple], delivered: int) -> tuple:
    """Add a group's invited, delivered, answered and not answered; return the answered key."""
    invited = b.var(("invited", *k), total(cells, "n"), PROCESS)
    b.var(("delivered", *k), delivered, PROCESS)
    n = b.var(("answered", *k), total(answered(cells), "n"), PROCESS)
    not_answered = total([c for c in cells if not c[2]], "n")
    b.equation(invited, [n, b.var(("not_answered", *k), not_answered, PROCESS)])
    return n


def table(b: Builder, counts: Counts) -> Table:
    reach = Table(
        "reach",
        _l("Reach and response"),
        _l("People invited (sent a survey), invitations known to be delivered, and people who answered."),
        [
            Column("invited", _l("Invited"), COUNT),
            Column("delivered", _l("Delivered (where known)"), COUNT),
            Column("answered", _l("Answered"), COUNT),
            *share_columns("response", _l("Response rate")),
        ],
    )
    for w, g in rows_per_group(counts):
        k = (w, g)
        cells = {
            "invited": b.count(("invited", *k)),
            "delivered": b.count(("delivered", *k)),
            "answered": b.count(("answered", *k)),
        }
        cells.update(
            zip(
                ("response_share", "response_low", "response_high"),
                b.share(("answered", *k), ("invited", *k), attribute=False),
                strict=True,
            )
        )
        reach.rows.append(Row(w, g, cells, label(g)))
    return reach


def attrition_table(b: Builder, counts: Counts) -> Table:
    attrition = Table(
        "attrition",
        _l("Answering again"),
        _l("Of the people who answered at the earlier wave, how many answered at the later one too."),
        [
            Column("answered_first", _l("Answered the earlier wave"), COUNT),
            Column("answered_both", _l("Answered both"), COUNT),
            Column("again_share", _l("Share who answered again"), SHARE),
        ],
    )
    for first, second, g in wave_pairs(counts):
        k = (first, second, g)
        answered_first = ("answered", first, g)
        again = {
            "answered_first": b.count(answered_first),
            "answered_both": b.count(("both_answered", *k)),
            "again_share": b.share(("both_answered", *k), answered_first, attribute=False)[0],
        }
        attrition.rows.append(Row(second, g, again, label(g), since=first))
    return attrition
