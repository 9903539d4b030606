"""The preview calendar: for an exit date, when each invitation and reminder would go out.

It asks the scheduler's own functions (due_at for the wave, the send window for quiet hours and
holidays), so the preview and the sending cannot disagree.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from followup.models import Programme, Wave, day_list
from followup.plan.scheduling import due_at
from followup.sending.quiet_hours import SendWindow


@dataclass(frozen=True)
class PlannedSend:
    months: int
    kind: str  # invitation or reminder
    sequence: int
    due: datetime  # when the plan says
    goes_out: datetime  # when the send window lets it go
    closes: datetime  # the end of the wave's response window


def preview(
    programme: Programme, exit_date: date, zone: ZoneInfo, hour: int, window: SendWindow | None
) -> list[PlannedSend]:
    """Return every message a participant leaving on `exit_date` would get, in order."""
    sends = []
    reminders = day_list(programme.reminder_days)
    for wave in Wave.select().where(Wave.programme == programme).order_by(Wave.offset_months):
        due = due_at(exit_date, wave.offset_months, zone, hour)
        closes = due + timedelta(days=wave.window_days)
        sent = window.next_open(due) if window else due
        sends.append(PlannedSend(wave.offset_months, "invitation", 0, due, sent, closes))
        for sequence, days in enumerate(reminders, start=1):
            reminder_due = sent + timedelta(days=days)
            goes_out = window.next_open(reminder_due) if window else reminder_due
            if goes_out < closes:
                sends.append(
                    PlannedSend(wave.offset_months, "reminder", sequence, reminder_due, goes_out, closes)
                )
    return sends
