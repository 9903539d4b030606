"""An independent auditor: reads only a published JSON report and attacks it with linear programming.

It knows what any reader of the report knows: the layout of the tables, that parts add up to their
totals, that cohorts add up to the whole programme, the ladder in the definitions, and that the
survey's questions are required. From that alone it builds the equations, and with SciPy's HiGHS
finds the smallest and largest value every suppressed figure can have. Nothing here imports the
code that made the report.
"""

from __future__ import annotations

import json
import math
from collections import defaultdict

import numpy as np
from scipy.optimize import linprog
from scipy.sparse import csr_matrix

ALL = "*"
ACTIVITIES = [
    "work", "work_subsidised", "own_business", "studies", "job_seeking", "labour_market_programme",
    "sick_leave", "sickness_compensation", "parental_leave", "other", "prefer_not_to_say",
]  # fmt: skip
SELF = ["work", "work_subsidised", "own_business", "studies", "sickness_compensation"]
WORK_STUDIES = ["work", "work_subsidised", "own_business", "studies"]
LADDER = [
    ["sick_leave", "sickness_compensation"],
    ["job_seeking"],
    ["labour_market_programme"],
    ["work_subsidised"],
    ["work", "own_business", "studies"],
]
NEXT = [
    "within_a_month",
    "one_to_three_months",
    "three_to_six_months",
    "more_than_six_months",
    "not_yet",
    "dont_know",
]
HELPED = ["very_much", "quite_a_lot", "a_little", "not_at_all", "dont_know"]


