"""Disclosure control: which figures are hidden, so that no one can be singled out.

**Sensitive** (the rule): a count from 1 to threshold-1 of people sharing an attribute (an
activity, social assistance, a WHO-5 band, a step, a transition, a characteristic at exit); a
published count of people sharing an attribute that is the whole of its group (everybody in a
cohort receives social assistance; opinions of the programme excepted), when the group is
not empty (a published 0 is not
sensitive, so "nobody in the cohort is self-sufficient" is published); a share or mean over fewer than
threshold people. Process figures (invited, delivered, answered, response rate) are not
attributes: a full response hides nothing.

**Protection** (secondary suppression): every hidden sensitive count must keep a range of
possible values at least `threshold` wide given everything published for the programme: all
tables at once, every equation between their cells (totals and parts, cohorts and the whole
programme) and no negative counts; every hidden mean over few people a range of at least 10
WHO-5 points. Ranges are computed with linear programming (HiGHS), which is
the interval attack a careful reader could make. Where a range is too narrow, a published cell
of a binding equation is hidden as well (a part before a total, the smallest that is large
enough), and the range computed again.

A range need not be computed exactly to be known wide enough: any two values the published
figures allow are at least that far apart, and a programme that holds more cells fixed than the
reader does has a narrower range than the reader's. So (`_Ranges`) a few solves of the whole
programme with random objectives settle most cells at once; each remaining cell is solved on a
small programme around it (its neighbours in the equations free, everything further away held at
its true value), first a small then a larger one; only when that still finds the range too
narrow is a cell hidden, and after four hides for one cell the whole programme is asked instead,
so that a neighbourhood too small cannot make the hiding run away. Solved by HiGHS through its
own Python interface, highspy (one model kept and warm-started); the tests' auditor uses HiGHS
through SciPy instead, and nothing of this module.
"""

from __future__ import annotations

import bisect
import ctypes
import math
import os
import sys
import threading
from collections import defaultdict

import highspy
import numpy as np
from scipy.sparse import csc_matrix

from followup.results.tables import ALL, ATTRIBUTE, SUM, Publication, Variable

SUPPRESSED = ".."
SWEEPS = 12  # solves with random objectives before any cell is looked at on its own
NEARBY = ((2, 4, 8, 200), (4, 8, 16, 800))
CASCADE = 4  # hides for one cell after which its range is asked of the whole model
SEED = 11  # the same publication is always protected the same way
# The banner is silenced by pointing the process's stdout elsewhere for a moment; two threads
# doing that at once could leave it pointing at /dev/null for good.
_STDOUT_SWAP = threading.Lock()


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


def _quiet_highs() -> highspy.Highs:
    """Return a HiGHS model that prints nothing (it prints a banner when made, before any option)."""
    with _STDOUT_SWAP:
        sys.stdout.flush()
        libc = ctypes.CDLL(None)
        saved, silent = os.dup(1), os.open(os.devnull, os.O_WRONLY)
        os.dup2(silent, 1)
        try:
            model = highspy.Highs()
            model.setOptionValue("output_flag", False)
            libc.fflush(None)
        finally:
            os.dup2(saved, 1)
            os.close(saved)
            os.close(silent)
    return model


