"""The measures: reach, main activity, self-sufficiency, step forward, social assistance, WHO-5 and
the programme questions, per wave and cohort and for the whole programme.

`collect` asks the database for grouped counts (the answers are typed in the outcome table, so
SQL counts them); `tabulate` turns those counts into tables, and into the variables and equations
that disclosure control needs, without touching the database.
"""

from __future__ import annotations

import tomllib
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

from peewee import JOIN, Case, Database, fn

from followup.i18n import _l
from followup.models import Cohort, Invitation, Message, Outcome, Participant, Programme, Response, Wave
from followup.results.intervals import mean_interval, wilson
from followup.results.tables import (
    ALL,
    ATTRIBUTE,
    COUNT,
    ESTIMATE,
    HIGH,
    LOW,
    MEAN,
    NO_COHORT,
    PROCESS,
    SHARE,
    SUM,
    Cell,
    Column,
    Equation,
    Publication,
    Row,
    Table,
    Variable,
)

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
# The source report's definition (Steget(t)): work in any form, own business, studies, sickness
# or activity compensation.
SELF_SUFFICIENCY = ("work", "work_subsidised", "own_business", "studies", "sickness_compensation")
WORK_OR_STUDIES = ("work", "work_subsidised", "own_business", "studies")
SOCIAL_ASSISTANCE = ("yes", "no", "prefer_not_to_say")
NEXT_STEP = (
    "within_a_month",
    "one_to_three_months",
    "three_to_six_months",
    "more_than_six_months",
    "not_yet",
)
NEXT_STEP = (*NEXT_STEP, "dont_know")
HELPED = ("very_much", "quite_a_lot", "a_little", "not_at_all", "dont_know")
LANGUAGES = ("sv", "en")
NOT_RECORDED = "not_recorded"
POOR = 50  # WHO-5 at or below: poor well-being
DEPRESSION = 28  # WHO-5 at or below: likely depression
MEANINGFUL = 10  # a WHO-5 change of 10 points or more is meaningful (Topp et al. 2015)
LADDER_FILE = Path(__file__).resolve().parent / "ladder.toml"


@dataclass(frozen=True)
class Rung:
    id: str
    label: dict[str, str]
    activities: tuple[str, ...]


def load_ladder(path: Path = LADDER_FILE) -> tuple[Rung, ...]:
    """Return the step-forward ladder from its data file, furthest from work or studies first."""
    raw = tomllib.loads(path.read_text(encoding="utf-8"))
    rungs = tuple(Rung(r["id"], dict(r["label"]), tuple(r["activities"])) for r in raw["rungs"])
    seen = [a for r in rungs for a in r.activities]
    if len(seen) != len(set(seen)) or set(seen) - set(ACTIVITIES):
        raise ValueError(f"{path.name}: each activity may stand on one rung, and must be a survey activity")
    return rungs


@dataclass
class Assumptions:
    """What the estimates and definitions rest on; shown beside the figures."""

    self_sufficiency: tuple[str, ...] = SELF_SUFFICIENCY
    monthly_norm: int = 4620  # SEK a month of social assistance avoided per person
    months: int = 12
    ladder: tuple[Rung, ...] = field(default_factory=load_ladder)


@dataclass
class Counts:
    """Grouped counts from the database, the only input of the tables."""

    waves: list[int]
    cohorts: list[str]
    # (months, cohort, answered, exit_activity, exit_sa, language, activity, sa,
    #  n, who5_n, who5_sum, who5_squares, who5_poor, who5_depression)
    groups: list[tuple]
    # (months, cohort, next_step_start, programme_helped, n)
    opinions: list[tuple] = field(default_factory=list)
    # (cohort, first months, second months, both answered, both WHO-5, change sum, change squares,
    #  improved, worsened)
    pairs: list[tuple] = field(default_factory=list)
    # (months, cohort, invitations with a delivered message)
    delivered: list[tuple] = field(default_factory=list)


def self_sufficiency_of(programme: Programme) -> tuple[str, ...]:
    """Return the programme's self-sufficiency activities, or the default definition."""
    chosen = tuple(a.strip() for a in (programme.self_sufficiency or "").split(",") if a.strip())
    return chosen or SELF_SUFFICIENCY


