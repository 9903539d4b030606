"""One scheduler pass: expire, plan, queue, and send what is due, each message at most once."""

from __future__ import annotations

from datetime import datetime, timedelta

from peewee import Database

from followup.answers.answering import delete_closed_drafts
from followup.models import Contact, Invitation, Participant, window_open
from followup.plan import scheduling
from followup.sending.delivery import Senders
from followup.sending.queueing import insert_messages, invitation_messages, reminder_messages
from followup.sending.sender import Composer, Sending, Settings, TickReport, requeue_stale


def delete_unneeded_contacts(now: datetime, retention_days: int) -> int:
    """Delete contact details of participants no open wave needs (opted out, or all waves done)."""
    cutoff = now - timedelta(days=retention_days)
    still_needed = (
        Invitation.select(Invitation.participant)
        .join(Participant)
        .where(
            Invitation.state.in_(Invitation.OPEN_STATES)
            & window_open(Invitation.expires_at, cutoff)
            & Participant.opted_out_at.is_null()
        )
    )
    return Contact.delete().where(Contact.participant.not_in(still_needed)).execute()


def tick(
    db: Database,
    clock,
    senders: Senders,
    compose: Composer,
    settings: Settings,
    dry_run: bool = False,
) -> TickReport:
    """Run one scheduler pass as of `clock.now()`; with `dry_run`, only report what would be sent."""
    now = clock.now()
    if dry_run:
        return _dry_run(db, now, settings)
    report = TickReport()
    sending = Sending(db, clock, senders, compose, settings, report)
    with db.atomic():
        report.expired = scheduling.expire_closed(now)
        # In the same transaction: a draft never outlives its invitation's window.
        delete_closed_drafts(now)
    report.planned = scheduling.plan_missing(db, now, settings.zone, settings.send_hour)
    with db.atomic():
        requeue_stale(now, settings.stale_claim)
    rows = invitation_messages(now) + reminder_messages(now)
    insert_messages(db, rows)
    report.queued = len(rows)
    if settings.window is None or settings.window.is_open(now):
        sending.send_pending()
    else:
        report.window_closed = True
    with db.atomic():
        report.contacts_deleted = delete_unneeded_contacts(now, settings.contact_retention_days)
    return report


def _dry_run(db: Database, now: datetime, settings: Settings) -> TickReport:
    # Plan as a real pass would, list what would be queued, and leave the database as it was.
    # Expiring is left out: what has closed is never queued, whatever its state says.
    report = TickReport(window_closed=bool(settings.window and not settings.window.is_open(now)))
    with db.atomic() as transaction:
        scheduling.plan_missing(db, now, settings.zone, settings.send_hour)
        rows = invitation_messages(now) + reminder_messages(now)
        for row in rows:
            invitation = Invitation.get_by_id(row["invitation"])
            report.would_send.append(
                (invitation.participant.code, invitation.wave.offset_months, row["kind"], row["channel"])
            )
        transaction.rollback()
    return report
