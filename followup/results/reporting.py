"""Outcome figures per wave and cohort, with small counts suppressed so no one can be singled out.

Every count below the threshold is suppressed (primary suppression). Counts are tied together by
equations (a total equals the sum of its parts, across a row and down the cohorts of a wave); any
equation left with exactly one hidden member would let a reader recover it by subtraction, so a
further cell is hidden until each equation has none or at least two (secondary suppression).
Unpublished cells such as "invited but did not answer" take part: when they are small, they too
must not be derivable.
"""

from __future__ import annotations

import json
from collections import defaultdict
from dataclasses import dataclass

from peewee import JOIN

from followup.models import Cohort, Invitation, Participant, Response, Wave
from followup.results.cells import neutralise

ACTIVITIES = (
    "work",
    "work_subsidised",
    "own_business",
    "studies",
    "job_seeking",
    "labour_market_programme",
    "sick_leave",
    "sickness_compensation",
    "parental_leave",
    "other",
    "prefer_not_to_say",
)
WORK_OR_STUDIES = ("work", "work_subsidised", "own_business", "studies")
WHO5_ITEMS = tuple(f"who5_{n}" for n in range(1, 6))
ALL_COHORTS = "ALL"
NO_COHORT = "-"

COUNT_COLUMNS = (
    "invited",
    "answered",
    *(f"activity_{a}" for a in ACTIVITIES),
    "work_or_studies",
    "social_assistance",
)
# Cells that are never published but can be derived from published ones.
UNPUBLISHED = ("not_answered", "not_work_or_studies", "not_social_assistance")
COLUMNS = (
    "wave_months",
    "cohort",
    "invited",
    "answered",
    "response_rate",
    *(f"activity_{a}" for a in ACTIVITIES),
    "work_or_studies",
    "work_or_studies_share",
    "social_assistance",
    "social_assistance_share",
    "who5_mean",
)


@dataclass
class Table:
    rows: list[dict]
    threshold: int

    def as_json(self) -> str:
        """Return the rows as JSON; a suppressed figure is null and named in `suppressed`."""
        return json.dumps({"threshold": self.threshold, "rows": self.rows}, ensure_ascii=False, indent=2)


def collect(programme_id: int) -> dict[tuple[int, str], dict[str, float]]:
    """Count invitations and answers per (wave months, cohort), with per-wave totals."""
    cells: dict[tuple[int, str], dict[str, float]] = defaultdict(lambda: defaultdict(float))
    query = (
        Invitation.select(Wave.offset_months, Cohort.name, Invitation.state, Response.answers)
        .join(Wave)
        .switch(Invitation)
        .join(Participant)
        .join(Cohort, JOIN.LEFT_OUTER, on=(Participant.cohort == Cohort.id))
        .switch(Invitation)
        .join(Response, JOIN.LEFT_OUTER, on=(Response.invitation == Invitation.id))
        .where(Wave.programme == programme_id, Invitation.sent_at.is_null(False))
        .tuples()
    )
    for months, cohort, state, answers_json in query:
        counts = [cells[(months, cohort or NO_COHORT)], cells[(months, ALL_COHORTS)]]
        answers = json.loads(answers_json) if answers_json else None
        for cell in counts:
            cell["invited"] += 1
            if state != Invitation.ANSWERED or answers is None:
                continue
            cell["answered"] += 1
            activity = answers.get("main_activity")
            if activity in ACTIVITIES:
                cell[f"activity_{activity}"] += 1
            cell["work_or_studies"] += activity in WORK_OR_STUDIES
            cell["social_assistance"] += answers.get("social_assistance") == "yes"
            who5 = [answers.get(item) for item in WHO5_ITEMS]
            if all(isinstance(value, int) for value in who5):
                cell["who5_n"] += 1
                cell["who5_sum"] += 4 * sum(who5)
    for cell in cells.values():
        cell["not_answered"] = cell["invited"] - cell["answered"]
        cell["not_work_or_studies"] = cell["answered"] - cell["work_or_studies"]
        cell["not_social_assistance"] = cell["answered"] - cell["social_assistance"]
    return cells