def collect(db: Database, programme_id: int) -> Counts:
    """Count, in the database, invitations sent and their answers by every grouping the tables need."""
    who5 = Outcome.who5
    answered = Case(None, [(Outcome.id.is_null(False), 1)], 0)
    base = (
        Invitation.select()
        .join(Wave)
        .switch(Invitation)
        .join(Participant)
        .join(Cohort, JOIN.LEFT_OUTER, on=(Participant.cohort == Cohort.id))
        .switch(Invitation)
        .join(Outcome, JOIN.LEFT_OUTER, on=(Outcome.invitation == Invitation.id))
        .where(Wave.programme == programme_id, Invitation.sent_at.is_null(False))
    )
    keys = [
        Wave.offset_months,
        Cohort.name,
        answered,
        Participant.exit_activity,
        Participant.exit_social_assistance,
        Participant.language,
        Outcome.main_activity,
        Outcome.social_assistance,
    ]
    groups = (
        base.select(
            *keys,
            fn.COUNT(Invitation.id),
            fn.COUNT(who5),
            fn.SUM(who5),
            fn.SUM(who5 * who5),
            fn.SUM(Case(None, [(who5 <= POOR, 1)], 0)),
            fn.SUM(Case(None, [(who5 <= DEPRESSION, 1)], 0)),
        )
        .group_by(*keys)
        .tuples()
    )
    rows = [(*r[:2], bool(r[2]), *r[3:9], *(r[9:] if r[9] else (0, 0, 0, 0, 0))) for r in groups]
    rows = [(r[0], r[1] or NO_COHORT, *r[2:]) for r in rows]
    opinions = (
        Outcome.select(Wave.offset_months, Cohort.name, Outcome.next_step_start, Outcome.programme_helped)
        .select_extend(fn.COUNT(Outcome.id))
        .join(Invitation)
        .join(Wave)
        .switch(Invitation)
        .join(Participant)
        .join(Cohort, JOIN.LEFT_OUTER, on=(Participant.cohort == Cohort.id))
        .where(Wave.programme == programme_id)
        .group_by(Wave.offset_months, Cohort.name, Outcome.next_step_start, Outcome.programme_helped)
        .tuples()
    )
    waves = [w for (w,) in Wave.select(Wave.offset_months).where(Wave.programme == programme_id).tuples()]
    cohorts = sorted({r[1] for r in rows})
    return Counts(
        waves=sorted({r[0] for r in rows}) or sorted(waves),
        cohorts=cohorts,
        groups=rows,
        opinions=[(m, c or NO_COHORT, a, b, n) for m, c, a, b, n in opinions],
        pairs=_pairs(programme_id),
        delivered=_delivered(programme_id),
    )


def _pairs(programme_id: int) -> list[tuple]:
    """Count people who answered two waves, and their WHO-5 change, per cohort and pair of waves."""
    first_i, second_i = Invitation.alias(), Invitation.alias()
    first_w, second_w = Wave.alias(), Wave.alias()
    first_o, second_o = Outcome.alias(), Outcome.alias()
    change = second_o.who5 - first_o.who5
    keys = [Cohort.name, first_w.offset_months, second_w.offset_months]
    query = (
        first_o.select(
            *keys,
            fn.COUNT(first_o.id),
            fn.COUNT(change),
            fn.SUM(change),
            fn.SUM(change * change),
            fn.SUM(Case(None, [(change >= MEANINGFUL, 1)], 0)),
            fn.SUM(Case(None, [(change <= -MEANINGFUL, 1)], 0)),
        )
        .join(first_i, on=(first_o.invitation == first_i.id))
        .join(first_w, on=(first_i.wave == first_w.id))
        .join(second_i, on=(second_i.participant == first_i.participant))
        .join(second_w, on=(second_i.wave == second_w.id))
        .join(second_o, on=(second_o.invitation == second_i.id))
        .join(Participant, on=(first_i.participant == Participant.id))
        .join(Cohort, JOIN.LEFT_OUTER, on=(Participant.cohort == Cohort.id))
        .where(first_w.programme == programme_id, first_w.offset_months < second_w.offset_months)
        .group_by(*keys)
        .tuples()
    )
    return [
        (c or NO_COHORT, a, b, n, n5, s or 0, q or 0, i or 0, w or 0) for c, a, b, n, n5, s, q, i, w in query
    ]


def _delivered(programme_id: int) -> list[tuple]:
    delivered = Message.select(Message.invitation).where(Message.state == Message.DELIVERED)
    query = (
        Invitation.select(Wave.offset_months, Cohort.name, fn.COUNT(Invitation.id))
        .join(Wave)
        .switch(Invitation)
        .join(Participant)
        .join(Cohort, JOIN.LEFT_OUTER, on=(Participant.cohort == Cohort.id))
        .where(Wave.programme == programme_id, Invitation.id.in_(delivered))
        .group_by(Wave.offset_months, Cohort.name)
        .tuples()
    )
    return [(m, c or NO_COHORT, n) for m, c, n in query]


