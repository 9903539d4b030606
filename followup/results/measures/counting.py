"""Counting in the database: the answers grouped from their own rows, the invitations not answered
grouped apart, the pairs of waves one person answered from their own rows, and two small look-ups.

The answers are grouped by wave, cohort and activity now only (a few thousand rows however many
people), and everything else the tables need is counted beside each group as filtered counts:
social assistance now and at exit, language, activity at exit, WHO-5 sums, and the two programme
questions. Each of those is therefore known jointly with the activity now (step forward and the
transition table need activity at exit x activity now), but the result does not multiply exit
activity x language x activity now into hundreds of thousands of rows. What an answer is grouped
by is on its outcome row, and the pairs are rows of their own, both written when a response is
stored (answers.responses), so no query joins the answers with the invitations or the people.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field

from peewee import SQL, Database, fn

from followup.models import (
    AnsweredSurvey,
    AnswerPair,
    Cohort,
    Invitation,
    Message,
    Outcome,
    Participant,
    Wave,
)
from followup.results.measures.vocabulary import (
    ACTIVITIES,
    DEPRESSION,
    HELPED,
    MEANINGFUL,
    NEXT_STEP,
    POOR,
    SOCIAL_ASSISTANCE,
)
from followup.results.tables import NO_COHORT

# What each row of Counts.cells sums, after its key (months, cohort, answered, activity now).
SUMS = (
    "n",
    "who5_n",
    "who5_sum",
    "who5_squares",
    "who5_poor",
    "who5_depression",
    *(f"assistance:{s}" for s in SOCIAL_ASSISTANCE),
    "exit_assistance:yes",
    "exit_assistance:no",
    "left_assistance",  # social assistance at exit, and "no" now
    "language:en",
    *(f"exit_activity:{a}" for a in ACTIVITIES),
    *(f"next_step:{o}" for o in NEXT_STEP),
    *(f"helped:{o}" for o in HELPED),
)
AT = {name: i for i, name in enumerate(SUMS)}


@dataclass
class Counts:
    """Grouped counts from the database, the only input of the tables."""

    waves: list[int]
    cohorts: list[str]
    # (months, cohort, answered, activity now, *SUMS): one row per combination present
    cells: list[tuple] = field(default_factory=list)
    # Finer rows, as small tests and the suppression benchmark write them by hand, turned into cells
    # by `compact`: (months, cohort, answered, exit_activity, exit_sa, language, activity, sa,
    #  n, who5_n, who5_sum, who5_squares, who5_poor, who5_depression)
    groups: list[tuple] = field(default_factory=list)
    # (months, cohort, next_step_start, programme_helped, n); with `groups` only
    opinions: list[tuple] = field(default_factory=list)
    # (cohort, first months, second months, both answered, both WHO-5, change sum, change squares,
    #  improved, worsened)
    pairs: list[tuple] = field(default_factory=list)
    # (months, cohort, invitations with a delivered message)
    delivered: list[tuple] = field(default_factory=list)


def compact(groups: list[tuple], opinions: list[tuple]) -> list[tuple]:
    """Return fine rows and opinion rows summed as the cells `collect` gets from the database."""
    cells: dict[tuple, list[int]] = defaultdict(lambda: [0] * len(SUMS))
    for months, cohort, answered, exit_activity, exit_sa, language, activity, sa, n, *who5 in groups:
        found = cells[(months, cohort, answered, activity if answered else None)]
        found[AT["n"]] += n
        for i, value in enumerate(who5, start=AT["who5_n"]):
            found[i] += value or 0
        if sa in SOCIAL_ASSISTANCE:
            found[AT[f"assistance:{sa}"]] += n
        if exit_sa is not None:
            found[AT["exit_assistance:yes" if exit_sa else "exit_assistance:no"]] += n
        if exit_sa and sa == "no":
            found[AT["left_assistance"]] += n
        if language == "en":
            found[AT["language:en"]] += n
        if exit_activity in ACTIVITIES:
            found[AT[f"exit_activity:{exit_activity}"]] += n
    # The programme questions are only ever tabulated per question and group, so the group's row of
    # answers without an activity can hold them (adding no one to its count).
    for months, cohort, next_step, helped, n in opinions:
        found = cells[(months, cohort, True, None)]
        if next_step in NEXT_STEP:
            found[AT[f"next_step:{next_step}"]] += n
        if helped in HELPED:
            found[AT[f"helped:{helped}"]] += n
    return [(*key, *sums) for key, sums in cells.items()]


def collect(db: Database, programme_id: int) -> Counts:
    """Count, in the database, invitations sent and their answers by every grouping the tables need."""
    waves = dict(Wave.select(Wave.id, Wave.offset_months).where(Wave.programme == programme_id).tuples())
    names = dict(Cohort.select(Cohort.id, Cohort.name).where(Cohort.programme == programme_id).tuples())

    def cohort(cohort_id):
        # A participant's cohort is always one of their programme's (the import and edits see to it).
        return NO_COHORT if cohort_id is None else names[cohort_id]

    cells = []
    if waves:
        answered = {}
        for wave_id, cohort_id, activity, *sums in db.execute(_answered(list(waves))):
            answered[(wave_id, cohort_id, activity)] = [s or 0 for s in sums]
        # Invitations not sent are not counted, answered or not.
        for wave_id, cohort_id, activity, *sums in db.execute(_answered(list(waves), unsent=True)):
            found = answered[(wave_id, cohort_id, activity)]
            found[:] = [a - (s or 0) for a, s in zip(found, sums, strict=True)]
        for (wave_id, cohort_id, activity), sums in answered.items():
            if sums[AT["n"]]:
                cells.append((waves[wave_id], cohort(cohort_id), True, activity, *sums))
        for wave_id, cohort_id, n, *exit_sums in db.execute(_not_answered(list(waves))):
            sums = [0] * len(SUMS)
            sums[AT["n"]] = n
            for name, value in zip(EXIT_SUMS, exit_sums, strict=True):
                sums[AT[name]] = value
            cells.append((waves[wave_id], cohort(cohort_id), False, None, *sums))
    return Counts(
        waves=sorted({c[0] for c in cells}) or sorted(waves.values()),
        cohorts=sorted({c[1] for c in cells}),
        cells=cells,
        pairs=_pairs(waves, cohort),
        delivered=_delivered(waves, cohort),
    )


def _counted(condition):
    # COUNT(*) FILTER: no column to test for NULL, measurably cheaper per row on PostgreSQL.
    return fn.COUNT(SQL("*")).filter(condition)


# What is known of everyone invited, answered or not: the non-response view compares on it.
EXIT_SUMS = (
    "exit_assistance:yes",
    "exit_assistance:no",
    "language:en",
    *(f"exit_activity:{a}" for a in ACTIVITIES),
)


def _exit_counts(source) -> list:
    # The counts of EXIT_SUMS, of the columns of `source` (an outcome or a participant).
    return [
        _counted(source.exit_social_assistance == True),  # noqa: E712 - SQL, not Python
        _counted(source.exit_social_assistance == False),  # noqa: E712
        _counted(source.language == "en"),
        *(_counted(source.exit_activity == a) for a in ACTIVITIES),
    ]


def _answered(wave_ids: list[int], unsent: bool = False):
    """The answers, from the outcome rows alone (they carry the wave, the cohort and what is known at
    exit), grouped by wave, cohort and activity now, with every sum of SUMS beside each group.

    An invitation is answered exactly when it has an outcome (both are written in one transaction by
    answers.responses.record_response). The outcome index covering these columns in this order lets
    SQLite read them in order and sort nothing. With `unsent`, only the answers to invitations never
    marked sent (a partial index holds those rare invitations), which the results leave out."""
    o = Outcome
    who5 = o.who5
    yes, no, language, *exit_activity = _exit_counts(o)
    columns = [
        fn.COUNT(SQL("*")),
        fn.COUNT(who5),
        fn.SUM(who5),
        fn.SUM(who5 * who5),
        _counted(who5 <= POOR),
        _counted(who5 <= DEPRESSION),
        *(_counted(o.social_assistance == s) for s in SOCIAL_ASSISTANCE),
        yes,
        no,
        _counted((o.exit_social_assistance == True) & (o.social_assistance == "no")),  # noqa: E712
        language,
        *exit_activity,
        *(_counted(o.next_step_start == a) for a in NEXT_STEP),
        *(_counted(o.programme_helped == a) for a in HELPED),
    ]
    keys = [o.wave, o.cohort, o.main_activity]
    query = o.select(*keys, *columns).where(o.wave.in_(wave_ids))
    if unsent:
        query = query.join(Invitation).where(
            Invitation.wave.in_(wave_ids),
            Invitation.state == Invitation.ANSWERED,
            Invitation.sent_at.is_null(),
        )
    return query.group_by(*keys).tuples()


def _not_answered(wave_ids: list[int]):
    """Invitations sent and not answered, by wave and cohort, with what is known of their people."""
    keys = [Invitation.wave, Participant.cohort]
    return (
        Invitation.select(*keys, fn.COUNT(SQL("*")), *_exit_counts(Participant))
        .join(Participant)
        .where(
            Invitation.wave.in_(wave_ids),
            Invitation.state != Invitation.ANSWERED,
            Invitation.sent_at.is_null(False),
        )
        .group_by(*keys)
        .tuples()
    )


def _pairs(waves: dict[int, int], cohort) -> list[tuple]:
    """Count people who answered two waves, and their WHO-5 change, per cohort and pair of waves."""
    if not waves:
        return []
    change = AnswerPair.change
    keys = [AnswerPair.first_wave, AnswerPair.second_wave, AnswerPair.cohort]
    query = (
        AnswerPair.select(
            *keys,
            fn.COUNT(SQL("*")),
            fn.COUNT(change),
            fn.SUM(change),
            fn.SUM(change * change),
            _counted(change >= MEANINGFUL),
            _counted(change <= -MEANINGFUL),
        )
        .where(AnswerPair.first_wave.in_(list(waves)))
        .group_by(*keys)
        .tuples()
    )
    return [
        (cohort(c), waves[a], waves[b], n, n5, s or 0, q or 0, i, w) for a, b, c, n, n5, s, q, i, w in query
    ]


def _delivered(waves: dict[int, int], cohort) -> list[tuple]:
    if not waves:
        return []
    delivered = Message.select(Message.invitation).where(Message.state == Message.DELIVERED)
    query = (
        Invitation.select(Invitation.wave, Participant.cohort, fn.COUNT(Invitation.id))
        .join(Participant)
        .where(Invitation.wave.in_(list(waves)), Invitation.id.in_(delivered))
        .group_by(Invitation.wave, Participant.cohort)
        .tuples()
    )
    return [(waves[w], cohort(c), n) for w, c, n in query]


def survey_versions(programme_id: int) -> list[str]:
    """Return the survey versions answered in the programme, as "standard v1"."""
    query = (
        AnsweredSurvey.select(AnsweredSurvey.survey, AnsweredSurvey.version)
        .join(Wave)
        .where(Wave.programme == programme_id)
        .distinct()
        .tuples()
    )
    return [f"{s} v{v}" for s, v in sorted(query)]
