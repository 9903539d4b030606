"""Disclosure control: which figures are hidden, so that no one can be singled out.

**Sensitive** (the rule): a count from 1 to threshold-1 of people sharing an attribute (an
activity, social assistance, a WHO-5 band, a step, a transition, a characteristic at exit); a
published count of people sharing an attribute that is the whole of its group (everybody in a
cohort receives social assistance), when the group is not empty (a published 0 is not
sensitive, so "nobody in the cohort is self-sufficient" is published); a share or mean over fewer than
threshold people. Process figures (invited, delivered, answered, response rate) are not
attributes: a full response hides nothing.

**Protection** (secondary suppression): every hidden sensitive count must keep a range of
possible values at least `threshold` wide given everything published for the programme: all
tables at once, every equation between their cells (totals and parts, cohorts and the whole
programme) and no negative counts; every hidden mean over few people a range of at least 10
WHO-5 points. Ranges are computed with linear programming (HiGHS, through SciPy), which is
the interval attack a careful reader could make. Where a range is too narrow, a published cell
of a binding equation is hidden as well (a part before a total, the smallest that is large
enough), and the range computed again.

For speed each range is computed over the neighbourhood of the cell (the equations it is in,
and the equations of the hidden cells in those), with every hidden cell further away held at
its true value: that can only narrow the range, so a range wide enough there is wide enough
everywhere. The price is, at times, a cell hidden that need not have been.
"""

from __future__ import annotations

import math
from collections import defaultdict

import numpy as np
from scipy.optimize import linprog
from scipy.sparse import coo_matrix

from followup.results.tables import ATTRIBUTE, SUM, Publication, Variable

SUPPRESSED = ".."
DEBUG = False


def sensitive_variables(publication: Publication, threshold: int) -> set[tuple]:
    """Return the variables the rule calls sensitive (published or not)."""
    variables = publication.variables
    found = set()
    for key, variable in variables.items():
        if variable.role == ATTRIBUTE and 1 <= variable.value < threshold:
            found.add(key)
        elif variable.role == SUM and variable.n and variable.n < threshold:
            found.add(key)
    if threshold <= 1:
        return found  # suppression is off
    for equation in publication.equations:
        if not equation.distribution:
            continue
        total = variables[equation.total].value
        for part in equation.parts:
            variable = variables[part]
            if variable.role == ATTRIBUTE and variable.published and total > 0 and variable.value == total:
                found.add(part)
    return found


def required_width(variable: Variable, threshold: int) -> float:
    """Return how wide the range of a hidden sensitive variable must stay."""
    if variable.role == SUM:
        return variable.protect_width or 0.0
    return float(threshold)


class _Ranges:
    """Ranges of hidden variables given what is published, by linear programming."""

    def __init__(self, publication: Publication, hidden: set[tuple]) -> None:
        self.variables = publication.variables
        self.equations = publication.equations
        self.hidden = hidden
        self.equations_of: dict[tuple, list[int]] = defaultdict(list)
        for i, equation in enumerate(self.equations):
            for member in (equation.total, *equation.parts):
                self.equations_of[member].append(i)

    def free(self, key: tuple) -> bool:
        return key in self.hidden or not self.variables[key].published

    def neighbourhood(self, key: tuple, hops: int | None = 2) -> tuple[list[tuple], list[int]]:
        """Return the hidden variables within `hops` equations of `key` (all linked ones for None)."""
        near, frontier, hop = {key}, [key], 0
        while frontier and (hops is None or hop < hops):
            hop += 1
            found = []
            for member in frontier:
                for i in self.equations_of[member]:
                    equation = self.equations[i]
                    for m in (equation.total, *equation.parts):
                        if m not in near and self.free(m):
                            near.add(m)
                            found.append(m)
            frontier = found
        touched = sorted({i for member in near for i in self.equations_of[member]})
        return sorted(near, key=repr), touched

    def range(self, key: tuple, hops: int | None = 2) -> tuple[float, float, list[int], list[int]]:
        """Return the smallest and largest value of `key`, and the equations binding each end.

        Hidden variables further than `hops` equations away are held at their true values.
        """
        columns, rows = self.neighbourhood(key, hops)
        index = {member: j for j, member in enumerate(columns)}
        data, row_of, column_of, constants = [], [], [], []
        for r, i in enumerate(rows):
            equation = self.equations[i]
            constant = 0.0
            for member, sign in ((equation.total, 1.0), *((p, -1.0) for p in equation.parts)):
                if member in index:
                    data.append(sign)
                    row_of.append(r)
                    column_of.append(index[member])
                else:
                    constant -= sign * self.variables[member].value
            constants.append(constant)
        matrix = coo_matrix((data, (row_of, column_of)), shape=(len(rows), len(columns))).tocsr()
        bounds = [
            (
                self.variables[m].lower,
                None if math.isinf(self.variables[m].upper) else self.variables[m].upper,
            )
            for m in columns
        ]
        objective = np.zeros(len(columns))
        objective[index[key]] = 1.0
        ends = []
        for direction in (1.0, -1.0):
            result = linprog(
                direction * objective, A_eq=matrix, b_eq=constants, bounds=bounds, method="highs"
            )
            if result.status == 3:  # unbounded: as wide as can be
                ends.append((-direction * math.inf, []))
                continue
            if result.status != 0:
                raise RuntimeError(f"disclosure control: no feasible solution for {key!r}: {result.message}")
            duals = result.eqlin.marginals
            binding = [rows[r] for r in np.flatnonzero(np.abs(duals) > 1e-9)]
            ends.append((direction * result.fun, binding))
        (low, low_binding), (high, high_binding) = ends
        return low, high, low_binding, high_binding