def survey_versions(programme_id: int) -> list[str]:
    """Return the survey versions answered in the programme, as "standard v1"."""
    query = (
        Response.select(Response.survey, Response.survey_version)
        .join(Invitation)
        .join(Wave)
        .where(Wave.programme == programme_id)
        .distinct()
        .tuples()
    )
    return [f"{s} v{v}" for s, v in sorted(query)]


# -- tables -------------------------------------------------------------------------------------

ACTIVITY_LABELS = {
    "work": _l("Work without subsidy"),
    "work_subsidised": _l("Work with support"),
    "own_business": _l("Own business"),
    "studies": _l("Studies"),
    "job_seeking": _l("Looking for work"),
    "labour_market_programme": _l("Labour-market programme or work practice"),
    "sick_leave": _l("On sick leave"),
    "sickness_compensation": _l("Sickness or activity compensation"),
    "parental_leave": _l("Parental leave"),
    "other": _l("Something else"),
    "prefer_not_to_say": _l("Prefers not to say"),
    NOT_RECORDED: _l("Not recorded"),
}
NEXT_STEP_LABELS = {
    "within_a_month": _l("Within a month"),
    "one_to_three_months": _l("After 1-3 months"),
    "three_to_six_months": _l("After 3-6 months"),
    "more_than_six_months": _l("After more than 6 months"),
    "not_yet": _l("Not yet"),
    "dont_know": _l("Does not know"),
}
HELPED_LABELS = {
    "very_much": _l("Very much"),
    "quite_a_lot": _l("Quite a lot"),
    "a_little": _l("A little"),
    "not_at_all": _l("Not at all"),
    "dont_know": _l("Does not know"),
}
SA_LABELS = {"yes": _l("Receiving"), "no": _l("Not receiving"), "prefer_not_to_say": _l("Prefers not to say")}


class _Builder:
    """Collects variables, equations and cells while the tables are laid out."""

    def __init__(self) -> None:
        self.variables: dict[tuple, Variable] = {}
        self.equations: list[Equation] = []

    def var(self, key: tuple, value: float, role: str, published: bool = True, **extra) -> tuple:
        found = self.variables.get(key)
        if found is None:
            self.variables[key] = Variable(key, value, role, published, **extra)
        else:
            found.published = found.published or published
        return key

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


def _sum(rows, index: int) -> int:
    return sum(r[index] for r in rows)


def tabulate(
    counts: Counts, assumptions: Assumptions, programme: str, made_at: datetime, versions: list[str]
) -> Publication:
    """Lay the counts out as the report's tables, with the variables and equations behind them."""
    b = _Builder()
    ladder = assumptions.ladder
    rung_of = {a: i for i, r in enumerate(ladder) for a in r.activities}
    groups_of = [*counts.cohorts, ALL]
    by: dict[tuple, list] = defaultdict(list)
    for row in counts.groups:
        by[(row[0], row[1])].append(row)
        by[(row[0], ALL)].append(row)
    opinions: dict[tuple, list] = defaultdict(list)
    for row in counts.opinions:
        opinions[(row[0], row[1])].append(row)
        opinions[(row[0], ALL)].append(row)
    delivered = defaultdict(int)
    for months, cohort, n in counts.delivered:
        delivered[(months, cohort)] += n
        delivered[(months, ALL)] += n

    for w in counts.waves:
        for g in groups_of:
            _group_variables(b, w, g, by[(w, g)], opinions[(w, g)], delivered[(w, g)], assumptions, rung_of)
        _whole_wave_variables(b, w, by[(w, ALL)], ladder, rung_of)
    _pair_variables(b, counts)
    _cohort_equations(b, counts)

    tables = _tables(b, counts, assumptions)
    return Publication(
        programme=programme,
        made_at=made_at,
        threshold=0,
        survey_versions=versions,
        tables=tables,
        definitions=definitions(assumptions),
        variables=b.variables,
        equations=b.equations,
    )