class _Ranges:
    """Ranges of hidden variables given what is published, by linear programming.

    One HiGHS model holds every variable and equation of the publication; a published figure is
    a variable fixed at its value, and hiding it frees it. An exact range is two solves of it that
    start from the previous solution (warm start).

    Most ranges never need that. Every solution of any of these programmes, and the true values
    themselves, are values a reader could not rule out; a cell seen both at `a` and at `b` has a
    range at least `b - a` wide, and stays so as more is hidden (hiding only adds solutions). So a
    few solves with random objectives over the whole model (`sweep`) settle most cells at once;
    the rest are tried on a small programme around the cell (`local_range`): its neighbours in the
    equations are free, everything further away is held at its true value. That is a narrower
    problem than the reader's, so a range wide enough there is wide enough for the reader too.
    """

    def __init__(self, publication: Publication, hidden: set[tuple]) -> None:
        self.variables = publication.variables
        self.equations = publication.equations
        self.hidden = hidden
        self.keys = list(self.variables)
        self.column = {key: j for j, key in enumerate(self.keys)}
        self.equations_of: dict[tuple, list[int]] = defaultdict(list)
        for i, equation in enumerate(self.equations):
            for member in (equation.total, *equation.parts):
                self.equations_of[member].append(i)
        self.value = np.array([self.variables[key].value for key in self.keys], dtype=float)
        # The smallest and largest value each variable has been seen to take in some solution.
        self.seen_low = self.value.copy()
        self.seen_high = self.value.copy()
        self.lower = np.array([self.variables[key].lower for key in self.keys], dtype=float)
        self.upper = np.array([self.variables[key].upper for key in self.keys], dtype=float)
        self.upper[np.isinf(self.upper)] = highspy.kHighsInf
        self.is_free = np.array([self.free(key) for key in self.keys], dtype=bool)
        self.rows_of: list[list[int]] = [[] for _ in self.keys]
        starts, indices, values = [], [], []
        for i, equation in enumerate(self.equations):
            starts.append(len(indices))
            coefficients: dict[int, float] = defaultdict(float)
            coefficients[self.column[equation.total]] += 1.0
            for part in equation.parts:
                coefficients[self.column[part]] -= 1.0
            for j, c in coefficients.items():
                if c != 0.0:
                    indices.append(j)
                    values.append(c)
                    self.rows_of[j].append(i)
        rows = np.repeat(np.arange(len(starts)), np.diff([*starts, len(indices)]))
        self.matrix = csc_matrix((values, (rows, indices)), shape=(len(self.equations), len(self.keys)))
        # Each equation's free members, largest first: the ones with most room to give way.
        self.free_members: list[list[int]] = [
            sorted((j for j in indices[a:b] if self.is_free[j]), key=self._largest_first)
            for a, b in zip(starts, [*starts[1:], len(indices)], strict=True)
        ]
        self.model = _quiet_highs()
        lower, upper = zip(*(self._bounds(key) for key in self.keys), strict=True)
        self.model.addVars(len(self.keys), np.array(lower, dtype=float), np.array(upper, dtype=float))
        count = len(self.equations)
        self.model.addRows(
            count,
            np.zeros(count),
            np.zeros(count),
            len(indices),
            np.array(starts, dtype=np.int32),
            np.array(indices, dtype=np.int32),
            np.array(values, dtype=float),
        )
        self.objective: int | None = None
        self.nearby = _quiet_highs()
        self.nearby.setOptionValue("presolve", "off")  # it costs more than it saves on small programmes

    def _bounds(self, key: tuple) -> tuple[float, float]:
        variable = self.variables[key]
        if self.free(key):
            upper = highspy.kHighsInf if math.isinf(variable.upper) else variable.upper
            return variable.lower, upper
        return variable.value, variable.value

    def free(self, key: tuple) -> bool:
        return key in self.hidden or not self.variables[key].published

    def _largest_first(self, j: int) -> tuple[float, int]:
        return -self.value[j], j

    def hide(self, key: tuple) -> None:
        self.hidden.add(key)
        j = self.column[key]
        if not self.is_free[j]:
            self.is_free[j] = True
            for i in self.rows_of[j]:
                bisect.insort(self.free_members[i], j, key=self._largest_first)
        self.model.changeColBounds(self.column[key], *self._bounds(key))

    def seen_width(self, key: tuple) -> float:
        """Return how far apart the values seen for `key` lie: its range is at least that wide."""
        j = self.column[key]
        return self.seen_high[j] - self.seen_low[j]

    def _saw(self, columns: np.ndarray, values: np.ndarray) -> None:
        np.minimum.at(self.seen_low, columns, values)
        np.maximum.at(self.seen_high, columns, values)

    def sweep(self, keys: list[tuple], rounds: int = SWEEPS) -> None:
        """Solve the whole model with random objectives over `keys` and remember every value seen."""
        if not keys:
            return
        columns = np.array([self.column[k] for k in keys], dtype=np.int32)
        generator = np.random.default_rng(SEED)
        everything = np.arange(len(self.keys), dtype=np.int32)
        for _ in range(rounds):
            cost = np.zeros(len(self.keys))
            # A variable weighs by the inverse of its size, so that small cells move as much as large.
            cost[columns] = generator.choice([-1.0, 1.0], size=len(columns)) * generator.random(len(columns))
            cost[columns] /= np.maximum(self.value[columns], 1.0)
            self.model.changeColsCost(len(self.keys), everything, cost)
            self.model.changeObjectiveSense(highspy.ObjSense.kMaximize)
            self.model.run()
            if self.model.getModelStatus() == highspy.HighsModelStatus.kOptimal:
                self._saw(everything, np.asarray(self.model.getSolution().col_value))
        self.model.changeColsCost(len(self.keys), everything, np.zeros(len(self.keys)))
        self.objective = None

    def _neighbourhood(self, starts: list[int], depth: int, breadth: int, first: int, most: int) -> list[int]:
        """Return the free columns reached from `starts` through `depth` equations, `breadth` each.

        The first step takes up to four times as many from the starting columns' own equations.
        """
        found = dict.fromkeys(starts)
        frontier = list(found)
        for step in range(depth):
            limit = breadth if step else first
            reached = []
            for j in frontier:
                for i in self.rows_of[j]:
                    if len(found) >= most:
                        return list(found)
                    taken = 0
                    for m in self.free_members[i]:
                        if m not in found:
                            found[m] = None
                            reached.append(m)
                            taken += 1
                            if taken >= limit:
                                break
            frontier = reached
        return list(found)

    def local_range(
        self, key: tuple, depth: int, breadth: int, first: int, most: int, around: tuple = ()
    ) -> tuple[float, float, list[int], list[int]]:
        """Return a range of `key` no wider than the reader's, from a small programme around it.

        Free columns near `key` stay free; every other column is held at its true value, so each
        equation touching the neighbourhood keeps the true sum of its nearby members. Also returns
        the equations binding each end, as `range` does.
        """
        start = self.column[key]
        nearby = self._neighbourhood([start, *(self.column[k] for k in around)], depth, breadth, first, most)
        columns = np.array(nearby, dtype=np.int32)
        # Only the equations touching the neighbourhood matter; the rest hold at the true values.
        part = self.matrix[:, columns]
        rows = np.unique(part.indices)
        sums = (part @ self.value[columns])[rows]
        cost = np.zeros(len(nearby))
        cost[0] = 1.0
        self.nearby.passModel(
            len(nearby), len(rows), part.nnz, 1, 1, 0.0,
            cost, self.lower[columns], self.upper[columns], sums, sums,
            part.indptr.astype(np.int32), np.searchsorted(rows, part.indices).astype(np.int32),
            part.data.astype(float), np.zeros(len(nearby), dtype=np.int32),
        )  # fmt: skip
        ends = self._ends(self.nearby, key, columns)
        (low, low_binding), (high, high_binding) = ends
        return low, high, [int(rows[r]) for r in low_binding], [int(rows[r]) for r in high_binding]

    def _ends(self, model: highspy.Highs, key: tuple, columns: np.ndarray) -> list[tuple[float, list[int]]]:
        """Minimise then maximise the objective set on `model`; remember the solutions seen."""
        ends = []
        for sense, infinite in (
            (highspy.ObjSense.kMinimize, -math.inf),
            (highspy.ObjSense.kMaximize, math.inf),
        ):
            model.changeObjectiveSense(sense)
            model.run()
            status = model.getModelStatus()
            if status in (
                highspy.HighsModelStatus.kUnbounded,
                highspy.HighsModelStatus.kUnboundedOrInfeasible,
            ):
                ends.append((infinite, []))
                continue
            if status != highspy.HighsModelStatus.kOptimal:
                raise RuntimeError(
                    f"disclosure control: no solution for {key!r}: {model.modelStatusToString(status)}"
                )
            solution = model.getSolution()
            self._saw(columns, np.asarray(solution.col_value))
            duals = np.asarray(solution.row_dual)
            ends.append(
                (model.getInfo().objective_function_value, list(np.flatnonzero(np.abs(duals) > 1e-9)))
            )
        return ends

    def range(self, key: tuple) -> tuple[float, float, list[int], list[int]]:
        """Return the smallest and largest value of `key`, and the equations binding each end."""
        j = self.column[key]
        if self.objective is not None:
            self.model.changeColCost(self.objective, 0.0)
        self.model.changeColCost(j, 1.0)
        self.objective = j
        (low, low_binding), (high, high_binding) = self._ends(
            self.model, key, np.arange(len(self.keys), dtype=np.int32)
        )
        return low, high, low_binding, high_binding


