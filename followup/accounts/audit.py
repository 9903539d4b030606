"""The audit log: every staff action, who and when, on which programme and participant code.

Append-only through the application: there is no function that changes or deletes an event.
Contact details and answers never go in: `record` refuses details named like them.
"""

from __future__ import annotations

import csv
import json
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import TextIO
from zoneinfo import ZoneInfo

from peewee import JOIN, Database

from followup.cells import neutralise
from followup.models import AuditEvent, Programme, User

# Details whose names say they hold what must never be logged.
FORBIDDEN_DETAILS = {"email", "phone", "answer", "answers", "password", "token", "code_hash"}
PAGE_SIZE = 100


def record(
    db: Database,
    now: datetime,
    action: str,
    user: User | None = None,
    programme: Programme | int | None = None,
    participant_code: str | None = None,
    **details: object,
) -> AuditEvent:
    """Append one event to the audit log."""
    refused = FORBIDDEN_DETAILS & set(details)
    if refused:
        raise ValueError(f"the audit log keeps no {', '.join(sorted(refused))}")
    with db.atomic():
        return AuditEvent.create(
            at=now,
            user=user,
            action=action,
            programme=programme,
            participant_code=participant_code,
            details=json.dumps(details, ensure_ascii=False, sort_keys=True, default=str),
        )


@dataclass(frozen=True)
class AuditFilter:
    """Which events to show: the programmes the viewer may see (None: all), and the chosen filters."""

    programme_ids: frozenset[int] | None = None
    user_id: int | None = None
    action: str | None = None
    since: date | None = None
    until: date | None = None


def _query(wanted: AuditFilter, zone: ZoneInfo):
    query = (
        AuditEvent.select(AuditEvent, User, Programme)
        .join(User, JOIN.LEFT_OUTER)
        .switch(AuditEvent)
        .join(Programme, JOIN.LEFT_OUTER)
    )
    if wanted.programme_ids is not None:
        query = query.where(AuditEvent.programme.in_(wanted.programme_ids or {0}))
    if wanted.user_id:
        query = query.where(AuditEvent.user == wanted.user_id)
    if wanted.action:
        query = query.where(AuditEvent.action == wanted.action)
    if wanted.since:
        query = query.where(AuditEvent.at >= datetime.combine(wanted.since, datetime.min.time(), zone))
    if wanted.until:
        end = datetime.combine(wanted.until + timedelta(days=1), datetime.min.time(), zone)
        query = query.where(AuditEvent.at < end)
    return query


def events(wanted: AuditFilter, zone: ZoneInfo, before: int | None = None, limit: int = PAGE_SIZE):
    """Return up to `limit` events, newest first, older than the event id `before` (keyset paging)."""
    query = _query(wanted, zone)
    if before:
        query = query.where(AuditEvent.id < before)
    return list(query.order_by(AuditEvent.id.desc()).limit(limit))


def actions() -> list[str]:
    """Return the actions that occur in the log, for the filter."""
    return [e.action for e in AuditEvent.select(AuditEvent.action).distinct().order_by(AuditEvent.action)]


COLUMNS = ("time", "user", "action", "programme", "participant_code", "details")


def write_csv(rows: Iterable[AuditEvent], stream: TextIO, zone: ZoneInfo) -> None:
    """Write events as CSV, every cell safe to open in a spreadsheet."""
    writer = csv.writer(stream)
    writer.writerow(COLUMNS)
    for event in rows:
        writer.writerow(
            [
                neutralise(value)
                for value in (
                    event.at.astimezone(zone).isoformat(timespec="seconds"),
                    event.user.display_name if event.user_id else "",
                    event.action,
                    event.programme.name if event.programme_id else "",
                    event.participant_code or "",
                    event.details,
                )
            ]
        )


def all_events(wanted: AuditFilter, zone: ZoneInfo):
    """Return every event that `wanted` selects, newest first, streamed from the database."""
    return _query(wanted, zone).order_by(AuditEvent.id.desc()).iterator()
