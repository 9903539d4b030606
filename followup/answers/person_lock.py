"""One person's answers stored one at a time, whichever of their follow-ups they answer."""

from __future__ import annotations

from peewee import Database

from followup.models import Invitation, Participant


def lock_person_of(db: Database, invitation_id: int) -> None:
    """Hold the row of the person this invitation is for until the transaction ends.

    Two waves of one person answered at once would each miss the other's uncommitted answer, and
    neither would write their pair; a language changed meanwhile would miss this answer. Both wait
    here until the other is committed. SQLite writes one transaction at a time anyway.
    """
    if not db.for_update:
        return
    person = Invitation.select(Invitation.participant).where(Invitation.id == invitation_id)
    Participant.select(Participant.id).where(Participant.id == person).for_update().execute()