def _group_variables(b: _Builder, w, g, rows, opinion_rows, delivered, assumptions, rung_of) -> None:
    answered = [r for r in rows if r[2]]
    k = (w, g)
    invited = b.var(("invited", *k), _sum(rows, 8), PROCESS)
    b.var(("delivered", *k), delivered, PROCESS)
    n = b.var(("answered", *k), _sum(answered, 8), PROCESS)
    b.equation(invited, [n, b.var(("not_answered", *k), _sum([r for r in rows if not r[2]], 8), PROCESS)])

    activity = {
        a: b.var(("activity", *k, a), _sum([r for r in answered if r[6] == a], 8), ATTRIBUTE)
        for a in ACTIVITIES
    }
    unknown = b.var(("activity", *k, None), _sum([r for r in answered if r[6] not in ACTIVITIES], 8), PROCESS)
    b.equation(n, [*activity.values(), unknown], distribution=True)
    for name, chosen in (
        ("self_sufficient", assumptions.self_sufficiency),
        ("work_or_studies", WORK_OR_STUDIES),
    ):
        part = b.var((name, *k), sum(b.variables[activity[a]].value for a in chosen), ATTRIBUTE)
        b.equation(part, [activity[a] for a in chosen])
        rest = b.var((f"not_{name}", *k), b.variables[n].value - b.variables[part].value, ATTRIBUTE, False)
        b.equation(n, [part, rest], distribution=True)

    assistance = {
        s: b.var(("assistance", *k, s), _sum([r for r in answered if r[7] == s], 8), ATTRIBUTE)
        for s in SOCIAL_ASSISTANCE
    }
    missing = b.var(
        ("assistance", *k, None),
        _sum([r for r in answered if r[7] not in SOCIAL_ASSISTANCE], 8),
        PROCESS,
    )
    b.equation(n, [*assistance.values(), missing], distribution=True)
    at_exit = [r for r in answered if r[4]]
    exit_sa = b.var(("assistance_at_exit", *k), _sum(at_exit, 8), ATTRIBUTE)
    left = b.var(("left_assistance", *k), _sum([r for r in at_exit if r[7] == "no"], 8), ATTRIBUTE)
    stayed = b.var(
        ("stayed_assistance", *k), b.variables[exit_sa].value - b.variables[left].value, ATTRIBUTE, False
    )
    b.equation(exit_sa, [left, stayed], distribution=True)
    not_exit_sa = b.var(
        ("no_assistance_at_exit", *k), b.variables[n].value - b.variables[exit_sa].value, ATTRIBUTE, False
    )
    b.equation(n, [exit_sa, not_exit_sa], distribution=True)

    who5_n = b.var(("who5_n", *k), _sum(answered, 9), PROCESS)
    b.equation(
        n,
        [
            who5_n,
            b.var(("who5_missing", *k), b.variables[n].value - b.variables[who5_n].value, PROCESS),
        ],
    )
    poor = b.var(("who5_poor", *k), _sum(answered, 12), ATTRIBUTE)
    depression = b.var(("who5_depression", *k), _sum(answered, 13), ATTRIBUTE)
    good = b.var(("who5_good", *k), b.variables[who5_n].value - b.variables[poor].value, ATTRIBUTE, False)
    between = b.var(
        ("who5_poor_not_depression", *k),
        b.variables[poor].value - b.variables[depression].value,
        ATTRIBUTE,
        False,
    )
    b.equation(who5_n, [poor, good], distribution=True)
    b.equation(poor, [depression, between], distribution=True)
    people = int(b.variables[who5_n].value)
    b.var(
        ("who5_sum", *k),
        _sum(answered, 10) or 0,
        SUM,
        upper=100 * people,
        protect_width=MEANINGFUL * people,
        n=people,
    )
    b.variables[("who5_sum", *k)].squares = _sum(answered, 11) or 0

    moves = {"closer": 0, "unchanged": 0, "further": 0}
    comparable_n = 0
    for r in answered:
        start, now = rung_of.get(r[3]), rung_of.get(r[6])
        if start is None or now is None:
            continue
        comparable_n += r[8]
        moves["closer" if now > start else "further" if now < start else "unchanged"] += r[8]
    comparable = b.var(("comparable", *k), comparable_n, ATTRIBUTE)
    b.equation(comparable, [b.var((m, *k), v, ATTRIBUTE) for m, v in moves.items()], distribution=True)
    b.equation(
        n, [comparable, b.var(("not_comparable", *k), b.variables[n].value - comparable_n, ATTRIBUTE, False)]
    )

    for name, options, index in (("next_step", NEXT_STEP, 2), ("helped", HELPED, 3)):
        parts = [
            b.var((name, *k, o), _sum([r for r in opinion_rows if r[index] == o], 4), ATTRIBUTE)
            for o in options
        ]
        given = sum(b.variables[p].value for p in parts)
        parts.append(b.var((name, *k, None), b.variables[n].value - given, PROCESS))
        # Everyone giving the same opinion of the programme is no secret about their situation:
        # the whole-group rule is for activities, benefits, well-being and steps; small counts stay sensitive.
        b.equation(n, parts)