def equations(keys: list[tuple[int, str]]) -> list[tuple[tuple, list[tuple]]]:
    """Return every (total, parts) relation between cells, a cell being (row key, column)."""
    relations = []
    activity_cells = [f"activity_{a}" for a in ACTIVITIES]
    for key in keys:
        relations += [
            ((key, "invited"), [(key, "answered"), (key, "not_answered")]),
            ((key, "answered"), [(key, column) for column in activity_cells]),
            ((key, "work_or_studies"), [(key, f"activity_{a}") for a in WORK_OR_STUDIES]),
            ((key, "answered"), [(key, "work_or_studies"), (key, "not_work_or_studies")]),
            ((key, "answered"), [(key, "social_assistance"), (key, "not_social_assistance")]),
        ]
    by_wave: dict[int, list[tuple[int, str]]] = defaultdict(list)
    for months, cohort in keys:
        if cohort != ALL_COHORTS:
            by_wave[months].append((months, cohort))
    for months, parts in by_wave.items():
        for column in (*COUNT_COLUMNS, *UNPUBLISHED):
            relations.append((((months, ALL_COHORTS), column), [(part, column) for part in parts]))
    return relations


def suppress(cells: dict, threshold: int) -> set[tuple]:
    """Return the published cells to hide: small counts, then enough others that none can be derived."""
    relations = equations(list(cells))
    value = {(key, column): cell.get(column, 0) for key, cell in cells.items() for column in cell}
    published = {(key, column) for key in cells for column in COUNT_COLUMNS}
    sensitive = {member for member in (published | _unpublished(cells)) if value.get(member, 0) < threshold}
    hidden = published & sensitive
    while True:
        known, derived_by = _derivable(published - hidden, relations)
        leaks = sorted(sensitive & known - (published - hidden))
        if not leaks:
            return hidden
        _hide_one_more(leaks[0], derived_by, published, hidden, value)


def _unpublished(cells: dict) -> set[tuple]:
    return {(key, column) for key in cells for column in UNPUBLISHED}


def _derivable(known: set, relations: list) -> tuple[set, dict]:
    """Return what a reader can work out from `known` by subtraction, and the relation used for each."""
    known = set(known)
    derived_by: dict = {}
    changed = True
    while changed:
        changed = False
        for total, parts in relations:
            unknown = [member for member in (total, *parts) if member not in known]
            if len(unknown) == 1:
                known.add(unknown[0])
                derived_by[unknown[0]] = (total, parts)
                changed = True
    return known, derived_by


def _hide_one_more(leak: tuple, derived_by: dict, published: set, hidden: set, value: dict) -> None:
    total, parts = derived_by[leak]
    members = [member for member in (total, *parts) if member != leak]
    candidates = [m for m in members if m in published and m not in hidden]
    if candidates:
        # Hide the smallest part first: it costs the reader the least information.
        hidden.add(min(candidates, key=lambda m: (m == total, value.get(m, 0), m)))
        return
    # Every other member was itself derived: cut the chain one step further back.
    _hide_one_more(next(m for m in members if m in derived_by), derived_by, published, hidden, value)


def outcome_table(programme_id: int, threshold: int) -> Table:
    """Return the programme's disclosure-controlled outcome rows, ordered by wave and cohort."""
    cells = collect(programme_id)
    hidden = suppress(cells, threshold)
    rows = []
    ordered = sorted(cells, key=lambda k: (k[0], k[1] == ALL_COHORTS, k[1]))
    for key in ordered:
        cell = cells[key]
        row: dict = {"wave_months": key[0], "cohort": key[1]}
        suppressed = []
        for column in COUNT_COLUMNS:
            if (key, column) in hidden:
                row[column] = None
                suppressed.append(column)
            else:
                row[column] = int(cell.get(column, 0))

        _share(row, suppressed, "answered", "invited", "response_rate")
        _share(row, suppressed, "work_or_studies", "answered", "work_or_studies_share")
        _share(row, suppressed, "social_assistance", "answered", "social_assistance_share")
        # WHO-5 is required, so its count equals `answered`: the mean goes with that figure.
        if row["answered"] is not None and cell["who5_n"] >= max(threshold, 1):
            row["who5_mean"] = round(cell["who5_sum"] / cell["who5_n"], 1)
        else:
            row["who5_mean"] = None
            suppressed.append("who5_mean")
        row["suppressed"] = suppressed
        rows.append({column: row[column] for column in (*COLUMNS, "suppressed")})
    return Table(rows, threshold)


def _share(row: dict, suppressed: list, numerator: str, denominator: str, name: str) -> None:
    """Publish a share only when both of its counts are published."""
    if row[numerator] is None or row[denominator] is None or not row[denominator]:
        row[name] = None
        suppressed.append(name)
    else:
        row[name] = round(row[numerator] / row[denominator], 3)


def write_csv(table: Table, stream) -> None:
    """Write the table as CSV; a suppressed figure is written as '..' (as Statistics Sweden does)."""
    import csv

    writer = csv.writer(stream)
    writer.writerow(COLUMNS)
    for row in table.rows:
        writer.writerow([".." if row[c] is None else neutralise(row[c]) for c in COLUMNS])