def protect(publication: Publication, threshold: int, secondary: bool = True) -> Publication:
    """Hide sensitive figures and enough others that none can be narrowed down; return the publication.

    `secondary=False` hides the sensitive figures alone: only for showing what that would leak.
    """
    variables = publication.variables
    sensitive = sensitive_variables(publication, threshold)
    hidden = {k for k in sensitive if variables[k].published}
    hidden |= {k for k, v in variables.items() if v.role == SUM and not v.n}
    ranges = _Ranges(publication, hidden)
    order = [k for k in sorted(sensitive, key=repr) if not (variables[k].role == SUM and not variables[k].n)]
    if secondary:
        ranges.sweep(order)
    for key in order if secondary else ():
        variable = variables[key]
        need = required_width(variable, threshold) - 1e-6
        chosen_for: list[tuple] = []
        while ranges.seen_width(key) < need:
            for depth, breadth, first, most in NEARBY:
                low, high, low_binding, high_binding = ranges.local_range(
                    key, depth, breadth, first, most, tuple(chosen_for)
                )
                if high - low >= need:
                    break
            else:
                if len(chosen_for) >= CASCADE:
                    # Something hidden for this cell did not widen its range nearby: ask the whole
                    # model before hiding more, so that a neighbourhood too small never cascades.
                    low, high, low_binding, high_binding = ranges.range(key)
            if high - low >= need:
                break
            chosen = None
            if variable.value >= need:
                # Room enough below: let a part of an equation that holds it up rise instead.
                chosen = _rising_part(ranges, key, low_binding)
            if chosen is None:
                chosen = _choose(ranges, key, high_binding + low_binding, need - (high - low))
            if chosen is None:
                break
            ranges.hide(chosen)
            chosen_for.append(chosen)
    publication.threshold = threshold
    _mark_cells(publication, hidden, threshold)
    return publication


