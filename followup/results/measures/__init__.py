"""The measures: reach, main activity, self-sufficiency, step forward, social assistance, WHO-5 and
the programme questions, per wave and cohort and for the whole programme.

`counting.collect` asks the database for grouped counts (the answers are typed in the outcome
table, so SQL counts them); `tabulating.tabulate` turns those counts into tables, one module per
measure, and into the variables and equations that disclosure control needs, without touching
the database. `vocabulary` holds the categories, labels, cut-offs, ladder and definitions.
"""

from followup.results.measures.counting import Counts, collect, compact, survey_versions
from followup.results.measures.tabulating import tabulate
from followup.results.measures.vocabulary import (
    ACTIVITIES,
    ACTIVITY_LABELS,
    DEPRESSION,
    HELPED,
    HELPED_LABELS,
    LADDER_FILE,
    LANGUAGES,
    MEANINGFUL,
    NEXT_STEP,
    NEXT_STEP_LABELS,
    NOT_RECORDED,
    POOR,
    SA_LABELS,
    SELF_SUFFICIENCY,
    SOCIAL_ASSISTANCE,
    WORK_OR_STUDIES,
    Assumptions,
    Rung,
    definitions,
    load_ladder,
    self_sufficiency_of,
)

__all__ = [
    "ACTIVITIES",
    "ACTIVITY_LABELS",
    "DEPRESSION",
    "HELPED",
    "HELPED_LABELS",
    "LADDER_FILE",
    "LANGUAGES",
    "MEANINGFUL",
    "NEXT_STEP",
    "NEXT_STEP_LABELS",
    "NOT_RECORDED",
    "POOR",
    "SA_LABELS",
    "SELF_SUFFICIENCY",
    "SOCIAL_ASSISTANCE",
    "WORK_OR_STUDIES",
    "Assumptions",
    "Counts",
    "Rung",
    "collect",
    "compact",
    "definitions",
    "load_ladder",
    "self_sufficiency_of",
    "survey_versions",
    "tabulate",
]
