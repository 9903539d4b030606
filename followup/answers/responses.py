"""Storing a participant's answers: once, whole, and only while the window is open."""

from __future__ import annotations

import json
from datetime import datetime

from peewee import Database, IntegrityError

from followup.answers.answering import remember_fingerprint
from followup.answers.surveys import Survey
from followup.answers.tokens import AlreadyAnswered, ExpiredToken
from followup.models import Draft, Invitation, Response, window_open


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
            return Response.create(
                invitation=invitation_id,
                survey=survey.id,
                survey_version=survey.version,
                submitted_at=now,
                answers=json.dumps(cleaned, ensure_ascii=False, sort_keys=True),
            )
    except IntegrityError:
        raise AlreadyAnswered() from None


def _why_closed(invitation_id: int) -> Exception:
    state = Invitation.select(Invitation.state).where(Invitation.id == invitation_id).scalar()
    return AlreadyAnswered() if state == Invitation.ANSWERED else ExpiredToken()
