"""A participant's way through a survey: drafts saved page by page, skipping a follow-up."""

from __future__ import annotations

import json
from datetime import datetime

from peewee import Database

from followup.models import Draft, Invitation, SurveyFingerprint
from followup.surveys import Survey, SurveyError


def load_draft(invitation_id: int) -> dict:
    """Return the answers saved so far for an invitation (empty when none)."""
    draft = Draft.get_or_none(Draft.invitation == invitation_id)
    return json.loads(draft.answers) if draft else {}


def save_draft(db: Database, invitation_id: int, answers: dict, now: datetime) -> None:
    """Keep the answers given so far, replacing the previous draft."""
    stored = json.dumps(answers, ensure_ascii=False, sort_keys=True)
    with db.atomic():
        (
            Draft.insert(invitation=invitation_id, answers=stored, updated_at=now)
            .on_conflict(
                conflict_target=[Draft.invitation], update={Draft.answers: stored, Draft.updated_at: now}
            )
            .execute()
        )


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