def _rising_part(ranges: _Ranges, key: tuple, binding: list[int]) -> tuple | None:
    """Return the smallest published part of an equation binding the low end, a cohort's first."""
    found = [
        part
        for i in binding
        for part in ranges.equations[i].parts
        if part != key and not ranges.free(part) and ranges.equations[i].total != key
    ]
    if not found:
        return None
    return min(found, key=lambda m: (ALL in m, ranges.variables[m].value, repr(m)))


def _choose(ranges: _Ranges, key: tuple, binding: list[int], shortfall: float) -> tuple | None:
    """Return the published variable to hide next: a part large enough before a total, near first."""
    variables = ranges.variables
    equations = ranges.equations
    near = sorted(set(binding) | set(ranges.equations_of[key]))

    def further() -> list[int]:
        members = {m for i in near for m in (equations[i].total, *equations[i].parts)}
        return sorted({i for m in members for i in ranges.equations_of[m]} - set(near))

    def candidates(search) -> list[tuple[bool, tuple]]:
        found = []
        for i in search:
            equation = equations[i]
            for is_total, member in ((True, equation.total), *((False, p) for p in equation.parts)):
                if member != key and not ranges.free(member):
                    found.append((is_total, member))
        return found

    def value(m: tuple) -> float:
        return variables[m].value

    # A hidden part can give way by as much as it holds: one holding at least the shortfall widens
    # the range; a part holding nothing cannot, but a hidden total can. A cohort's total goes before
    # the whole programme's, whose figures matter most. As a last resort any equation, so that a
    # cell is never left narrower than the rule allows while anything is still published.
    # The searches widen only when the nearer ones find nothing: the wider ones are costly.
    near_found = candidates(near)
    further_found: list[tuple[bool, tuple]] | None = None
    for search in ("near", "further"):
        if search == "further":
            further_found = candidates(further())
        found = near_found if search == "near" else further_found
        big_enough = [m for is_total, m in found if not is_total and value(m) >= shortfall]
        if big_enough:
            return min(big_enough, key=lambda m: (ALL in m, value(m), repr(m)))
    for found in (near_found, further_found, None):
        if found is None:
            found = candidates(range(len(equations)))
        totals = [m for is_total, m in found if is_total]
        if totals:
            return min(totals, key=lambda m: (ALL in m, value(m), repr(m)))
        if found:
            return max((m for _, m in found), key=lambda m: (value(m), repr(m)))
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
