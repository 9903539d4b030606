"""What staff see of a programme's follow-up: counts per wave and contacts to fix, never answers."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from peewee import JOIN, fn

from followup.models import Contact, Invitation, Message, Participant, Wave, window_open
from followup.plan.overview import contact_failed, unindexed


@dataclass
class WaveStatus:
    months: int
    scheduled: int = 0
    sent: int = 0
    delivered: int = 0
    failed: int = 0
    bounced: int = 0
    opted_out: int = 0
    answered: int = 0
    expired: int = 0


@dataclass
class ContactProblem:
    code: str
    channel: str
    problem: str
    since: datetime | None


def wave_status(programme_id: int) -> list[WaveStatus]:
    """Count each wave's invitations by what has happened to them."""
    rows: dict[int, WaveStatus] = {}
    delivered = Message.select(Message.invitation).where(Message.state == Message.DELIVERED)
    failed_only = Message.select(Message.invitation).where(Message.state == Message.FAILED)
    reached = Message.select(Message.invitation).where(Message.state.in_((Message.SENT, Message.DELIVERED)))
    query = (
        Invitation.select(
            Wave.offset_months,
            Invitation.state,
            Invitation.sent_at.is_null(False).alias("was_sent"),
            Invitation.id.in_(delivered).alias("delivered"),
            (Invitation.id.in_(failed_only) & Invitation.id.not_in(reached)).alias("failed"),
            (Contact.email_failed_at.is_null(False) | Contact.phone_failed_at.is_null(False)).alias(
                "bounced"
            ),
            (Participant.opted_out_at.is_null(False) | Participant.sms_opted_out_at.is_null(False)).alias(
                "opted"
            ),
        )
        .join(Wave)
        .switch(Invitation)
        .join(Participant)
        .join(Contact, JOIN.LEFT_OUTER)
        .where(Wave.programme == programme_id)
        .namedtuples()
    )
    for found in query:
        row = rows.setdefault(found.offset_months, WaveStatus(found.offset_months))
        row.scheduled += found.state == Invitation.SCHEDULED
        row.sent += bool(found.was_sent)
        row.delivered += bool(found.delivered)
        row.failed += bool(found.failed)
        row.bounced += bool(found.bounced)
        row.opted_out += bool(found.opted)
        row.answered += found.state == Invitation.ANSWERED
        row.expired += found.state == Invitation.EXPIRED
    return [rows[months] for months in sorted(rows)]


def contacts_to_fix(programme_id: int, now: datetime) -> list[ContactProblem]:
    """List participants with an open wave whose e-mail or phone does not work, by code only."""
    # From the few contacts marked not working (indexed) to their participants, not from every
    # invitation: a large programme has hundreds of thousands of invitations and a handful of bounces.
    open_wave = Invitation.select(Invitation.id).where(
        (Invitation.participant == Participant.id)
        & Invitation.state.in_(Invitation.OPEN_STATES)
        & window_open(Invitation.expires_at, now)
    )
    # Only the failure columns: the addresses and numbers themselves are not read at all.
    query = (
        Contact.select(
            Participant.code,
            Contact.email_failed_at,
            Contact.email_problem,
            Contact.phone_failed_at,
            Contact.phone_problem,
        )
        .join(Participant)
        .where(
            contact_failed()
            & (unindexed(Participant.programme) == programme_id)
            & Participant.opted_out_at.is_null()
            & fn.EXISTS(open_wave)
        )
        .order_by(Participant.code)
        .namedtuples()
    )
    problems = []
    for found in query:
        for channel, failed_at, problem in (
            ("email", found.email_failed_at, found.email_problem),
            ("sms", found.phone_failed_at, found.phone_problem),
        ):
            if failed_at:
                problems.append(ContactProblem(found.code, channel, problem or "", failed_at))
    return problems
