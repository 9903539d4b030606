"""Sending what is due: claim each message, send it, record it, one message after another.

A message is claimed in one transaction: it moves from pending to sending, its row is read, it is
cancelled if no longer wanted, and a link token is issued. A message is recorded as sent before
the next one is delivered, so a sender that dies leaves at most one accepted message unrecorded.
E-mail does its database work while the server answers, so those waits are not wasted: the
previous e-mail's record while the server answers MAIL FROM, the next message's claim right
after (during RCPT TO, or MAIL FROM when there is nothing to record), and the next e-mail is
built while the server reads the current one. At most one message is claimed ahead; what a dead
sender had claimed is still "sending" and goes back to the queue (`requeue_in_flight`,
`requeue_stale`).
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field, replace
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from peewee import JOIN, Database

from followup.answers import tokens
from followup.db import statement
from followup.models import Contact, Invitation, Message, Participant, Programme, Token, window_open
from followup.sending.delivery import Senders
from followup.sending.delivery.email import Email, build_email, list_id, with_display_name
from followup.sending.delivery.pacing import Pacer
from followup.sending.delivery.transport import (
    DeliveryError,
    PermanentFailure,
    RecipientOptedOut,
    TemporaryFailure,
)
from followup.sending.queueing import insert_messages, message_row, sms_works
from followup.sending.quiet_hours import SendWindow

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Composed:
    """The words of one message: subject and HTML are empty for SMS."""

    text: str
    subject: str = ""
    html: str = ""
    sender_name: str = ""  # an e-mail's From display name; empty: that of the configured sender


# compose(kind, channel, language, link, opt-out link, programme name, last day to answer, programme id,
# base URL)
Composer = Callable[[str, str, str, str, str, str, date, int, str], Composed]


@dataclass
class Settings:
    zone: ZoneInfo
    send_hour: int
    base_url: str
    mail_from: str
    contact_retention_days: int = 0
    window: SendWindow | None = None
    email_per_second: float = 0.0
    sms_per_second: float = 1.0
    status_callback: str | None = None
    max_attempts: int = 6
    # A message claimed longer ago than this was in flight when its sender died: queue it again.
    stale_claim: timedelta = timedelta(minutes=10)
    # One pacer per channel for the life of these settings, so pacing holds across ticks too.
    pacers: dict[str, Pacer] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self.pacers.setdefault("email", Pacer(self.email_per_second))
        self.pacers.setdefault("sms", Pacer(self.sms_per_second))


@dataclass
class TickReport:
    expired: int = 0
    planned: int = 0
    queued: int = 0
    sent: int = 0
    failed: int = 0
    retried: int = 0
    cancelled: int = 0
    contacts_deleted: int = 0
    window_closed: bool = False
    would_send: list[tuple[str, int, str, str]] = field(default_factory=list)


# The words of a message are rendered once per kind, channel, language, programme and last day
# with this in place of the token, which is put in afterwards.
_SLOT = "SLOT0FOR0THE0KEY0OF0THE0LINK0IN0THESE0WORDS"
_OPTOUT_SLOT = "SLOT0FOR0THE0KEY0OF0THE0OPTOUT0LINK0IN0THESE0WORDS"


def backoff(attempts: int) -> timedelta:
    """Return the wait before attempt number `attempts + 1`: 5, 15, 45 minutes, ... at most a day."""
    return min(timedelta(minutes=5 * 3 ** (attempts - 1)), timedelta(days=1))


def _sql(template: str) -> str:
    return statement(Message._meta.database, template, message=Message, invitation=Invitation)


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
        Message.update(state=Message.PENDING)
        .where((Message.state == Message.SENDING) & (Message.claimed_at < now - older_than))
        .execute()
    )


def requeue_in_flight() -> int:
    """At worker start, put back every message left 'sending': its sender is gone."""
    return Message.update(state=Message.PENDING).where(Message.state == Message.SENDING).execute()


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
    programme_id: int
    address: str
    token: str
    optout_token: str = ""


def _job_sql() -> str:
    """Return the SQL that reads what sending one message needs, its id the only parameter."""
    query = (
        Message.select(
            Message.kind,
            Message.channel,
            Message.sequence,
            Message.attempts,
            Invitation.id.alias("invitation_id"),
            Invitation.state,
            Invitation.expires_at,
            Participant.id.alias("participant_id"),
            Participant.language,
            Participant.opted_out_at,
            Participant.sms_opted_out_at,
            Programme.name.alias("programme"),
            Programme.id.alias("programme_id"),
            Contact.email,
            Contact.phone,
        )
        .join(Invitation)
        .join(Participant)
        .join(Programme)
        .switch(Participant)
        .join(Contact, JOIN.LEFT_OUTER)
        .where(Message.id == 0)
    )
    # Built once and run for each message: peewee takes longer to build it than the database to run it.
    return query.sql()[0]


def _filled(words: str, job: _Job) -> str:
    return words.replace(_OPTOUT_SLOT, job.optout_token).replace(_SLOT, job.token)


class Sending:
    """The sending part of one tick."""

    def __init__(
        self, db: Database, clock, senders: Senders, compose: Composer, settings: Settings, report: TickReport
    ):
        self.db, self.clock, self.senders, self.compose = db, clock, senders, compose
        self.settings, self.report = settings, report
        self._words: dict[tuple, Composed] = {}
        self._job_query = _job_sql()
        # The next e-mail, claimed and built while the server answered the one before.
        self._ahead: tuple[_Job, Email | None] | None = None
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
            queue = iter(ids)
            try:
                with getattr(self.senders, channel).batch():
                    job, email = self._next(queue), None
                    while job:
                        self._deliver(job, email, queue)
                        (job, email), self._ahead = self._ahead or (self._next(queue), None), None
            finally:
                self._record_unrecorded()

    def _next(self, queue: Iterator[int]) -> _Job | None:
        """Claim the next message of `queue` that is still wanted; None when there is none."""
        for message_id in queue:
            job = self._take(message_id)
            if job:
                return job
        return None

    def _take(self, message_id: int) -> _Job | None:
        """Claim this message and issue its link token; cancel it and return None if unwanted."""
        now = self.clock.now()
        with self.db.atomic():
            if not claim(message_id, now):
                return None
            cursor = self.db.execute_sql(self._job_query, (message_id,))
            # By the names the query gives its columns, so a reordered query cannot mix them up.
            row = dict(zip((column[0] for column in cursor.description), cursor.fetchone(), strict=True))
            expires_at = Invitation.expires_at.python_value(row["expires_at"])
            channel, sequence, state = row["channel"], row["sequence"], row["state"]
            unwanted = (
                row["opted_out_at"] is not None
                or (channel == "sms" and row["sms_opted_out_at"] is not None)
                or state not in Invitation.OPEN_STATES
                or not window_open(expires_at, now)
            )
            address = row["email"] if channel == "email" else row["phone"]
            if unwanted or not address:
                self._record(message_id, Message.CANCELLED, error=None if unwanted else "no address")
                self.report.cancelled += 1
                return None
            token = tokens.issue(self.db, row["invitation_id"], now)
            # An e-mail's opt-out link (and List-Unsubscribe) has a token that can do nothing else.
            optout = (
                tokens.issue(self.db, row["invitation_id"], now, Token.OPTOUT) if channel == "email" else ""
            )
        return _Job(
            id=message_id,
            kind=row["kind"],
            channel=channel,
            sequence=sequence,
            attempts=row["attempts"],
            invitation_id=row["invitation_id"],
            expires_at=expires_at,
            participant_id=row["participant_id"],
            language=row["language"],
            programme=row["programme"],
            programme_id=row["programme_id"],
            address=address,
            token=token,
            optout_token=optout,
        )

    def _deliver(self, job: _Job, email: Email | None, queue: Iterator[int]) -> None:
        now = self.clock.now()
        try:
            try:
                reference = self._hand_over(job, email, queue, now)
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
        key = (job.kind, job.channel, job.language, job.programme_id, job.programme, last_day)
        words = self._words.get(key)
        if words is None:
            base = self.settings.base_url
            words = self._words[key] = self.compose(
                job.kind,
                job.channel,
                job.language,
                f"{base}/s/{_SLOT}",
                f"{base}/u/{_OPTOUT_SLOT}",
                job.programme,
                last_day,
                job.programme_id,
                base,
            )
        # A subject names the programme and holds no link.
        return replace(words, text=_filled(words.text, job), html=_filled(words.html, job))

    def _email_for(self, job: _Job, now: datetime) -> Email:
        words = self._words_for(job)
        return build_email(
            sender=with_display_name(self.settings.mail_from, words.sender_name),
            to=job.address,
            subject=words.subject,
            text=words.text,
            html=words.html,
            now=now,
            headers={
                "List-Id": list_id(job.programme, self.settings.base_url),
                "List-Unsubscribe": f"<{self.settings.base_url}/u/{job.optout_token}>",
                "List-Unsubscribe-Post": "List-Unsubscribe=One-Click",
            },
        )

    def _claim_ahead(self, queue: Iterator[int]) -> None:
        """Claim the next message (run while the server answers a command, before the content)."""
        job = self._next(queue)
        if job:
            self._ahead = (job, None)

    def _build_ahead(self) -> None:
        """Build the next e-mail (run while the server reads the current one)."""
        if self._ahead:
            job = self._ahead[0]
            try:
                self._ahead = (job, self._email_for(job, self.clock.now()))
            except Exception:  # noqa: BLE001, S110 - built again in its own turn, which handles the error
                pass

    def _hand_over(self, job: _Job, email: Email | None, queue: Iterator[int], now: datetime) -> str:
        if job.channel == "sms":
            self.settings.pacers["sms"].wait()
            return self.senders.sms.send(
                job.address, self._words_for(job).text, self.settings.status_callback
            )
        email = email or self._email_for(job, now)
        # Paced right before the hand-over, so the work of preparing a message is not in the gap.
        pacer = self.settings.pacers["email"]
        if pacer.interval:
            self._record_unrecorded()  # not left waiting through the pause
        pacer.wait()
        # While the server answers the commands, the previous e-mail is recorded and then the next
        # message claimed; while it reads this one, the next one is built. At most one e-mail the
        # server accepted is ever unrecorded, and the waits are not wasted.
        # The sender runs every step, whatever happens (EmailSender.send).
        return self.senders.email.send(email, before=self._steps(queue), during=self._build_ahead)

    def _steps(self, queue: Iterator[int]) -> Iterator[None]:
        # A database error here ends the tick before this e-mail's content goes, as one in the
        # record does: what is claimed stays "sending" and is queued again (requeue_stale).
        yield from self._recording()
        self._claim_ahead(queue)
        yield

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
            # The e-mail address has just failed, so under email_then_sms the message goes by SMS if one can.
            handover = (
                job.channel == "email" and participant.programme.channel_policy == Programme.EMAIL_THEN_SMS
            )
            if handover and sms_works(Contact.get(Contact.participant == job.participant_id), participant):
                insert_messages(self.db, [message_row(job.invitation_id, job.sequence, "sms", now)])
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
