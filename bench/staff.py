"""Benchmark: the staff workspace's status page and participant list at 100,000 participants.

A programme with N participants (default 100,000) x 3 waves is imported with the real import (exits
August to October 2025, the clock at 2 March 2026); the 6-month invitations that fell due are marked
sent with one e-mail each (nine in ten delivered), every fifth participant's answered; every 97th
e-mail bounced and every 53rd participant opted out. A signed-in coordinator asks, through the app
(Flask's test client, no network), for:

- the status page;
- the first page of the participant list;
- a filtered page (cohort, 6-month wave, state sent) further down the list (keyset paging).

Each is asked `--rounds` times; the median and the slowest time are printed with the median CPU time
of this process (on SQLite the database works inside it, so on a machine shared with other work this
is close to what the page takes on an idle one; PostgreSQL works in its own processes) and the number
of SQL statements the page ran. Target (issue 10): median under 200 ms, and the same number of statements
whatever N is.

    .venv/bin/python -m bench staff [--participants 100000] [--rounds 9] [--postgres URL]
"""

from __future__ import annotations

import argparse
import re
import statistics
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

from bench import migrated_app

CSRF = re.compile(r'name="csrf_token" type="hidden" value="([^"]+)"')


def build(app, participants: int) -> int:
    """Import the participants and move the follow-up on as a few weeks of sending would; return its id."""
    from followup.db import insert_rows
    from followup.models import Contact, Invitation, Message, Participant, Wave
    from followup.plan.importing import import_participants, read_rows
    from followup.plan.programmes import create_programme
    from followup.results.measures import ACTIVITIES

    runtime = app.extensions["followup"]
    db, now = runtime.db, runtime.clock.now()
    programme = create_programme(db, now, "Bench")
    lines = ["code,exit_date,email,cohort"]
    # Exits from August to October 2025: the 6-month wave fell due in February (sent), falls due in the
    # coming weeks or later; the 12- and 24-month waves are all ahead.
    for n in range(participants):
        lines.append(f"B{n:06d},2025-{8 + n % 3:02d}-{1 + n % 28:02d},b{n}@example.org,Grupp {n % 7}")
    rows = read_rows("\n".join(lines).encode(), set(ACTIVITIES), now.date())
    import_participants(db, now, programme, rows, runtime.settings.zone, runtime.settings.send_hour)
    six = Wave.get((Wave.programme == programme) & (Wave.offset_months == 6))
    with db.atomic():
        Invitation.update(state=Invitation.SENT, sent_at=Invitation.due_at).where(
            (Invitation.wave == six) & (Invitation.due_at <= now)
        ).execute()
        sent = list(
            Invitation.select(Invitation.id, Invitation.sent_at)
            .where((Invitation.wave == six) & (Invitation.state == Invitation.SENT))
            .tuples()
        )
        # One e-mail per invitation sent: nine in ten delivered, the tenth failed.
        fields = (
            Message.invitation,
            Message.key,
            Message.kind,
            Message.channel,
            Message.state,
            Message.created_at,
            Message.sequence,
            Message.attempts,
        )
        insert_rows(
            db,
            Message,
            fields,
            [
                (
                    iid,
                    f"{iid}:0:email",
                    "invitation",
                    "email",
                    Message.FAILED if iid % 10 == 0 else Message.DELIVERED,
                    at,
                    0,
                    1,
                )
                for iid, at in sent
            ],
        )
        # Integer arithmetic that both databases read alike (peewee's % is LIKE).
        answered = Participant.select(Participant.id).where(Participant.id - Participant.id / 5 * 5 == 0)
        Invitation.update(state=Invitation.ANSWERED, answered_at=now).where(
            (Invitation.wave == six)
            & (Invitation.state == Invitation.SENT)
            & Invitation.participant.in_(answered)
        ).execute()
        bounced = Participant.select(Participant.id).where(Participant.id - Participant.id / 97 * 97 == 0)
        Contact.update(email_failed_at=now, email_problem="550 no such user").where(
            Contact.participant.in_(bounced)
        ).execute()
        Participant.update(opted_out_at=now, opted_out_channel="web").where(
            Participant.id - Participant.id / 53 * 53 == 0
        ).execute()
    return programme.id