def _whole_wave_variables(b: _Builder, w, rows, ladder, rung_of) -> None:
    """The transition table and the non-response view, for the whole programme only."""
    k = (w, ALL)
    answered = [r for r in rows if r[2]]
    exit_totals = []
    for i, _rung in enumerate(ladder):
        cells = []
        for j, _now in enumerate(ladder):
            value = _sum([r for r in answered if rung_of.get(r[3]) == i and rung_of.get(r[6]) == j], 8)
            cells.append(b.var(("transition", *k, i, j), value, ATTRIBUTE))
        total = b.var(("exit_rung", *k, i), sum(b.variables[c].value for c in cells), ATTRIBUTE)
        b.equation(total, cells, distribution=True)
        exit_totals.append(total)
    b.equation(("comparable", *k), exit_totals, distribution=True)
    size = len(ladder)
    for move, test in (
        ("closer", lambda i, j: j > i),
        ("unchanged", lambda i, j: j == i),
        ("further", lambda i, j: j < i),
    ):
        b.equation(
            (move, *k), [("transition", *k, i, j) for i in range(size) for j in range(size) if test(i, j)]
        )

    characteristics = (
        (
            "exit_activity",
            [*ACTIVITIES, NOT_RECORDED],
            lambda r: r[3] if r[3] in ACTIVITIES else NOT_RECORDED,
        ),
        (
            "exit_assistance",
            ["yes", "no", NOT_RECORDED],
            lambda r: NOT_RECORDED if r[4] is None else ("yes" if r[4] else "no"),
        ),
        ("language", list(LANGUAGES), lambda r: r[5] if r[5] in LANGUAGES else "sv"),
    )
    for name, values, of in characteristics:
        responders, others = [], []
        for value in values:
            mine = [r for r in rows if of(r) == value]
            # "Not recorded" says something about the records, not about a person; the language
            # messages were sent in is how we reached people, not their situation.
            role = PROCESS if value == NOT_RECORDED or name == "language" else ATTRIBUTE
            yes = b.var(("responders", *k, name, value), _sum([r for r in mine if r[2]], 8), role)
            no = b.var(("non_responders", *k, name, value), _sum([r for r in mine if not r[2]], 8), role)
            total = b.var(("invited_with", *k, name, value), _sum(mine, 8), role, False)
            b.equation(total, [yes, no])
            responders.append(yes)
            others.append(no)
        b.equation(("answered", *k), responders, distribution=True)
        b.equation(("not_answered", *k), others, distribution=True)
    b.equation(("assistance_at_exit", *k), [("responders", *k, "exit_assistance", "yes")])
    for i, rung in enumerate(ladder):
        # Responders who stood on this step at exit: comparable now, or now off the ladder.
        off = _sum([r for r in answered if rung_of.get(r[3]) == i and r[6] not in rung_of], 8)
        b.equation(
            ("invited_with", *k, "exit_rung_answered", i),
            [("exit_rung", *k, i), b.var(("off_ladder_now", *k, i), off, ATTRIBUTE, False)],
        )
        total = sum(b.variables[("responders", *k, "exit_activity", a)].value for a in rung.activities)
        b.var(("invited_with", *k, "exit_rung_answered", i), total, ATTRIBUTE, False)
        b.equation(
            ("invited_with", *k, "exit_rung_answered", i),
            [("responders", *k, "exit_activity", a) for a in rung.activities],
        )


def _pair_variables(b: _Builder, counts: Counts) -> None:
    totals: dict[tuple, list] = defaultdict(lambda: [0] * 6)
    for cohort, first, second, both, n5, change, squares, better, worse in counts.pairs:
        for g in (cohort, ALL):
            found = totals[(first, second, g)]
            for i, v in enumerate((both, n5, change, squares, better, worse)):
                found[i] += v
    for first in counts.waves:
        for second in counts.waves:
            if first >= second:
                continue
            for g in [*counts.cohorts, ALL]:
                both, n5, change, squares, better, worse = totals[(first, second, g)]
                k = (first, second, g)
                both_key = b.var(("both_answered", *k), both, PROCESS)
                pairs = b.var(("pairs", *k), n5, PROCESS)
                # WHO-5 is required: everyone who answered both has a change, and a reader may know it.
                b.equation(both_key, [pairs, b.var(("pairs_without_who5", *k), both - n5, PROCESS)])
                for months in (first, second):
                    answered = ("answered", months, g)
                    if answered in b.variables:
                        only = b.variables[answered].value - both
                        b.equation(
                            answered,
                            [both_key, b.var(("answered_not_both", months, *k), only, PROCESS, False)],
                        )
                parts = [
                    b.var(("improved", *k), better, ATTRIBUTE),
                    b.var(("worsened", *k), worse, ATTRIBUTE),
                    b.var(("little_change", *k), n5 - better - worse, ATTRIBUTE, False),
                ]
                b.equation(pairs, parts, distribution=True)
                b.var(
                    ("change_sum", *k),
                    change,
                    SUM,
                    lower=-100 * n5,
                    upper=100 * n5,
                    protect_width=MEANINGFUL * n5,
                    n=n5,
                )
                b.variables[("change_sum", *k)].squares = squares