class Attack:
    def __init__(self, document: dict) -> None:
        self.document = document
        self.names: dict[tuple, int] = {}
        self.known: dict[int, float] = {}
        self.rows: list[dict[int, float]] = []
        self.cohorts: set[str] = set()
        self.waves: set[int] = set()
        self.sums: dict[tuple, tuple[float, float] | None] = {}
        self._read()

    def v(self, *name) -> int:
        if name not in self.names:
            self.names[name] = len(self.names)
        return self.names[name]

    def equal(self, total: tuple, parts: list[tuple]) -> None:
        row: dict[int, float] = defaultdict(float)
        row[self.v(*total)] += 1
        for p in parts:
            row[self.v(*p)] -= 1
        self.rows.append(row)

    def publish(self, name: tuple, value) -> None:
        index = self.v(*name)
        if value is not None:
            self.known[index] = value

    def _read(self) -> None:
        tables = {t["id"]: t for t in self.document["tables"]}
        for t in tables.values():
            for row in t["rows"]:
                if t["id"] not in ("transitions", "non_response"):
                    self.cohorts.add(row["group"])
                self.waves.add(row["wave"])
        self.cohorts.discard(ALL)
        for row in tables["reach"]["rows"]:
            w, g, c = row["wave"], row["group"], row["cells"]
            self.publish(("invited", w, g), c["invited"])
            self.publish(("answered", w, g), c["answered"])
        for row in tables["activity"]["rows"]:
            for a in ACTIVITIES:
                self.publish(("act", a, row["wave"], row["group"]), row["cells"][a])
            self.publish(("answered", row["wave"], row["group"]), row["cells"]["answered"])
        for row in tables["self_sufficiency"]["rows"]:
            self.publish(("self", row["wave"], row["group"]), row["cells"]["self_sufficient"])
            self.publish(("ws", row["wave"], row["group"]), row["cells"]["work_or_studies"])
        for row in tables["social_assistance"]["rows"]:
            for s in ("yes", "no", "prefer_not_to_say"):
                self.publish(("sa", s, row["wave"], row["group"]), row["cells"][f"assistance_{s}"])
            self.publish(("at_exit", row["wave"], row["group"]), row["cells"]["at_exit"])
            self.publish(("left", row["wave"], row["group"]), row["cells"]["left"])
        for row in tables["who5"]["rows"]:
            w, g, c = row["wave"], row["group"], row["cells"]
            self.publish(("answered", w, g), c["who5_n"])
            self.publish(("poor", w, g), c["poor"])
            self.publish(("depression", w, g), c["depression"])
            self.sums[("who5", w, g)] = None if c["mean"] is None else (c["mean"], c["who5_n"])
        for row in tables["step_forward"]["rows"]:
            for m in ("comparable", "closer", "unchanged", "further"):
                self.publish((m, row["wave"], row["group"]), row["cells"][m])
        for name in ("next_step", "helped"):
            for row in tables[name]["rows"]:
                for o in NEXT if name == "next_step" else HELPED:
                    self.publish((name, o, row["wave"], row["group"]), row["cells"][o])
        for row in tables["who5_change"]["rows"]:
            k = (row["since"], row["wave"], row["group"])
            self.publish(("pairs", *k), row["cells"]["pairs"])
            self.publish(("improved", *k), row["cells"]["improved"])
            self.publish(("worsened", *k), row["cells"]["worsened"])
            self.sums[("change", *k)] = (
                None if row["cells"]["change"] is None else (row["cells"]["change"], row["cells"]["pairs"])
            )
        for row in tables["attrition"]["rows"]:
            k = (row["since"], row["wave"], row["group"])
            self.publish(("answered", row["since"], row["group"]), row["cells"]["answered_first"])
            self.publish(("pairs", *k), row["cells"]["answered_both"])
        for row in tables["transitions"]["rows"]:
            i = [r["group"] for r in tables["transitions"]["rows"] if r["wave"] == row["wave"]].index(
                row["group"]
            )
            for j, column in enumerate(c["id"] for c in tables["transitions"]["columns"][:-1]):
                self.publish(("T", row["wave"], i, j), row["cells"][column])
            self.publish(("exit_rung", row["wave"], i), row["cells"]["total"])
        for row in tables["non_response"]["rows"]:
            kind, _, value = row["group"].partition(":")
            w = row["wave"]
            if kind == "cohort":
                self.publish(("answered", w, value), row["cells"]["responders"])
                self.publish(("not_answered", w, value), row["cells"]["non_responders"])
            else:
                self.publish(("resp", kind, value, w), row["cells"]["responders"])
                self.publish(("nonresp", kind, value, w), row["cells"]["non_responders"])
        self._equations(tables)

    def _equations(self, tables) -> None:
        groups = [*sorted(self.cohorts), ALL]
        for w in self.waves:
            for g in groups:
                self.equal(("invited", w, g), [("answered", w, g), ("not_answered", w, g)])
                self.equal(("answered", w, g), [("act", a, w, g) for a in ACTIVITIES])
                self.equal(("self", w, g), [("act", a, w, g) for a in SELF])
                self.equal(("ws", w, g), [("act", a, w, g) for a in WORK_STUDIES])
                self.equal(("answered", w, g), [("sa", s, w, g) for s in ("yes", "no", "prefer_not_to_say")])
                self.equal(("at_exit", w, g), [("left", w, g), ("stayed", w, g)])
                self.equal(("answered", w, g), [("at_exit", w, g), ("not_at_exit", w, g)])
                self.equal(("answered", w, g), [("poor", w, g), ("good", w, g)])
                self.equal(("poor", w, g), [("depression", w, g), ("poor_only", w, g)])
                self.equal(("comparable", w, g), [("closer", w, g), ("unchanged", w, g), ("further", w, g)])
                self.equal(("answered", w, g), [("comparable", w, g), ("not_comparable", w, g)])
                self.equal(("answered", w, g), [("next_step", o, w, g) for o in NEXT])
                self.equal(("answered", w, g), [("helped", o, w, g) for o in HELPED])
            for name in ("invited", "answered", "not_answered", "self", "ws", "at_exit", "left", "stayed",
                         "not_at_exit", "poor", "good", "depression", "poor_only", "comparable", "closer",
                         "unchanged", "further", "not_comparable"):  # fmt: skip
                self.equal((name, w, ALL), [(name, w, g) for g in sorted(self.cohorts)])
            for a in ACTIVITIES:
                self.equal(("act", a, w, ALL), [("act", a, w, g) for g in sorted(self.cohorts)])
            for s in ("yes", "no", "prefer_not_to_say"):
                self.equal(("sa", s, w, ALL), [("sa", s, w, g) for g in sorted(self.cohorts)])
            for name, options in (("next_step", NEXT), ("helped", HELPED)):
                for o in options:
                    self.equal((name, o, w, ALL), [(name, o, w, g) for g in sorted(self.cohorts)])
            size = len(LADDER)
            for i in range(size):
                self.equal(("exit_rung", w, i), [("T", w, i, j) for j in range(size)])
                self.equal(("on_rung", w, i), [("resp", "exit_activity", a, w) for a in LADDER[i]])
                self.equal(("on_rung", w, i), [("exit_rung", w, i), ("off_ladder_now", w, i)])
            self.equal(("comparable", w, ALL), [("exit_rung", w, i) for i in range(size)])
            self.equal(
                ("closer", w, ALL), [("T", w, i, j) for i in range(size) for j in range(size) if j > i]
            )
            self.equal(("unchanged", w, ALL), [("T", w, i, i) for i in range(size)])
            self.equal(
                ("further", w, ALL), [("T", w, i, j) for i in range(size) for j in range(size) if j < i]
            )
            for kind, values in (
                ("exit_activity", [*ACTIVITIES, "not_recorded"]),
                ("exit_assistance", ["yes", "no", "not_recorded"]),
                ("language", ["sv", "en"]),
            ):
                self.equal(("answered", w, ALL), [("resp", kind, v, w) for v in values])
                self.equal(("not_answered", w, ALL), [("nonresp", kind, v, w) for v in values])
            self.equal(("at_exit", w, ALL), [("resp", "exit_assistance", "yes", w)])
        for a in self.waves:
            for b in self.waves:
                if a >= b:
                    continue
                for g in groups:
                    k = (a, b, g)
                    self.equal(("pairs", *k), [("improved", *k), ("worsened", *k), ("little", *k)])
                    self.equal(("answered", a, g), [("pairs", *k), ("only", a, *k)])
                    self.equal(("answered", b, g), [("pairs", *k), ("only", b, *k)])
                for name in ("pairs", "improved", "worsened", "little"):
                    self.equal((name, a, b, ALL), [(name, a, b, g) for g in sorted(self.cohorts)])

    def _prepare(self) -> None:
        count = len(self.names)
        data, rows_of, columns_of = [], [], []
        for r, row in enumerate(self.rows):
            for j, coefficient in row.items():
                data.append(coefficient)
                rows_of.append(r)
                columns_of.append(j)
        self._matrix = csr_matrix((data, (rows_of, columns_of)), shape=(len(self.rows), count))
        self._bounds = [
            (self.known[i], self.known[i]) if i in self.known else (0, None) for i in range(count)
        ]
        self._ranges: dict[tuple, tuple[float, float]] = {}

    def count_range(self, name: tuple) -> tuple[float, float]:
        """Return the smallest and largest value a count the report does not show can have."""
        if not hasattr(self, "_matrix"):
            self._prepare()
        if name not in self._ranges:
            ends = []
            for sense in (1.0, -1.0):
                c = np.zeros(len(self.names))
                c[self.names[name]] = sense
                result = linprog(
                    c, A_eq=self._matrix, b_eq=np.zeros(len(self.rows)), bounds=self._bounds, method="highs"
                )
                if result.status == 3:
                    ends.append(-sense * math.inf)
                    continue
                assert result.status == 0, result.message
                ends.append(sense * result.fun)
            self._ranges[name] = (ends[0], ends[1])
        return self._ranges[name]

    def largest(self, name: tuple) -> float:
        i = self.names[name]
        return self.known[i] if i in self.known else self.count_range(name)[1]

    def _solve_small(self, objective_index: int, sense: float, rows, count: int, bounds) -> float:
        matrix = np.zeros((len(rows), count))
        for r, row in enumerate(rows):
            for j, coefficient in row.items():
                matrix[r, j] = coefficient
        c = np.zeros(count)
        c[objective_index] = sense
        result = linprog(c, A_eq=matrix, b_eq=np.zeros(len(rows)), bounds=bounds, method="highs")
        if result.status == 3:
            return -sense * math.inf
        assert result.status == 0, result.message
        return sense * result.fun

    def mean_ranges(self) -> dict[tuple, tuple[float, float]]:
        """Return (smallest, largest) of every sum behind a suppressed mean, from the published means."""
        found = {}
        for kind in ("who5", "change"):
            keys = [k for k in self.sums if k[0] == kind]
            by_total = defaultdict(list)
            for k in keys:
                if k[-1] != ALL:
                    by_total[(*k[:-1], ALL)].append(k)
            index = {k: j for j, k in enumerate(keys)}
            bounds = []
            for k in keys:
                n_name = ("answered", k[1], k[2]) if kind == "who5" else ("pairs", *k[1:])
                n = self.largest(n_name) if n_name in self.names else math.inf
                low = 0 if kind == "who5" else -100 * n
                if self.sums[k] is not None:
                    mean, people = self.sums[k]
                    bounds.append(((mean - 0.05) * people, (mean + 0.05) * people))
                else:
                    bounds.append((low, None if math.isinf(n) else 100 * n))
            rows = []
            for total, parts in by_total.items():
                if total in index:
                    row = {index[total]: 1.0}
                    for p in parts:
                        row[index[p]] = -1.0
                    rows.append(row)
            for k in keys:
                if self.sums[k] is None and rows:
                    low = self._solve_small(index[k], 1.0, rows, len(keys), bounds)
                    high = self._solve_small(index[k], -1.0, rows, len(keys), bounds)
                    found[k] = (low, high)
        return found


def audit(path) -> Attack:
    """Read a published JSON report from `path` and return the attack on it."""
    with open(path, encoding="utf-8") as stream:
        return Attack(json.load(stream))
