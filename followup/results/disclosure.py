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
WHO-5 points. That range is the interval attack a careful reader could make with linear
programming.

A range need not be computed to be known wide enough: any two sets of values the published
figures allow, with a count `threshold` apart in them, prove it (the true values are one such
set), and hiding more only adds sets. So (`_Ranges`) a dozen solves of the whole programme with
random objectives settle most counts at once. For each remaining count, one small linear
programme (`_Ranges.witness`) looks for values with the count moved `threshold` away: around the
count (its own cohort's tables and waves, and a few members of each equation adding cohorts up
to the whole programme), hidden figures free, published ones allowed to move at a cost (the whole
programme's figures more, its key figures most), everything further away held at its true value.
The published figures its cheapest solution moves are hidden, and that solution is then values
the reader cannot rule out: the range is proven, not assumed. Only when the neighbourhood has no
such solution is a larger one, and then the whole programme, asked. Solved by HiGHS through its
own Python interface, highspy; the tests' auditor uses HiGHS through SciPy instead, and nothing of
this module.
"""

from __future__ import annotations

import bisect
import ctypes
import itertools
import math
import os
import sys
import threading
from collections import defaultdict

import highspy
import numpy as np
from scipy.sparse import coo_matrix, csc_matrix, hstack
from scipy.sparse.csgraph import connected_components

from followup.results.tables import ALL, ATTRIBUTE, SUM, Publication, Variable

SUPPRESSED = ".."
SWEEPS = 12  # solves with random objectives before any cell is looked at on its own
# Neighbourhoods (members taken from each big equation, at most columns) in which a count is
# moved far enough before the whole programme is asked.
NEARBY = ((4, 3000), (12, 8000))
SMALL = 16  # an equation with more members adds up groups (cohorts to the whole programme)
# What hiding a published figure costs, per unit it moves: the whole programme's figures cost
# more than a cohort's, and its key figures (people reached, self-sufficiency, WHO-5) most.
HEADLINE = {"invited", "answered", "who5_n", "who5_sum", "self_sufficient"}
MARGIN = 1e-5  # a witness moves a count this much further than it must
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
    return variable.protect_width if variable.role == SUM else float(threshold)


def _quiet_highs() -> highspy.Highs:
    """Return a HiGHS model that prints nothing (it prints a banner when made, before any option)."""
    with _STDOUT_SWAP:
        sys.stdout.flush()
        libc = ctypes.CDLL(None)
        saved, silent = os.dup(1), os.open(os.devnull, os.O_WRONLY)
        os.dup2(silent, 1)
        try:
            model = highspy.Highs()
            _option(model, "output_flag", False)
            libc.fflush(None)
        finally:
            os.dup2(saved, 1)
            os.close(saved)
            os.close(silent)
    return model


def _option(model: highspy.Highs, name: str, value: object) -> None:
    if model.setOptionValue(name, value) != highspy.HighsStatus.kOk:
        raise ValueError(f"HiGHS refused the option {name}={value!r}")


class _Ranges:
    """Ranges of hidden variables given what is published, by linear programming.

    One HiGHS model holds every variable and equation of the publication; a published figure is
    a variable fixed at its value, and hiding it frees it. An exact range would be two solves of
    it per cell; none is needed. Every solution of any of these programmes, and the true values
    themselves, are values a reader could not rule out; a cell seen both at `a` and at `b` has a
    range at least `b - a` wide, and stays so as more is hidden (hiding only adds solutions). So a
    few solves with random objectives over the whole model (`sweep`) settle most cells at once;
    for the rest `witness` finds the cheapest set of figures to hide that makes such a solution
    exist, on a small programme around the cell.
    """

    def __init__(self, publication: Publication, hidden: set[tuple]) -> None:
        self.variables = publication.variables
        shown = {
            v
            for table in publication.tables
            for row in table.rows
            for cell in row.cells.values()
            for v in (cell.variable, *cell.depends)
        }
        self.equations = publication.equations
        self.hidden = hidden
        self.keys = list(self.variables)
        self.column = {key: j for j, key in enumerate(self.keys)}
        self.value = np.array([self.variables[key].value for key in self.keys], dtype=float)
        # The smallest and largest value each variable has been seen to take in some solution.
        self.seen_low = self.value.copy()
        self.seen_high = self.value.copy()
        self.lower = np.array([self.variables[key].lower for key in self.keys], dtype=float)
        self.upper = np.array([self.variables[key].upper for key in self.keys], dtype=float)
        self.is_free = np.array([self.free(key) for key in self.keys], dtype=bool)
        self.shown = np.array([key in shown for key in self.keys], dtype=bool)
        self.rows_of: list[list[int]] = [[] for _ in self.keys]
        starts, indices, values = [], [], []
        for i, equation in enumerate(self.equations):
            starts.append(len(indices))
            coefficients = defaultdict(float, {self.column[equation.total]: 1.0})
            for part in equation.parts:
                coefficients[self.column[part]] -= 1.0
            for j, c in coefficients.items():
                if c != 0.0:
                    indices.append(j)
                    values.append(c)
                    self.rows_of[j].append(i)
        rows = np.repeat(np.arange(len(starts)), np.diff([*starts, len(indices)]))
        self.matrix = csc_matrix((values, (rows, indices)), shape=(len(self.equations), len(self.keys)))
        # Each equation's members, and its free members, largest first: the most room to give way.
        spans = list(itertools.pairwise([*starts, len(indices)]))
        self.members: list[list[int]] = [sorted(indices[a:b], key=self._largest_first) for a, b in spans]
        self.free_members: list[list[int]] = [
            sorted((j for j in indices[a:b] if self.is_free[j]), key=self._largest_first) for a, b in spans
        ]
        self._groups()
        # What hiding each figure costs per unit it moves; one no table shows is a last resort.
        self.cost = np.array(
            [_cost(key) if self.shown[j] else 1e6 for j, key in enumerate(self.keys)], dtype=float
        )
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
        self.nearby = _quiet_highs()
        _option(self.nearby, "presolve", "off")  # it costs more than it saves on small programmes

    def _bounds(self, key: tuple) -> tuple[float, float]:
        variable = self.variables[key]
        if self.free(key):
            return variable.lower, variable.upper
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

    def _saw(self, values: np.ndarray) -> None:
        np.minimum(self.seen_low, values, out=self.seen_low)
        np.maximum(self.seen_high, values, out=self.seen_high)

    def sweep(self, keys: list[tuple]) -> None:
        """Solve the whole model with random objectives over `keys` and remember every value seen."""
        if not keys:
            return
        columns = np.array([self.column[k] for k in keys], dtype=np.int32)
        generator = np.random.default_rng(SEED)
        everything = np.arange(len(self.keys), dtype=np.int32)
        for _ in range(SWEEPS):
            cost = np.zeros(len(self.keys))
            # A variable weighs by the inverse of its size, so that small cells move as much as large.
            cost[columns] = generator.choice([-1.0, 1.0], size=len(columns)) * generator.random(len(columns))
            cost[columns] /= np.maximum(self.value[columns], 1.0)
            self.model.changeColsCost(len(self.keys), everything, cost)
            self.model.changeObjectiveSense(highspy.ObjSense.kMaximize)
            self.model.run()
            if self.model.getModelStatus() == highspy.HighsModelStatus.kOptimal:
                self._saw(np.asarray(self.model.getSolution().col_value))
        self.model.changeColsCost(len(self.keys), everything, np.zeros(len(self.keys)))

    def _groups(self) -> None:
        """Split the columns into groups joined by small equations; note the big ones each meets.

        Small equations share out one group (a cohort's activities, its waves); big ones add up
        the cohorts to the whole programme, and lead everywhere.
        """
        pairs = [(members[0], m) for members in self.members if len(members) <= SMALL for m in members[1:]]
        first, second = zip(*pairs, strict=True) if pairs else ((), ())
        count = len(self.keys)
        graph = coo_matrix((np.ones(len(first)), (first, second)), shape=(count, count))
        _, self.group = connected_components(graph, directed=False)
        order = np.argsort(self.group, kind="stable")
        bounds = np.flatnonzero(np.diff(self.group[order])) + 1
        self.group_columns: list[np.ndarray] = np.split(order, bounds)
        self.group_big: list[dict[int, None]] = [{} for _ in self.group_columns]
        for i, members in enumerate(self.members):
            if len(members) > SMALL:
                for m in members:
                    self.group_big[self.group[m]].setdefault(i)

    def _around(self, start: int, breadth: int, most: int) -> np.ndarray:
        """Return the columns around `start`: its own group's, then a few of each big equation's.

        First its group (the count's cohort, all its tables and waves); then from each big
        equation the group meets, its `breadth` largest free and `breadth` largest published
        members (the whole programme's total first), each with its group.
        """
        home = self.group[start]
        near = [
            self.group[m]
            for i in self.group_big[home]
            for members in (self.free_members[i], self.members[i])
            for m in members[:breadth]
        ]
        found = dict.fromkeys([start])
        for g in dict.fromkeys([home, *near]):
            found.update(dict.fromkeys(self.group_columns[g].tolist()))
            if len(found) >= most:
                break
        return np.array(list(found)[:most], dtype=np.int32)

    def witness(self, key: tuple, need: float, level: tuple | None) -> list[tuple] | None:
        """Find values the published figures would allow with `key` moved `need` away; return what to hide.

        A small linear programme around `key` (`level`: a neighbourhood; None: the whole
        programme): its free columns may take any value within their bounds, each published one
        may move at a cost (the whole programme's figures cost more), everything outside the
        neighbourhood is held at its true value, and `key` is set `need` above (or below) its true
        value. The cheapest solution says which published figures must be hidden; once they are,
        it is a set of values a reader cannot rule out, as are the true values, so the range of
        `key` is at least `need` wide: proven, not assumed. Returns None when no such solution
        exists in the neighbourhood (a larger one may have it), else the figures to hide. `key` is
        free: the sensitive figures are hidden before any is protected.
        """
        j = self.column[key]
        if level is None:
            columns = np.arange(len(self.keys), dtype=np.int32)
        else:
            columns = self._around(j, *level)
        free = self.is_free[columns]
        # A published figure no table shows is known by other means: it holds, but in the whole
        # programme as a last resort (at a cost nothing else comes near).
        loose = columns[free]
        fixed = columns[~free] if level is None else columns[~free & self.shown[columns]]
        part_loose = self.matrix[:, loose]
        part_fixed = self.matrix[:, fixed]
        rows = np.unique(np.concatenate([part_loose.indices, part_fixed.indices]))
        # Published members move by `rise - fall`; free members take any value; the rest hold.
        sums = (part_loose @ self.value[loose])[rows]
        matrix = hstack([part_loose, part_fixed, -part_fixed], format="csc")[rows, :]
        cost_of = self.cost[fixed]
        cost = np.concatenate([np.zeros(len(loose)), cost_of, cost_of])
        lower = np.concatenate([self.lower[loose], np.zeros(2 * len(fixed))])
        upper = np.concatenate(
            [self.upper[loose], self.upper[fixed] - self.value[fixed], self.value[fixed] - self.lower[fixed]]
        )
        at = int(np.flatnonzero(loose == j)[0])
        best = None
        for sign in (1.0, -1.0):
            target = self.value[j] + sign * (need + MARGIN)
            if not self.lower[j] <= target <= self.upper[j]:
                continue
            low, high = lower.copy(), upper.copy()
            low[at] = high[at] = target
            self.nearby.passModel(
                matrix.shape[1], matrix.shape[0], matrix.nnz, 1, 1, 0.0,
                cost, low, high, sums, sums,
                matrix.indptr.astype(np.int32), matrix.indices.astype(np.int32),
                matrix.data.astype(float), np.zeros(matrix.shape[1], dtype=np.int32),
            )  # fmt: skip
            self.nearby.run()
            if self.nearby.getModelStatus() != highspy.HighsModelStatus.kOptimal:
                continue
            found = np.asarray(self.nearby.getSolution().col_value)
            price = self.nearby.getInfo().objective_function_value
            if best is None or price < best[0]:
                best = (price, found)
        if best is None:
            return None
        found = best[1]
        rise, fall = np.split(found[len(loose) :], 2)
        # Only the free columns' values are remembered: only sensitive figures are asked about, and
        # they are free from the start.
        values = self.value.copy()
        values[loose] = found[: len(loose)]
        self._saw(values)
        return [self.keys[m] for m in fixed[rise + fall > 1e-9]]


def _cost(key: tuple) -> float:
    if ALL not in key:
        return 1.0
    return 10_000.0 if key[0] in HEADLINE else 100.0


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
        need = required_width(variables[key], threshold)
        if ranges.seen_width(key) >= need - 1e-6:
            continue
        for level in (*NEARBY, None):
            chosen = ranges.witness(key, need, level)
            if chosen is not None:
                for other in chosen:
                    ranges.hide(other)
                break
    publication.threshold = threshold
    _mark_cells(publication, hidden, threshold)
    return publication


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
    # Never none: a programme has at least one wave, and each wave its counts of people invited.
    publication.information_loss = suppressed / figures
