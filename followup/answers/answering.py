"""A participant's way through a survey: drafts saved page by page, skipping a follow-up."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime

from peewee import Database

from followup.answers.surveys import Survey, SurveyError
from followup.models import Draft, Invitation, Participant, SurveyFingerprint, window_open


@dataclass
class Visit:
    """One participant's visit to the survey: what the session knows, and what the database says now."""

    invitation_id: int
    participant_id: int
    programme: str
    survey: str
    language: str
    state: str
    expires_at: datetime
    answers: dict


def visit_ticket(invitation: Invitation) -> dict:
    """Return what a session keeps about the invitation it was opened for (no personal data)."""
    participant = invitation.participant
    return {
        "invitation": invitation.id,
        "participant": participant.id,
        "programme": participant.programme.name,
        "survey": invitation.wave.survey,
        "own_lang": participant.language,
    }


# Every page view runs this; one fixed statement keeps it cheap.
_VISIT = (
    "SELECT i.state, i.expires_at, d.answers FROM invitation AS i "
    "LEFT JOIN draft AS d ON d.invitation_id = i.id WHERE i.id = {param}"
)


def load_visit(db: Database, ticket: dict) -> Visit | None:
    """Return the visit for a session's ticket with the invitation's state and saved answers."""
    row = db.execute_sql(_VISIT.format(param=db.param), (ticket["invitation"],)).fetchone()
    if row is None:
        return None
    state, expires_at, answers = row
    return Visit(
        ticket["invitation"],
        ticket["participant"],
        ticket["programme"],
        ticket["survey"],
        ticket["own_lang"],
        state,
        Invitation.expires_at.python_value(expires_at),
        json.loads(answers) if answers else {},
    )


def save_draft(db: Database, invitation_id: int, answers: dict, now: datetime) -> bool:
    """Keep the answers given so far, replacing the previous draft; False if the invitation closed."""
    stored = json.dumps(answers)
    with db.atomic():
        # Lock the invitation's row first, as closing it does: a save racing the final submit
        # either lands before it (and is deleted with it) or finds the invitation closed.
        still_open = (
            Invitation.update(state=Invitation.state)
            .where(
                (Invitation.id == invitation_id)
                & Invitation.state.in_(Invitation.OPEN_STATES)
                & window_open(Invitation.expires_at, now)
            )
            .execute()
        )
        if not still_open:
            return False
        (
            Draft.insert(invitation=invitation_id, answers=stored, updated_at=now)
            .on_conflict(
                conflict_target=[Draft.invitation], update={Draft.answers: stored, Draft.updated_at: now}
            )
            .execute()
        )
    return True


def delete_closed_drafts(now: datetime) -> int:
    """Delete drafts whose invitation is closed (answered, expired, skipped) or whose participant
    opted out: a draft may hold free text, and is kept only while it can still become an answer."""
    closed = (
        Invitation.select(Invitation.id)
        .join(Participant)
        .where(
            Invitation.state.not_in(Invitation.OPEN_STATES)
            | ~window_open(Invitation.expires_at, now)
            | Participant.opted_out_at.is_null(False)
        )
    )
    return Draft.delete().where(Draft.invitation.in_(closed)).execute()


def delete_drafts_of(participant_id: int) -> int:
    """Delete every draft of one participant (who has opted out)."""
    invitations = Invitation.select(Invitation.id).where(Invitation.participant == participant_id)
    return Draft.delete().where(Draft.invitation.in_(invitations)).execute()


def decline(db: Database, invitation_id: int, now: datetime) -> bool:
    """Skip this follow-up only: no more reminders for it; return False if it was no longer open."""
    with db.atomic():
        changed = (
            Invitation.update(state=Invitation.DECLINED, declined_at=now)
            .where((Invitation.id == invitation_id) & Invitation.state.in_(Invitation.OPEN_STATES))
            .execute()
        )
        Draft.delete().where(Draft.invitation == invitation_id).execute()
    return bool(changed)


def check_fingerprints(catalogue: dict[str, dict[int, Survey]]) -> None:
    """Refuse survey files that changed after answers were recorded against them."""
    for recorded in SurveyFingerprint.select():
        survey = catalogue.get(recorded.survey, {}).get(recorded.version)
        name = f"{recorded.survey}-v{recorded.version}.toml"
        if survey is None:
            raise SurveyError(f"{name}: the file is gone, but answers point at it; put it back")
        if survey.fingerprint != recorded.sha256:
            raise SurveyError(
                f"{name}: the file has changed since answers were recorded against it. Put the old "
                f"text back and make the change in a new version ({recorded.survey}-v"
                f"{max(catalogue[recorded.survey]) + 1}.toml)"
            )


def remember_fingerprint(survey: Survey) -> None:
    """Record the survey version's fingerprint the first time it is answered."""
    SurveyFingerprint.insert(
        survey=survey.id, version=survey.version, sha256=survey.fingerprint
    ).on_conflict_ignore().execute()
