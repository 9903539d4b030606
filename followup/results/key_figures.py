"""The few figures an overview starts with: per wave, the whole programme's key shares."""

from __future__ import annotations

from dataclasses import dataclass

from followup.i18n import _l
from followup.results.tables import ALL, Publication

# (table, stem of its share columns, sentence with the figure, label when the figure is suppressed)
KEY_SHARES = (
    (
        "reach",
        "response",
        _l(
            "%(share)s (95 %% CI %(low)s–%(high)s) of those invited answered %(months)d months after leaving."
        ),
        _l("Answered, %(months)d months after leaving"),
    ),
    (
        "self_sufficiency",
        "self_sufficient",
        _l("%(share)s (95 %% CI %(low)s–%(high)s) were self-sufficient %(months)d months after leaving."),
        _l("Self-sufficient, %(months)d months after leaving"),
    ),
    (
        "self_sufficiency",
        "work_or_studies",
        _l("%(share)s (95 %% CI %(low)s–%(high)s) were in work or studies %(months)d months after leaving."),
        _l("In work or studies, %(months)d months after leaving"),
    ),
)


@dataclass
class KeyFigure:
    months: int
    sentence: object
    label: object
    share: float | None
    low: float | None
    high: float | None
    hidden: bool


def key_figures(publication: Publication) -> dict[int, list[KeyFigure]]:
    """Return each wave's key shares over all cohorts, with their intervals; hidden ones as hidden."""
    found: dict[int, list[KeyFigure]] = {}
    for table_id, stem, sentence, label in KEY_SHARES:
        for row in publication.table(table_id).rows:
            if row.group != ALL or row.since is not None:
                continue
            share, low, high = (row.cells[f"{stem}_{kind}"] for kind in ("share", "low", "high"))
            hidden = share.hidden or low.hidden or high.hidden
            found.setdefault(row.wave, []).append(
                KeyFigure(
                    row.wave,
                    sentence,
                    label,
                    None if hidden else share.value,
                    None if hidden else low.value,
                    None if hidden else high.value,
                    hidden,
                )
            )
    return dict(sorted(found.items()))
