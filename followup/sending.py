"""Sending what is due: claim messages in small batches, then send and record them one by one.

A batch is claimed in one transaction: its messages move from pending to sending, their rows are
read in one query, the unwanted ones are cancelled and a link token is issued for each of the
rest. Then each message is sent and recorded in its own transaction before the next one is
delivered (an e-mail's record is written while the server answers the next one's MAIL FROM), so a
sender that dies leaves at most one accepted message unrecorded. The rest of its batch is still
"sending" and goes back to the queue (`requeue_in_flight`, `requeue_stale`).
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from peewee import JOIN, Database

from followup import queueing, tokens
from followup.delivery import DeliveryError, PermanentFailure, RecipientOptedOut, Senders, TemporaryFailure
from followup.delivery.email import Email, build_email
from followup.models import Contact, Invitation, Message, Participant, Programme

if TYPE_CHECKING:
    from followup.dispatch import Composed, Composer, Settings, TickReport

log = logging.getLogger(__name__)

# At most this many messages are claimed together...
BATCH = 100
# ...and no more than a paced channel sends in this many seconds: a person who answers or opts
# out while their message waits in a claimed batch would otherwise still get it.
BATCH_SECONDS = 2

# The words of a message are rendered once per kind, channel, language, programme and last day
# with this in place of the token, which is put in afterwards.
_SLOT = "SLOT0FOR0THE0KEY0OF0THE0LINK0IN0THESE0WORDS"


def backoff(attempts: int) -> timedelta:
    """Return the wait before attempt number `attempts + 1`: 5, 15, 45 minutes, ... at most a day."""
    return min(timedelta(minutes=5 * 3 ** (attempts - 1)), timedelta(days=1))


def _sql(template: str) -> str:
    db = Message._meta.database
    opening, closing = db.quote
    return template.format(
        p=db.param,
        message=f"{opening}{Message._meta.table_name}{closing}",
        invitation=f"{opening}{Invitation._meta.table_name}{closing}",
    )


def claim(message_id: int, now: datetime) -> bool:
    """Take a pending message for sending; only one of several concurrent callers gets True."""
    # Written out rather than built by peewee for each message: building took longer than running.
    sql = _sql("UPDATE {message} SET state = {p}, claimed_at = {p} WHERE id = {p} AND state = {p}")
    params = (Message.SENDING, Message.claimed_at.db_value(now), message_id, Message.PENDING)
    return Message._meta.database.execute_sql(sql, params).rowcount == 1


def record_sent(message_id: int, invitation_id: int, reference: str, now: datetime) -> None:
    """Mark a message sent, and its invitation too if this was its first message."""
    db = Message._meta.database
    at = Message.sent_at.db_value(now)
    with db.atomic():
        db.execute_sql(
            _sql(
                "UPDATE {message} SET state = {p}, sent_at = {p}, provider_ref = {p}, error = NULL,"
                " attempts = attempts + 1 WHERE id = {p}"
            ),
            (Message.SENT, at, reference, message_id),
        )
        db.execute_sql(
            _sql("UPDATE {invitation} SET state = {p}, sent_at = {p} WHERE id = {p} AND state = {p}"),
            (Invitation.SENT, at, invitation_id, Invitation.SCHEDULED),
        )


def requeue_stale(now: datetime, older_than: timedelta) -> int:
    """Put back messages whose sender died mid-send, so none is forgotten."""
    return (
        Message.update(state=Message.PENDING, claimed_at=None)
        .where((Message.state == Message.SENDING) & (Message.claimed_at < now - older_than))
        .execute()
    )


def requeue_in_flight() -> int:
    """At worker start, put back every message left 'sending': its sender is gone."""
    return (
        Message.update(state=Message.PENDING, claimed_at=None)
        .where(Message.state == Message.SENDING)
        .execute()
    )


@dataclass(frozen=True)
class _Job:
    """One claimed message with what sending it needs."""

    id: int
    kind: str
    channel: str
    sequence: int
    attempts: int
    invitation_id: int
    expires_at: datetime
    participant_id: int
    language: str
    programme: str
    address: str
    token: str


class Sending:
    """The sending part of one tick."""

    def __init__(
        self, db: Database, clock, senders: Senders, compose: Composer, settings: Settings, report: TickReport
    ):
        self.db, self.clock, self.senders, self.compose = db, clock, senders, compose
        self.settings, self.report = settings, report
        self._words: dict[tuple, Composed] = {}
        self._prepared: dict[int, Email] = {}
        # The e-mail the server accepted last, recorded while the next one's MAIL FROM is answered.
        self._unrecorded: tuple[int, int, str, datetime] | None = None

    def send_pending(self) -> None:
        now = self.clock.now()
        pending = (
            Message.select(Message.id, Message.channel)
            .where(
                (Message.state == Message.PENDING)
                & (Message.next_attempt_at.is_null() | (Message.next_attempt_at <= now))
            )
            .order_by(Message.id)
            .tuples()
        )
        by_channel: dict[str, list[int]] = {"email": [], "sms": []}
        for message_id, channel in pending:
            by_channel[channel].append(message_id)
        for channel, ids in by_channel.items():
            if not ids:
                continue
            size = self._batch_size(channel)
            try:
                with getattr(self.senders, channel).batch():
                    for start in range(0, len(ids), size):
                        jobs = self._take(ids[start : start + size])
                        for index, job in enumerate(jobs, start=1):
                            self._deliver(job, jobs[index] if index < len(jobs) else None)
            finally:
                self._record_unrecorded()

    def _batch_size(self, channel: str) -> int:
        per_second = getattr(self.settings, f"{channel}_per_second")
        if per_second <= 0:
            return BATCH
        return max(1, min(BATCH, int(per_second * BATCH_SECONDS)))

    def _take(self, ids: list[int]) -> list[_Job]:
        """Claim these messages; cancel those no longer wanted; return the rest, each with a token."""
        now = self.clock.now()
        with self.db.atomic():
            claimed = [message_id for message_id in ids if claim(message_id, now)]
            if not claimed:
                return []
            rows = (
                Message.select(
                    Message.id,
                    Message.kind,
                    Message.channel,
                    Message.sequence,
                    Message.attempts,
                    Invitation.id,
                    Invitation.state,
                    Invitation.expires_at,
                    Participant.id,
                    Participant.language,
                    Participant.opted_out_at,
                    Participant.sms_opted_out_at,
                    Programme.name,
                    Contact.email,
                    Contact.phone,
                )
                .join(Invitation)
                .join(Participant)
                .join(Programme)
                .switch(Participant)
                .join(Contact, JOIN.LEFT_OUTER, on=(Contact.participant == Participant.id))
                .where(Message.id.in_(claimed))
                .order_by(Message.id)
                .tuples()
            )
            jobs = []
            for row in rows:
                (message_id, kind, channel, sequence, attempts, invitation_id, state, expires_at) = row[:8]
                (participant_id, language, opted_out_at, sms_opted_out_at, programme, email, phone) = row[8:]
                unwanted = (
                    opted_out_at is not None
                    or (channel == "sms" and sms_opted_out_at is not None)
                    or state not in Invitation.OPEN_STATES
                    or expires_at <= now
                    or (sequence and state != Invitation.SENT)
                )
                address = email if channel == "email" else phone
                if unwanted or not address:
                    self._record(message_id, Message.CANCELLED, error=None if unwanted else "no address")
                    self.report.cancelled += 1
                    continue
                jobs.append(
                    _Job(
                        message_id, kind, channel, sequence, attempts, invitation_id, expires_at,
                        participant_id, language, programme, address, token="",
                    )
                )  # fmt: skip
            issued = tokens.issue_many(self.db, [job.invitation_id for job in jobs], now)
        return [replace(job, token=token) for job, token in zip(jobs, issued, strict=True)]

    def _deliver(self, job: _Job, following: _Job | None = None) -> None:
        now = self.clock.now()
        try:
            try:
                reference = self._hand_over(job, following, now)
            finally:
                self._record_unrecorded()
        except RecipientOptedOut as exc:
            with self.db.atomic():
                Participant.update(sms_opted_out_at=now).where(Participant.id == job.participant_id).execute()
                self._record(job.id, Message.FAILED, error=str(exc), attempts=job.attempts + 1)
            self.report.failed += 1
        except PermanentFailure as exc:
            self._fail_address(job, now, str(exc))
        except (TemporaryFailure, DeliveryError, OSError) as exc:
            self._retry_later(job, now, str(exc) or type(exc).__name__)
        else:
            if job.channel == "email":
                self._unrecorded = (job.id, job.invitation_id, reference, now)
            else:
                record_sent(job.id, job.invitation_id, reference, now)
            self.report.sent += 1

    def _recording(self) -> Iterator[None]:
        # One step, the whole record: a transaction must never stay open while the server is
        # awaited, as on SQLite it would hold up every other writer (the web pages, too).
        if self._unrecorded:
            values, self._unrecorded = self._unrecorded, None
            record_sent(*values)
            yield

    def _record_unrecorded(self) -> None:
        for _ in self._recording():
            pass

    def _words_for(self, job: _Job) -> Composed:
        last_day = (job.expires_at - timedelta(seconds=1)).astimezone(self.settings.zone).date()
        key = (job.kind, job.channel, job.language, job.programme, last_day)
        words = self._words.get(key)
        if words is None:
            base = self.settings.base_url
            words = self._words[key] = self.compose(
                job.kind,
                job.channel,
                job.language,
                f"{base}/s/{_SLOT}",
                f"{base}/u/{_SLOT}",
                job.programme,
                last_day,
            )
        return replace(
            words,
            text=words.text.replace(_SLOT, job.token),
            subject=words.subject.replace(_SLOT, job.token),
            html=words.html.replace(_SLOT, job.token),
        )

    def _email_for(self, job: _Job, now: datetime) -> Email:
        words = self._words_for(job)
        return build_email(
            sender=self.settings.mail_from,
            to=job.address,
            subject=words.subject,
            text=words.text,
            html=words.html,
            now=now,
            headers={
                "List-Unsubscribe": f"<{self.settings.base_url}/u/{job.token}>",
                "List-Unsubscribe-Post": "List-Unsubscribe=One-Click",
            },
        )

    def _prepare(self, job: _Job) -> None:
        try:
            self._prepared[job.id] = self._email_for(job, self.clock.now())
        except Exception:  # noqa: BLE001, S110 - it fails again in its own turn, and is handled there
            pass

    def _hand_over(self, job: _Job, following: _Job | None, now: datetime) -> str:
        if job.channel == "sms":
            self.settings.pacers["sms"].wait()
            return self.senders.sms.send(
                job.address, self._words_for(job).text, self.settings.status_callback
            )
        email = self._prepared.pop(job.id, None) or self._email_for(job, now)
        # Paced right before the hand-over, so the work of preparing a message is not in the gap.
        pacer = self.settings.pacers["email"]
        if pacer.interval:
            self._record_unrecorded()  # not left waiting through the pause
        pacer.wait()
        # The previous e-mail is recorded while the server answers this one's MAIL FROM, and the
        # next one is built while it reads this one: at most one e-mail the server accepted is ever
        # unrecorded, and the waits are not wasted.
        recording = self._recording()
        try:
            return self.senders.email.send(
                email,
                before=recording,
                during=(lambda: self._prepare(following)) if following else None,
            )
        finally:
            for _ in recording:
                pass

    def _fail_address(self, job: _Job, now: datetime, problem: str) -> None:
        failed_at, problem_field = (
            (Contact.email_failed_at, Contact.email_problem)
            if job.channel == "email"
            else (Contact.phone_failed_at, Contact.phone_problem)
        )
        with self.db.atomic():
            Contact.update({failed_at: now, problem_field: problem}).where(
                Contact.participant == job.participant_id
            ).execute()
            self._record(job.id, Message.FAILED, error=problem, attempts=job.attempts + 1)
            participant = Participant.get_by_id(job.participant_id)
            policy = participant.programme.channel_policy
            if job.channel == "email" and policy == Programme.EMAIL_THEN_SMS:
                contact = Contact.get_or_none(Contact.participant == job.participant_id)
                if queueing.usable_channels(policy, contact, participant) == ["sms"]:
                    queueing.insert_messages(
                        self.db, [queueing.message_row(job.invitation_id, job.sequence, "sms", now)]
                    )
        log.info("message %s: address does not work (%s)", job.id, problem)
        self.report.failed += 1

    def _retry_later(self, job: _Job, now: datetime, problem: str) -> None:
        attempts = job.attempts + 1
        if attempts >= self.settings.max_attempts:
            self._record(job.id, Message.FAILED, error=problem, attempts=attempts)
            self.report.failed += 1
            return
        Message.update(
            state=Message.PENDING,
            claimed_at=None,
            attempts=attempts,
            next_attempt_at=now + backoff(attempts),
            error=problem,
        ).where(Message.id == job.id).execute()
        log.info("message %s: temporary failure, attempt %d (%s)", job.id, attempts, problem)
        self.report.retried += 1

    @staticmethod
    def _record(message_id: int, state: str, error: str | None, attempts: int | None = None) -> None:
        changes = {
            Message.state: state,
            Message.sent_at: None,
            Message.provider_ref: None,
            Message.error: error,
        }
        if attempts is not None:
            changes[Message.attempts] = attempts
        Message.update(changes).where(Message.id == message_id).execute()