def measure(app, programme_id: int, rounds: int) -> list[tuple[str, float, float, float, int]]:
    from followup.accounts.users import create_user, set_password
    from followup.models import Programme, Role

    runtime = app.extensions["followup"]
    db = runtime.db
    user = create_user(
        db,
        runtime.clock.now(),
        "cora@example.org",
        "Cora",
        Role.COORDINATOR,
        Programme.get_by_id(programme_id),
    )
    set_password(db, user, "lingonberry harbour 41")
    client = app.test_client()
    page = client.get("/staff/sign-in").get_data(as_text=True)
    client.post(
        "/staff/sign-in",
        data={
            "csrf_token": CSRF.search(page).group(1),
            "email": "cora@example.org",
            "password": "lingonberry harbour 41",
        },
    )
    base = f"/staff/programmes/{programme_id}"
    pages = {
        "status": f"{base}/status",
        "participants, first page": f"{base}/participants",
        "participants, filtered": f"{base}/participants?cohort=Grupp+3&months=6&state=sent&after=B050000",
    }
    real = db.obj.execute_sql
    statements: list[str] = []

    def counting(sql, params=None, *args, **kwargs):
        statements.append(sql)
        return real(sql, params, *args, **kwargs)

    db.obj.execute_sql = counting
    results = []
    try:
        for name, path in pages.items():
            times, cpu = [], []
            for _ in range(rounds):
                statements.clear()
                started, processed = time.perf_counter(), time.process_time()
                response = client.get(path)
                times.append((time.perf_counter() - started) * 1000)
                cpu.append((time.process_time() - processed) * 1000)
                if response.status_code != 200:
                    raise SystemExit(f"{path}: HTTP {response.status_code}")
            results.append(
                (name, statistics.median(times), max(times), statistics.median(cpu), len(statements))
            )
    finally:
        db.obj.execute_sql = real
    return results


def run(database: str, participants: int, rounds: int, postgres: str | None) -> None:
    from followup.clock import FixedClock

    clock = FixedClock(datetime(2026, 3, 2, 9, 0, tzinfo=UTC))
    with tempfile.TemporaryDirectory() as folder:
        settings = {"CLOCK": clock}
        if postgres:
            from tests.conftest import reset_postgres

            reset_postgres(postgres)
            app = migrated_app(Path(folder), "unused.sqlite3", DATABASE_URL=postgres, **settings)
        else:
            app = migrated_app(Path(folder), "bench.sqlite3", **settings)
        started = time.perf_counter()
        programme_id = build(app, participants)
        if postgres:
            # What autovacuum does within a minute of a bulk import on a running server: without
            # statistics PostgreSQL takes a table of 100,000 rows for a few dozen and plans for that.
            app.extensions["followup"].db.execute_sql("ANALYZE")
        took = time.perf_counter() - started
        print(f"{database}: {participants:,} participants x 3 waves built in {took:.0f} s")
        for name, median, slowest, cpu, count in measure(app, programme_id, rounds):
            print(
                f"  {name:28} median {median:7.1f} ms   slowest {slowest:7.1f} ms   "
                f"CPU of this process {cpu:7.1f} ms   {count} SQL statements"
            )
        app.extensions["followup"].db.close_all()


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench staff", description=__doc__.split("\n")[0])
    parser.add_argument("--participants", type=int, default=100_000)
    parser.add_argument("--rounds", type=int, default=9)
    parser.add_argument("--postgres", help="also run on this PostgreSQL database (it is emptied)")
    options = parser.parse_args(argv)
    run("SQLite", options.participants, options.rounds, None)
    if options.postgres:
        run("PostgreSQL", options.participants, options.rounds, options.postgres)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
