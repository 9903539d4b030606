"""Changing a programme's plan: what a change would touch, and applying it to unsent invitations only.

Sent, answered, declined and expired invitations keep what they had: a change never rewrites what a
participant has already been told.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from peewee import Database

from followup.i18n import _l
from followup.models import Invitation, Participant, Programme, Wave, day_list
from followup.plan.programmes import DEFAULT_SURVEY, ProgrammeError
from followup.plan.scheduling import plan_missing


@dataclass(frozen=True)
class Plan:
    """What a coordinator can change: channels, reminder days, response window and added waves."""

    channel_policy: str
    reminder_days: tuple[int, ...]
    window_days: int
    offsets: tuple[int, ...]


def current_plan(programme: Programme) -> Plan:
    """Return the programme's plan as it is now."""
    waves = list(Wave.select().where(Wave.programme == programme).order_by(Wave.offset_months))
    return Plan(
        channel_policy=programme.channel_policy,
        reminder_days=tuple(day_list(programme.reminder_days)),
        # A programme is created with at least one wave and never loses one.
        window_days=max(w.window_days for w in waves),
        offsets=tuple(w.offset_months for w in waves),
    )


def check_plan(plan: Plan, before: Plan) -> None:
    """Raise ProgrammeError when `plan` cannot replace `before`."""
    if plan.channel_policy not in Programme.CHANNEL_POLICIES:
        raise ProgrammeError(str(_l("Choose how messages are sent.")))
    if plan.window_days < 1 or plan.window_days > 365:
        raise ProgrammeError(str(_l("The response window must be from 1 to 365 days.")))
    if any(d < 1 or d >= plan.window_days for d in plan.reminder_days) or list(plan.reminder_days) != sorted(
        set(plan.reminder_days)
    ):
        raise ProgrammeError(str(_l("Reminder days must increase and fall inside the response window.")))
    if not set(before.offsets) <= set(plan.offsets):
        raise ProgrammeError(str(_l("A wave cannot be removed once planned; add waves only.")))
    if any(o < 1 or o > 120 for o in plan.offsets):
        raise ProgrammeError(str(_l("Wave offsets must be whole months from 1 to 120.")))


def affected_invitations(programme: Programme, plan: Plan) -> int:
    """Count the invitations the change would touch: unsent ones, and new ones for added waves."""
    before = current_plan(programme)
    unsent = (
        Invitation.select()
        .join(Wave)
        .where((Wave.programme == programme) & (Invitation.state == Invitation.SCHEDULED))
        .count()
    )
    changed = (
        before.channel_policy != plan.channel_policy
        or before.reminder_days != plan.reminder_days
        or before.window_days != plan.window_days
    )
    added = len(set(plan.offsets) - set(before.offsets))
    people = Participant.select().where(Participant.programme == programme).count()
    return (unsent if changed else 0) + added * people


def apply_plan(
    db: Database, now: datetime, programme: Programme, plan: Plan, zone: ZoneInfo, hour: int
) -> dict:
    """Save the plan and re-plan unsent invitations; return what changed (before and after)."""
    before = current_plan(programme)
    check_plan(plan, before)
    with db.atomic():
        programme.channel_policy = plan.channel_policy
        programme.reminder_days = ",".join(map(str, plan.reminder_days))
        programme.save(only=[Programme.channel_policy, Programme.reminder_days])
        Wave.update(window_days=plan.window_days).where(Wave.programme == programme).execute()
        # Only invitations not yet sent get the new window: the sent ones keep the closing day they told.
        _move_expiry(programme, plan.window_days)
        for offset in sorted(set(plan.offsets) - set(before.offsets)):
            Wave.create(
                programme=programme, offset_months=offset, survey=DEFAULT_SURVEY, window_days=plan.window_days
            )
        if set(plan.offsets) - set(before.offsets):
            plan_missing(db, now, zone, hour)
    return {"before": before.__dict__, "after": plan.__dict__}


def _move_expiry(programme: Programme, window_days: int) -> None:
    # One UPDATE per due moment: an import brings few distinct exit dates, so few statements.
    waves = Wave.select(Wave.id).where(Wave.programme == programme)
    unsent = Invitation.wave.in_(waves) & (Invitation.state == Invitation.SCHEDULED)
    dues = [row[0] for row in Invitation.select(Invitation.due_at).where(unsent).distinct().tuples()]
    for due in dues:
        Invitation.update(expires_at=due + timedelta(days=window_days)).where(
            unsent & (Invitation.due_at == due)
        ).execute()