PAIR_VARIABLES = (
    "both_answered",
    "pairs",
    "pairs_without_who5",
    "improved",
    "worsened",
    "little_change",
    "change_sum",
)


def _cohort_equations(b: _Builder, counts: Counts) -> None:
    """Every count of the whole programme is the sum of the same count over the cohorts."""
    parts: dict[tuple, list] = defaultdict(list)
    for key in b.variables:
        group_at = {"answered_not_both": 4}.get(key[0], 3 if key[0] in PAIR_VARIABLES else 2)
        if (
            len(key) > group_at
            and key[group_at] != ALL
            and key[0] not in ("transition", "exit_rung", "responders", "non_responders", "invited_with")
        ):
            total = (*key[:group_at], ALL, *key[group_at + 1 :])
            parts[total].append(key)
    for total, members in parts.items():
        if total in b.variables:
            b.equation(total, members)


def _label(g: str):
    if g == ALL:
        return _l("All cohorts")
    if g == NO_COHORT:
        return _l("No cohort")
    return None


def _rows_per_group(counts: Counts):
    for w in counts.waves:
        for g in [*counts.cohorts, ALL]:
            yield w, g


def _tables(b: _Builder, counts: Counts, assumptions: Assumptions) -> list[Table]:
    share_columns = lambda stem, label: [  # noqa: E731 - a column triple, read where it is used
        Column(f"{stem}_share", label, SHARE),
        Column(f"{stem}_low", _l("95% CI from"), LOW),
        Column(f"{stem}_high", _l("95% CI to"), HIGH),
    ]
    tables = []

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
    for w, g in _rows_per_group(counts):
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
        reach.rows.append(Row(w, g, cells, _label(g)))
    tables.append(reach)

    activity = Table(
        "activity",
        _l("Main activity now"),
        _l("What people who answered mainly do now: one answer each."),
        [Column("answered", _l("Answered"), COUNT)]
        + [
            c
            for a in ACTIVITIES
            for c in (Column(a, ACTIVITY_LABELS[a], COUNT), Column(f"{a}_share", _l("Share"), SHARE))
        ],
    )
    for w, g in _rows_per_group(counts):
        k = (w, g)
        cells = {"answered": b.count(("answered", *k))}
        for a in ACTIVITIES:
            cells[a] = b.count(("activity", *k, a))
            cells[f"{a}_share"] = b.share(("activity", *k, a), ("answered", *k))[0]
        activity.rows.append(Row(w, g, cells, _label(g)))
    tables.append(activity)

    outcomes = Table(
        "self_sufficiency",
        _l("Self-sufficiency and work or studies"),
        _l(
            "Self-sufficient: main activity is one of the programme's self-sufficiency activities "
            "(see definitions)."
        ),
        [
            Column("answered", _l("Answered"), COUNT),
            Column("self_sufficient", _l("Self-sufficient"), COUNT),
            *share_columns("self_sufficient", _l("Share self-sufficient")),
            Column("work_or_studies", _l("In work or studies"), COUNT),
            *share_columns("work_or_studies", _l("Share in work or studies")),
        ],
    )
    for w, g in _rows_per_group(counts):
        k = (w, g)
        cells = {"answered": b.count(("answered", *k))}
        for name in ("self_sufficient", "work_or_studies"):
            cells[name] = b.count((name, *k))
            cells.update(
                zip(
                    (f"{name}_share", f"{name}_low", f"{name}_high"),
                    b.share((name, *k), ("answered", *k)),
                    strict=True,
                )
            )
        outcomes.rows.append(Row(w, g, cells, _label(g)))
    tables.append(outcomes)

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
    for w, g in _rows_per_group(counts):
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
        left = b.variables[("left_assistance", *k)].value
        cells["avoided"] = Cell(
            left * assumptions.months * assumptions.monthly_norm, depends=(("left_assistance", *k),)
        )
        assistance.rows.append(Row(w, g, cells, _label(g)))
    tables.append(assistance)

    who5 = Table(
        "who5",
        _l("Well-being (WHO-5)"),
        _l("WHO-5 index from 0 to 100; at or below 50: poor well-being; at or below 28: likely depression."),
        [
            Column("who5_n", _l("Answered WHO-5"), COUNT),
            Column("mean", _l("Mean (0-100)"), MEAN),
            Column("mean_low", _l("95% CI from"), LOW),
            Column("mean_high", _l("95% CI to"), HIGH),
            Column("poor", _l("At or below 50"), COUNT),
            Column("poor_share", _l("Share at or below 50"), SHARE),
            Column("depression", _l("At or below 28"), COUNT),
            Column("depression_share", _l("Share at or below 28"), SHARE),
        ],
    )
    for w, g in _rows_per_group(counts):
        k = (w, g)
        n_key, sum_key = ("who5_n", *k), ("who5_sum", *k)
        cells = {"who5_n": b.count(n_key)}
        cells.update(_mean_cells(b, n_key, sum_key, "mean"))
        cells["poor"] = b.count(("who5_poor", *k))
        cells["poor_share"] = b.share(("who5_poor", *k), n_key)[0]
        cells["depression"] = b.count(("who5_depression", *k))
        cells["depression_share"] = b.share(("who5_depression", *k), n_key)[0]
        who5.rows.append(Row(w, g, cells, _label(g)))
    tables.append(who5)

    change = Table(
        "who5_change",
        _l("Change in well-being between waves (WHO-5)"),
        _l(
            "People who answered WHO-5 at both waves: mean change (later minus earlier), and how many "
            "improved or worsened by 10 points or more."
        ),
        [
            Column("pairs", _l("Answered both waves"), COUNT),
            Column("change", _l("Mean change"), MEAN),
            Column("change_low", _l("95% CI from"), LOW),
            Column("change_high", _l("95% CI to"), HIGH),
            Column("improved", _l("Improved by 10 or more"), COUNT),
            Column("improved_share", _l("Share improved"), SHARE),
            Column("worsened", _l("Worsened by 10 or more"), COUNT),
            Column("worsened_share", _l("Share worsened"), SHARE),
        ],
    )
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
    for first in counts.waves:
        for second in counts.waves:
            if first >= second:
                continue
            for g in [*counts.cohorts, ALL]:
                k = (first, second, g)
                pairs = ("pairs", *k)
                cells = {"pairs": b.count(pairs)}
                cells.update(_mean_cells(b, pairs, ("change_sum", *k), "change"))
                for name in ("improved", "worsened"):
                    cells[name] = b.count((name, *k))
                    cells[f"{name}_share"] = b.share((name, *k), pairs)[0]
                change.rows.append(Row(second, g, cells, _label(g), since=first))
                answered_first = ("answered", first, g)
                again = {
                    "answered_first": b.count(answered_first),
                    "answered_both": b.count(("both_answered", *k)),
                    "again_share": b.share(("both_answered", *k), answered_first, attribute=False)[0],
                }
                attrition.rows.append(Row(second, g, again, _label(g), since=first))
    tables.append(change)

    steps = Table(
        "step_forward",
        _l("Step forward"),
        _l(
            "Activity now against activity at exit, on the ladder in the definitions: closer to work "
            "or studies, the same step, or further away."
        ),
        [
            Column("comparable", _l("Comparable (activity at exit known)"), COUNT),
            *(
                c
                for m, label in (
                    ("closer", _l("Moved closer")),
                    ("unchanged", _l("Unchanged")),
                    ("further", _l("Moved further away")),
                )
                for c in (Column(m, label, COUNT), Column(f"{m}_share", _l("Share"), SHARE))
            ),
        ],
    )
    for w, g in _rows_per_group(counts):
        k = (w, g)
        cells = {"comparable": b.count(("comparable", *k))}
        for m in ("closer", "unchanged", "further"):
            cells[m] = b.count((m, *k))
            cells[f"{m}_share"] = b.share((m, *k), ("comparable", *k))[0]
        steps.rows.append(Row(w, g, cells, _label(g)))
    tables.append(steps)

    ladder = assumptions.ladder
    transitions = Table(
        "transitions",
        _l("From activity at exit to activity now (whole programme)"),
        _l("Rows: the step on the ladder at exit; columns: the step now."),
        [*(Column(f"now_{r.id}", r.label, COUNT) for r in ladder), Column("total", _l("Total"), COUNT)],
    )
    for w in counts.waves:
        for i, rung in enumerate(ladder):
            cells = {f"now_{r.id}": b.count(("transition", w, ALL, i, j)) for j, r in enumerate(ladder)}
            cells["total"] = b.count(("exit_rung", w, ALL, i))
            transitions.rows.append(Row(w, rung.id, cells, rung.label))
    tables.append(transitions)

    for table_id, name, options, labels, title in (
        ("next_step", "next_step", NEXT_STEP, NEXT_STEP_LABELS, _l("How soon the next step started")),
        ("helped", "helped", HELPED, HELPED_LABELS, _l("How much the programme helped")),
    ):
        table = Table(
            table_id,
            title,
            _l("Answers to the survey question, one answer each."),
            [Column("answered", _l("Answered"), COUNT)]
            + [
                c
                for o in options
                for c in (Column(o, labels[o], COUNT), Column(f"{o}_share", _l("Share"), SHARE))
            ],
        )
        for w, g in _rows_per_group(counts):
            k = (w, g)
            cells = {"answered": b.count(("answered", *k))}
            for o in options:
                cells[o] = b.count((name, *k, o))
                cells[f"{o}_share"] = b.share((name, *k, o), ("answered", *k))[0]
            table.rows.append(Row(w, g, cells, _label(g)))
        tables.append(table)

    nonresponse = Table(
        "non_response",
        _l("Who answered and who did not"),
        _l(
            "Responders and non-responders compared on what is known of everyone invited, so a reader "
            "can judge whether the answers are skewed."
        ),
        [Column("responders", _l("Answered"), COUNT), Column("non_responders", _l("Did not answer"), COUNT)],
    )
    for w in counts.waves:
        for g in counts.cohorts:
            cells = {
                "responders": b.count(("answered", w, g)),
                "non_responders": b.count(("not_answered", w, g)),
            }
            row = Row(
                w, f"cohort:{g}", cells, _l("Cohort: %(name)s", name=g) if g != NO_COHORT else _l("No cohort")
            )
            nonresponse.rows.append(row)
        for name, values, heading in (
            ("exit_activity", [*ACTIVITIES, NOT_RECORDED], _l("Activity at exit: %(value)s")),
            ("exit_assistance", ["yes", "no", NOT_RECORDED], _l("Social assistance at exit: %(value)s")),
            ("language", list(LANGUAGES), _l("Language: %(value)s")),
        ):
            for value in values:
                cells = {
                    "responders": b.count(("responders", w, ALL, name, value)),
                    "non_responders": b.count(("non_responders", w, ALL, name, value)),
                }
                shown = {"yes": _l("yes"), "no": _l("no")}.get(value) or ACTIVITY_LABELS.get(value) or value
                nonresponse.rows.append(Row(w, f"{name}:{value}", cells, _LabelWith(heading, shown)))
    tables.append(nonresponse)
    tables.append(attrition)
    return tables