def protect(publication: Publication, threshold: int) -> Publication:
    """Hide sensitive figures and enough others that none can be narrowed down; return the publication."""
    variables = publication.variables
    sensitive = sensitive_variables(publication, threshold)
    hidden = {k for k in sensitive if variables[k].published}
    hidden |= {k for k, v in variables.items() if v.role == SUM and not v.n}
    ranges = _Ranges(publication, hidden)
    for key in sorted(sensitive, key=repr):
        variable = variables[key]
        need = required_width(variable, threshold)
        if variable.role == SUM and not variable.n:
            continue
        while True:
            low, high, low_binding, high_binding = ranges.range(key)
            if high - low >= need - 1e-6:
                break
            # Nearby is not wide enough; everything linked may be.
            low, high, low_binding, high_binding = ranges.range(key, hops=None)
            if high - low >= need - 1e-6:
                break
            chosen = _choose(ranges, key, high_binding + low_binding, need - (high - low))
            if chosen is None:
                break
            hidden.add(chosen)
            if DEBUG:
                print("for", key, "hide", chosen, low, high)
    publication.threshold = threshold
    _mark_cells(publication, hidden, threshold)
    return publication


def _choose(ranges: _Ranges, key: tuple, binding: list[int], shortfall: float) -> tuple | None:
    """Return the published variable to hide next: a part before a total, the smallest large enough."""
    variables = ranges.variables
    equations = ranges.equations
    searches = [binding, ranges.equations_of[key]]
    near, touched = ranges.neighbourhood(key)
    searches.append(touched)
    for search in searches:
        candidates = []
        for i in search:
            equation = equations[i]
            for is_total, member in ((True, equation.total), *((False, p) for p in equation.parts)):
                if member == key or ranges.free(member):
                    continue
                candidates.append((is_total, member))
        if not candidates:
            continue
        value = lambda m: variables[m].value  # noqa: E731
        # A hidden part can give way by as much as it holds: one holding at least the shortfall
        # widens the range; a part holding nothing cannot, but a hidden total can.
        parts = [m for is_total, m in candidates if not is_total]
        big_enough = [m for m in parts if value(m) >= shortfall]
        if big_enough:
            return min(big_enough, key=lambda m: (value(m), repr(m)))
        totals = [m for is_total, m in candidates if is_total]
        if totals:
            return min(totals, key=lambda m: (value(m), repr(m)))
        return max(parts, key=lambda m: (value(m), repr(m)))
    return None


def _mark_cells(publication: Publication, hidden: set[tuple], threshold: int) -> None:
    """Mark each cell hidden or not, and measure the information lost: the share of figures hidden."""
    figures = suppressed = 0
    for table in publication.tables:
        for row in table.rows:
            for cell in row.cells.values():
                if cell.value is None or (isinstance(cell.value, float) and math.isnan(cell.value)):
                    cell.value = None  # no figure exists (a share of nobody): shown empty, not hidden
                    continue
                cell.hidden = (
                    cell.variable in hidden
                    or any(d in hidden for d in cell.depends)
                    or (cell.over is not None and cell.over < threshold)
                )
                figures += 1
                suppressed += cell.hidden
    publication.information_loss = suppressed / figures if figures else 0.0
