"""Exactly once in practice: a worker killed mid-tick, and a worker that was down for a month."""

import asyncio
import os
import signal
import sqlite3
import subprocess
import sys
import time
from collections import Counter
from contextlib import closing
from datetime import date, timedelta
from pathlib import Path

from followup.models import Invitation, Message, Participant
from tests.factories import at, make_participants, make_programme, run_tick
from tests.smtp_server import Mailbox
from tests.test_processes import ROOT, followup, wait_for

PEOPLE = 60


class SlowMailbox(Mailbox):
    """A server that keeps each message, then takes `delay` seconds before it answers 250.

    A sender killed inside that pause leaves a message the server has but the database does not
    know was sent: the one duplicate a crash is allowed to cause.
    """

    def __init__(self, delay: float) -> None:
        super().__init__()
        self.delay = delay

    async def handle_DATA(self, server, session, envelope):
        reply = await super().handle_DATA(server, session, envelope)
        await asyncio.sleep(self.delay)
        return reply


def start_worker(env, log: Path) -> subprocess.Popen:
    with log.open("ab") as output:
        return subprocess.Popen(
            [sys.executable, "-m", "followup", "worker"],
            env=env,
            cwd=ROOT,
            stdout=output,
            stderr=subprocess.STDOUT,
        )


def stored_messages(database: Path) -> list[tuple[str, str | None, str]]:
    """Return (state, provider reference, address) of every message, read without writing."""
    with closing(sqlite3.connect(f"file:{database}?mode=ro", uri=True)) as connection:
        return connection.execute(
            "SELECT message.state, message.provider_ref, contact.email FROM message"
            " JOIN invitation ON invitation.id = message.invitation_id"
            " JOIN contact ON contact.participant_id = invitation.participant_id"
        ).fetchall()


