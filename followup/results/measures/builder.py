"""What every measure's layout shares: the builder that collects variables, equations and cells, the
sums over a group's cells, and the small pieces of table layout used by more than one measure."""

from __future__ import annotations

from followup.i18n import _l
from followup.results.intervals import mean_interval, wilson
from followup.results.measures.counting import AT, Counts
from followup.results.tables import ALL, HIGH, LOW, NO_COHORT, SHARE, Cell, Column, Equation, Variable

KEY = 4  # the sums of a cell start after (months, cohort, answered, activity now)


class Builder:
    """Collects variables, equations and cells while the tables are laid out."""

    def __init__(self) -> None:
        self.variables: dict[tuple, Variable] = {}
        self.equations: list[Equation] = []

    def var(self, key: tuple, value: float, role: str, published: bool = True, **extra) -> tuple:
        """Add a variable (each key is added once) and return its key."""
        self.variables[key] = Variable(value, role, published, **extra)
        return key

    def value(self, key: tuple) -> float:
        return self.variables[key].value

    def equation(self, total: tuple, parts: list[tuple], distribution: bool = False) -> None:
        self.equations.append(Equation(total, tuple(parts), distribution))

    def count(self, key: tuple) -> Cell:
        return Cell(self.variables[key].value, variable=key)

    def share(self, numerator: tuple, denominator: tuple, attribute: bool = True) -> list[Cell]:
        """Return the share and its Wilson interval as three cells that follow their counts."""
        k, n = self.variables[numerator].value, self.variables[denominator].value
        interval = wilson(int(k), int(n))
        over = int(n) if attribute else None
        values = (k / n, *interval) if interval else (None, None, None)
        return [Cell(v, depends=(numerator, denominator), over=over) for v in values]


def total(cells, name: str) -> int:
    """Return one sum (see counting.SUMS) over some cells."""
    at = KEY + AT[name]
    return sum(c[at] for c in cells)


def answered(cells) -> list[tuple]:
    """Return the cells of people who answered (see counting.Counts.cells)."""
    return [c for c in cells if c[2]]


def label(g: str):
    if g == ALL:
        return _l("All cohorts")
    if g == NO_COHORT:
        return _l("No cohort")
    return None


def rows_per_group(counts: Counts):
    for w in counts.waves:
        for g in [*counts.cohorts, ALL]:
            yield w, g


def wave_pairs(counts: Counts):
    """Yield (earlier wave, later wave, group) for every pair of waves, per cohort and for everyone."""
    for first in counts.waves:
        for second in counts.waves:
            if first < second:
                for g in [*counts.cohorts, ALL]:
                    yield first, second, g


def share_columns(stem: str, label_) -> list[Column]:
    """Return the share and its interval as three columns."""
    return [
        Column(f"{stem}_share", label_, SHARE),
        Column(f"{stem}_low", _l("95% CI from"), LOW),
        Column(f"{stem}_high", _l("95% CI to"), HIGH),
    ]


def mean_cells(b: Builder, n_key: tuple, sum_key: tuple, stem: str) -> dict[str, Cell]:
    n = int(b.variables[n_key].value)
    variable = b.variables[sum_key]
    found = mean_interval(n, variable.value, variable.squares)
    values = found if found else (None, None, None)
    names = (stem, f"{stem}_low", f"{stem}_high")
    return {name: Cell(values[i], depends=(n_key, sum_key), over=n) for i, name in enumerate(names)}


class LabelWith:
    """A translatable heading with a translatable value put in, turned to text when shown."""

    def __init__(self, heading, value) -> None:
        self.heading, self.value = heading, value

    def __str__(self) -> str:
        return str(self.heading).replace("%(value)s", str(self.value))
