"""What the measures count and how they are defined: the answer categories and their labels, the
WHO-5 cut-offs, the step-forward ladder (kept as data in ladder.toml), the assumptions behind the
estimates, and the definitions printed with every report."""

from __future__ import annotations

import tomllib
from dataclasses import dataclass, field
from pathlib import Path

from followup.i18n import _l
from followup.models import Programme

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
    "dont_know",
)
HELPED = ("very_much", "quite_a_lot", "a_little", "not_at_all", "dont_know")
LANGUAGES = ("sv", "en")
NOT_RECORDED = "not_recorded"
POOR = 50  # WHO-5 at or below: poor well-being
DEPRESSION = 28  # WHO-5 at or below: likely depression
MEANINGFUL = 10  # a WHO-5 change of 10 points or more is meaningful (Topp et al. 2015)
LADDER_FILE = Path(__file__).resolve().parent.parent / "ladder.toml"


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


def self_sufficiency_of(programme: Programme) -> tuple[str, ...]:
    """Return the programme's self-sufficiency activities, or the default definition."""
    chosen = tuple(a.strip() for a in (programme.self_sufficiency or "").split(",") if a.strip())
    return chosen or SELF_SUFFICIENCY


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


class Joined:
    """Labels joined when shown, not when made: a report computed once reads right in either language."""

    def __init__(self, parts: list, separator: str = ", ") -> None:
        self.parts, self.separator = parts, separator

    def __str__(self) -> str:
        return self.separator.join(str(p) for p in self.parts)


def definitions(assumptions: Assumptions) -> list[tuple[object, object]]:
    """Return the definitions and assumptions printed with every report, as (term, explanation)."""
    ladder = Joined(
        [
            Joined([f"{i + 1}. ", Joined([ACTIVITY_LABELS[a] for a in r.activities])], "")
            for i, r in enumerate(assumptions.ladder)
        ],
        "; ",
    )
    return [
        (
            _l("Self-sufficiency"),
            _l(
                "Main activity now is one of: %(list)s.",
                list=Joined([ACTIVITY_LABELS[a] for a in assumptions.self_sufficiency]),
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