class _LabelWith:
    """A translatable heading with a translatable value put in, turned to text when shown."""

    def __init__(self, heading, value) -> None:
        self.heading, self.value = heading, value

    def __str__(self) -> str:
        return str(self.heading).replace("%(value)s", str(self.value))


def _mean_cells(b: _Builder, n_key: tuple, sum_key: tuple, stem: str) -> dict[str, Cell]:
    n = int(b.variables[n_key].value)
    variable = b.variables[sum_key]
    found = mean_interval(n, variable.value, variable.squares)
    values = found if found else (None, None, None)
    return {
        name: Cell(v, variable=sum_key if name == stem else None, depends=(n_key, sum_key), over=n)
        for name, v in zip((stem, f"{stem}_low", f"{stem}_high"), values, strict=True)
    }


def definitions(assumptions: Assumptions) -> list[tuple[object, object]]:
    """Return the definitions and assumptions printed with every report, as (term, explanation)."""
    ladder = "; ".join(
        f"{i + 1}. " + ", ".join(str(ACTIVITY_LABELS[a]) for a in r.activities)
        for i, r in enumerate(assumptions.ladder)
    )
    return [
        (
            _l("Self-sufficiency"),
            _l(
                "Main activity now is one of: %(list)s.",
                list=", ".join(str(ACTIVITY_LABELS[a]) for a in assumptions.self_sufficiency),
            ),
        ),
        (
            _l("Work or studies"),
            _l("Main activity now is work without or with support, own business or studies."),
        ),
        (
            _l("Step forward"),
            _l(
                "Activity now compared with activity at exit on this ladder, furthest from work or "
                "studies first: %(ladder)s. Other activities are not comparable.",
                ladder=ladder,
            ),
        ),
        (
            _l("Avoided social assistance"),
            _l(
                "An estimate, not a fact: people who received social assistance at exit and do not "
                "now x %(months)d months x %(norm)d SEK a month (the assumed monthly norm). It "
                "assumes they would otherwise have kept receiving it.",
                months=assumptions.months,
                norm=assumptions.monthly_norm,
            ),
        ),
        (
            _l("WHO-5"),
            _l(
                "Five questions on the last two weeks, 0-5 each; the sum times 4 gives 0-100. At or "
                "below 50: poor well-being; at or below 28: likely depression; a change of 10 points "
                "or more is meaningful (Topp et al. 2015)."
            ),
        ),
        (
            _l("Intervals"),
            _l(
                "Confidence intervals (95 per cent): Wilson score intervals for shares, Student's t "
                "for means."
            ),
        ),
        (_l("Response rate"), _l("Answered as a share of invited (people sent a survey in that wave).")),
    ]
