"""Storing a participant's answers: once, whole, and only while the window is open."""

from __future__ import annotations

import json
from datetime import datetime

from peewee import Database, IntegrityError

from followup.answers.answering import remember_fingerprint
from followup.answers.person_lock import lock_person_of
from followup.answers.quotes import queue_quote
from followup.answers.surveys import Survey
from followup.answers.tokens import AlreadyAnswered, ExpiredToken
from followup.models import (
    AnsweredSurvey,
    AnswerPair,
    Draft,
    Invitation,
    Outcome,
    Participant,
    Response,
    Wave,
    window_open,
)

WHO5_ITEMS = tuple(f"who5_{n}" for n in range(1, 6))
COUNTED_CHOICES = ("main_activity", "social_assistance", "next_step_start", "programme_helped")
PAIR_FIELDS = (
    AnswerPair.earlier,
    AnswerPair.later,
    AnswerPair.first_wave,
    AnswerPair.second_wave,
    AnswerPair.cohort,
    AnswerPair.change,
)


def record_response(
    db: Database, invitation_id: int, survey: Survey, answers: dict, now: datetime
) -> Response:
    """Validate and store the answers to one invitation in one transaction; raise if it is closed."""
    cleaned = survey.clean(answers)
    try:
        with db.atomic():
            closed = (
                Invitation.update(state=Invitation.ANSWERED, answered_at=now)
                .where(
                    (Invitation.id == invitation_id)
                    & Invitation.state.in_(Invitation.OPEN_STATES)
                    & window_open(Invitation.expires_at, now)
                )
                .execute()
            )
            if not closed:
                raise _why_closed(invitation_id)
            Draft.delete().where(Draft.invitation == invitation_id).execute()
            remember_fingerprint(survey)
            AnsweredSurvey.insert(
                wave=Invitation.select(Invitation.wave).where(Invitation.id == invitation_id),
                survey=survey.id,
                version=survey.version,
            ).on_conflict_ignore().execute()
            _store_outcome(db, invitation_id, cleaned)
            response = Response.create(
                invitation=invitation_id,
                survey=survey.id,
                survey_version=survey.version,
                submitted_at=now,
                answers=json.dumps(cleaned, ensure_ascii=False, sort_keys=True),
            )
            queue_quote(response, cleaned)
            return response
    except IntegrityError:
        raise AlreadyAnswered() from None


def countable(answers: dict) -> dict:
    """Return the answers that reports count, typed: the chosen options and the WHO-5 index (0-100)."""
    values = {
        name: answers.get(name) if isinstance(answers.get(name), str) else None for name in COUNTED_CHOICES
    }
    items = [answers.get(item) for item in WHO5_ITEMS]
    complete = all(isinstance(v, int) and not isinstance(v, bool) and 0 <= v <= 5 for v in items)
    values["who5"] = 4 * sum(items) if complete else None
    return values


def _store_outcome(db: Database, invitation_id: int, answers: dict) -> None:
    lock_person_of(db, invitation_id)
    # The outcome row carries what the results group an answer by (see models.Outcome).
    wave, months, person, cohort, exit_activity, exit_assistance, language = (
        Invitation.select(
            Invitation.wave,
            Wave.offset_months,
            Invitation.participant,
            Participant.cohort,
            Participant.exit_activity,
            Participant.exit_social_assistance,
            Participant.language,
        )
        .join(Participant)
        .switch(Invitation)
        .join(Wave)
        .where(Invitation.id == invitation_id)
        .tuples()
        .get()
    )
    values = countable(answers)
    outcome = Outcome.create(
        invitation=invitation_id,
        **values,
        wave=wave,
        cohort=cohort,
        exit_activity=exit_activity,
        exit_social_assistance=exit_assistance,
        language=language,
    )
    # One pair with each answer the person gave in another wave, the earlier wave first, whichever
    # of the two came first (a late answer to an earlier wave may arrive after a later wave's).
    others = (
        Outcome.select(Wave.offset_months, Outcome.id, Outcome.wave, Outcome.who5)
        .join(Wave)
        .switch(Outcome)
        .join(Invitation)
        .where((Invitation.participant == person) & (Outcome.id != outcome.id))
        .tuples()
    )
    rows = []
    for other in others:
        (_, earlier, first, before), (_, later, second, after) = sorted(
            [tuple(other), (months, outcome.id, wave, values["who5"])]
        )
        change = None if before is None or after is None else after - before
        rows.append((earlier, later, first, second, cohort, change))
    if rows:
        AnswerPair.insert_many(rows, fields=PAIR_FIELDS).execute()


def _why_closed(invitation_id: int) -> Exception:
    state = Invitation.select(Invitation.state).where(Invitation.id == invitation_id).scalar()
    return AlreadyAnswered() if state == Invitation.ANSWERED else ExpiredToken()