def test_a_worker_killed_mid_tick_sends_everyone_once_and_at_most_one_twice(serve, tmp_path):
    mailbox = SlowMailbox(delay=0.04)
    port = serve(mailbox).port
    instance = tmp_path / "instance"
    env = {
        **os.environ,
        "FOLLOWUP_INSTANCE_PATH": str(instance),
        "FOLLOWUP_TICK_SECONDS": "1",
        "FOLLOWUP_EMAIL_TRANSPORT": "smtp",
        "FOLLOWUP_SMTP_HOST": "127.0.0.1",
        "FOLLOWUP_SMTP_PORT": str(port),
        "FOLLOWUP_SMTP_SECURITY": "none",
        # The processes run on the real clock: open the send window at every hour of every day.
        "FOLLOWUP_SEND_DAYS": "mon-sun",
        "FOLLOWUP_SEND_HOURS": "00:00-23:59:59",
        "FOLLOWUP_HOLIDAYS": "none",
    }
    env.pop("FOLLOWUP_DATABASE_URL", None)
    # The 6-month wave of every participant fell due about 17 days ago; its window is still open.
    exit_date = date.today() - timedelta(days=200)  # noqa: DTZ011 - the processes run on the real clock
    people = tmp_path / "people.csv"
    addresses = [f"crash{n:02d}@example.org" for n in range(PEOPLE)]
    people.write_text(
        "code,exit_date,email\n" + "".join(f"K{n:02d},{exit_date},{a}\n" for n, a in enumerate(addresses))
    )
    assert followup(env, "init").returncode == 0
    imported = followup(env, "participants", "import", str(people), "--programme", "Crash test")
    assert imported.returncode == 0, imported.stderr
    database = instance / "followup.sqlite3"
    log = tmp_path / "worker.log"

    worker = start_worker(env, log)
    try:
        assert wait_for(lambda: len(mailbox.received) >= PEOPLE // 3), log.read_text()
    finally:
        os.kill(worker.pid, signal.SIGKILL)
        worker.wait(timeout=10)
    at_kill = len(mailbox.received)
    assert at_kill < PEOPLE, "the worker finished before it could be killed"

    # Right after the kill: what the server accepted is recorded as sent, except at most the one
    # message that was in flight. It is still 'sending', and so is the one claimed ahead of it.
    messages = stored_messages(database)
    states = Counter(state for state, _, _ in messages)
    assert set(states) <= {"sent", "sending", "pending"} and states["sending"] <= 2
    in_flight = {address for state, _, address in messages if state == "sending"}
    recorded = {reference for state, reference, _ in messages if state == "sent"}
    accepted = {message.email()["Message-ID"] for message in mailbox.received}
    assert recorded <= accepted
    assert len(accepted - recorded) <= 1

    worker = start_worker(env, log)
    try:
        everyone = set(addresses)
        assert wait_for(lambda: {r for m in mailbox.received for r in m.rcpt_tos} == everyone, seconds=20), (
            log.read_text()
        )
        assert wait_for(lambda: {m[0] for m in stored_messages(database)} == {"sent"}), log.read_text()
        received_before = len(mailbox.received)
        time.sleep(2.5)  # further ticks must find nothing left to send
    finally:
        worker.terminate()
        worker.wait(timeout=10)

    assert len(mailbox.received) == received_before
    per_recipient = Counter(r for m in mailbox.received for r in m.rcpt_tos)
    assert set(per_recipient) == everyone
    twice = {address for address, count in per_recipient.items() if count > 1}
    # Only the one in flight at the kill may have arrived twice.
    assert twice <= in_flight and len(twice) <= 1 and max(per_recipient.values()) <= 2, per_recipient
    messages = stored_messages(database)
    assert len(messages) == PEOPLE and {state for state, _, _ in messages} == {"sent"}
    # Every message the server accepted is one the database knows it sent, but for the one lost in
    # the crash; the database records nothing that never arrived.
    recorded = {reference for _, reference, _ in messages}
    accepted = [message.email()["Message-ID"] for message in mailbox.received]
    assert recorded <= set(accepted) and len(accepted) - len(recorded) == len(twice)


def test_a_worker_down_for_a_month_sends_what_is_still_open_once_and_no_missed_reminders(
    app, db, clock, outbox
):
    clock.set(at(2026, 1, 1))
    programme = make_programme(db, clock.now())
    make_participants(
        db,
        clock.now(),
        programme,
        [
            # Invited on 20 January, before the worker goes down; reminders due 27 January and 3 February.
            "A1,2025-07-20,a1@example.org,,sv,G",
            # Falls due on 5 February, while the worker is down; its window is open until 6 April.
            "B1,2025-08-05,b1@example.org,,sv,G",
        ],
    )
    # A 21-day window: invited on 20 January, closed on 10 February, while the worker is down.
    short = make_programme(db, clock.now(), "Kort", window_days=21)
    make_participants(db, clock.now(), short, ["C1,2025-07-20,c1@example.org,,sv,G"])

    day = at(2026, 1, 15)
    while day <= at(2026, 1, 21):
        run_tick(app, db, day)
        day += timedelta(days=1)
    assert sorted(e["To"] for e in outbox.emails()) == ["a1@example.org", "c1@example.org"]

    # Down from 21 January to 20 February: the next ticks come 30 days later, then one a minute.
    restart = at(2026, 2, 20)
    reports = [run_tick(app, db, restart + timedelta(minutes=n)) for n in range(3)]
    assert [r.sent for r in reports] == [2, 0, 0]
    assert sent_by_code() == {"A1": [0, 2], "B1": [0], "C1": [0]}
    closed = Invitation.select().join(Participant).where(Participant.code == "C1").order_by(Invitation.due_at)
    assert closed.first().state == "expired"

    # Daily from then on until every window has closed: B1 gets its two reminders, nobody else anything.
    day = restart + timedelta(days=1)
    while day <= at(2026, 4, 10):
        run_tick(app, db, day)
        day += timedelta(days=1)
    assert sent_by_code() == {"A1": [0, 2], "B1": [0, 1, 2], "C1": [0]}
    assert Message.select().where(Message.state != "sent").count() == 0
    to = Counter(e["To"] for e in outbox.emails())
    assert to == {"a1@example.org": 2, "b1@example.org": 3, "c1@example.org": 1}


def sent_by_code() -> dict[str, list[int]]:
    """Return the sequence numbers (0 the invitation, 1 and 2 the reminders) sent to each participant."""
    rows = (
        Message.select(Participant.code, Message.sequence)
        .join(Invitation)
        .join(Participant)
        .where(Message.state == "sent")
        .order_by(Participant.code, Message.sequence)
        .tuples()
    )
    sent: dict[str, list[int]] = {}
    for code, sequence in rows:
        sent.setdefault(code, []).append(sequence)
    return sent
