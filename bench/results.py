"""Benchmark: a programme's complete results (every measure, intervals, disclosure control) against
a hand-written SQL GROUP BY of the main table's counts, on the same rows in the same run.

A programme of `--participants` people (1,000,000 by default) in `--cohorts` cohorts, 3 waves
(6, 12, 24 months), every invitation sent and about half answered, is bulk-loaded with raw SQL
(executemany on SQLite, COPY on PostgreSQL), with the rows storing a response writes beside the
answers (the outcome row's copied columns, the pairs of answered waves). Then a fresh subprocess,
which does nothing else, times the GROUP BY and `reporting.make_report` (best of `--runs`) and
reports its own peak RSS. Last, disclosure control alone is timed for 200 cohorts of 12-24 people x 3 waves.

Targets (issue 11): complete results within 1.5x the GROUP BY; peak memory under 300 MB;
suppression of 200 cohorts x 3 waves in seconds. Missing a target is reported, not a failure.

    .venv/bin/python -m bench results                              # SQLite, 1,000,000 participants
    .venv/bin/python -m bench results --participants 100000 --postgresql postgresql://.../db
    .venv/bin/python -m bench results --sqlite /tmp/b.sqlite3 --postgresql URL --no-load   # measure again

Disclosure control is timed apart from the measures (counting and laying out), so each can be read.
    .venv/bin/python -m bench results --suppression-only --suppression-cohorts 20
"""

from __future__ import annotations

import argparse
import io
import json
import random
import resource
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

SEED = 20261202
NOW = datetime(2026, 12, 1, 9, 0, tzinfo=UTC)
WAVES = (6, 12, 24)
ACTIVITIES = (
    "work", "work_subsidised", "own_business", "studies", "job_seeking", "labour_market_programme",
    "sick_leave", "sickness_compensation", "parental_leave", "other", "prefer_not_to_say",
)  # fmt: skip
ANSWER_CHOICES = {
    "social_assistance": ("yes", "no", "prefer_not_to_say"),
    "next_step_start": ("within_a_month", "one_to_three_months", "not_yet", "dont_know"),
    "programme_helped": ("very_much", "quite_a_lot", "a_little", "not_at_all"),
}
TARGET_RATIO = 1.5
TARGET_PEAK_MB = 300
BASELINE = """
SELECT w.offset_months, c.name, o.main_activity, COUNT(*)
FROM invitation i
JOIN wave w ON w.id = i.wave_id
JOIN participant p ON p.id = i.participant_id
LEFT JOIN cohort c ON c.id = p.cohort_id
LEFT JOIN outcome o ON o.invitation_id = i.id
WHERE w.programme_id = 1 AND i.sent_at IS NOT NULL
GROUP BY w.offset_months, c.name, o.main_activity
"""


def rows(participants: int, cohorts: int):
    """Yield (table, row) for an invented programme, in an order that respects the foreign keys."""
    rng = random.Random(SEED)
    stamp = "2026-01-01 00:00:00"
    yield "programme", (1, "Bench", stamp, "email_only", "7,14", *[""] * len(ORGANISER))
    for n, months in enumerate(WAVES, start=1):
        yield "wave", (n, 1, months, "standard", 60)
        # As storing a response does: the survey version answered in the wave.
        yield "answered_survey", (n, n, "standard", 1)
    for c in range(1, cohorts + 1):
        yield "cohort", (c, 1, f"Grupp {c}")
    invitation, pair = 0, 0
    for p in range(1, participants + 1):
        exit_activity = rng.choice(ACTIVITIES)
        language = "en" if rng.random() < 0.2 else "sv"
        cohort = rng.randint(1, cohorts)
        exit_assistance = rng.random() < 0.4
        yield (
            "participant",
            (p, 1, cohort, f"B{p:07d}", "2024-01-15", language, exit_activity, exit_assistance, stamp),
        )
        answers = []  # (wave, outcome id, WHO-5) of the person's answers so far, earlier waves first
        for w in range(1, 4):
            invitation += 1
            answered = rng.random() < 0.5
            state = "answered" if answered else "expired"
            yield "invitation", (invitation, p, w, stamp, stamp, state, stamp, stamp if answered else None)
            if answered:
                who5 = 4 * rng.randint(0, 25)
                yield "response", (invitation, invitation, "standard", 1, stamp, "{}")
                choices = [rng.choice(ANSWER_CHOICES[name]) for name in ANSWER_CHOICES]
                activity = rng.choice(ACTIVITIES)
                known = (w, cohort, exit_activity, exit_assistance, language)
                yield (
                    "outcome",
                    (invitation, invitation, activity, choices[0], who5, choices[1], choices[2], *known),
                )
                # As storing a response does: a pair with each earlier answer of the person.
                for first, earlier, before in answers:
                    pair += 1
                    yield "answer_pair", (pair, earlier, invitation, first, w, cohort, who5 - before)
                answers.append((w, invitation, who5))


# The programme's texts, empty as a new programme has them (NOT NULL, without a database default).
ORGANISER = (
    "self_sufficiency", "organisation", "contact_email", "contact_phone", "sender_name",
    "privacy_controller", "privacy_purpose", "privacy_legal_basis", "privacy_retention",
    "privacy_rights", "privacy_dpo",
)  # fmt: skip
COLUMNS = {
    "programme": ", ".join(("id, name, created_at, channel_policy, reminder_days", *ORGANISER)),
    "wave": "id, programme_id, offset_months, survey, window_days",
    "answered_survey": "id, wave_id, survey, version",
    "cohort": "id, programme_id, name",
    "participant": (
        "id, programme_id, cohort_id, code, exit_date, language, exit_activity, "
        "exit_social_assistance, created_at"
    ),
    "invitation": "id, participant_id, wave_id, due_at, expires_at, state, sent_at, answered_at",
    "response": "id, invitation_id, survey, survey_version, submitted_at, answers",
    "outcome": (
        "id, invitation_id, main_activity, social_assistance, who5, next_step_start, programme_helped, "
        "wave_id, cohort_id, exit_activity, exit_social_assistance, language"
    ),
    "answer_pair": "id, earlier_id, later_id, first_wave_id, second_wave_id, cohort_id, change",
}
ORDER = (
    "programme", "wave", "answered_survey", "cohort", "participant", "invitation", "response", "outcome",
    "answer_pair",
)  # fmt: skip


def load(url: str, participants: int, cohorts: int) -> float:
    """Create the schema with the migrations and bulk-load the programme; return the seconds taken."""
    from followup.db import bind, migrate, open_database

    db = bind(open_database(url))
    db.connect()
    migrate(db)
    started = time.perf_counter()
    batches: dict[str, list] = {t: [] for t in ORDER}
    is_postgres = url.startswith("postgres")
    connection = db.connection()
    if not is_postgres:
        connection.execute("PRAGMA synchronous=OFF")
        connection.execute("BEGIN")

    def flush(table: str) -> None:
        batch = batches[table]
        if not batch:
            return
        if is_postgres:
            buffer = io.StringIO()
            for row in batch:
                buffer.write("\t".join("\\N" if v is None else str(v) for v in row) + "\n")
            buffer.seek(0)
            with connection.cursor() as cursor:
                cursor.copy_expert(f"COPY {table} ({COLUMNS[table]}) FROM STDIN", buffer)
        else:
            marks = ", ".join("?" * len(batch[0]))
            connection.executemany(f"INSERT INTO {table} ({COLUMNS[table]}) VALUES ({marks})", batch)  # noqa: S608
        batch.clear()

    # Parents are flushed before children: a child batch waits until its parents are written.
    for table, row in rows(participants, cohorts):
        batches[table].append(row)
        if len(batches["outcome"]) >= 50_000 or len(batches["invitation"]) >= 100_000:
            for name in ORDER:
                flush(name)
    for name in ORDER:
        flush(name)
    if is_postgres:
        connection.commit()
        with connection.cursor() as cursor:
            for table in ORDER:
                cursor.execute(
                    f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), (SELECT MAX(id) FROM {table}))"
                )
        connection.commit()
        connection.autocommit = True
        with connection.cursor() as cursor:
            cursor.execute("VACUUM ANALYZE")
        connection.autocommit = False
    else:
        connection.execute("COMMIT")
        connection.execute("ANALYZE")
    seconds = time.perf_counter() - started
    db.close()
    db.close_all()
    return seconds


def measure(url: str, runs: int) -> dict:
    """Time the GROUP BY and the complete results on `url` (run in a fresh process)."""
    from followup import create_app
    from followup.models import Programme
    from followup.results.disclosure import protect
    from followup.results.measures import Assumptions
    from followup.results.reporting import data_version, measure

    app = create_app({"DATABASE_URL": url, "INSTANCE_PATH": tempfile.mkdtemp(), "SECRET_KEY": "b" * 40})
    db = app.extensions["followup"].db
    db.connect()
    baseline, measures, disclosure, complete, version = [], [], [], [], []
    loss, groups = 0.0, 0
    with app.app_context():
        programme = Programme.get_by_id(1)
        for _ in range(runs):
            started = time.perf_counter()
            groups = len(db.execute_sql(BASELINE).fetchall())
            baseline.append(time.perf_counter() - started)
            started = time.perf_counter()
            made = measure(db, programme, NOW, Assumptions())
            measured = time.perf_counter()
            protect(made, 5)
            protected = time.perf_counter()
            measures.append(measured - started)
            disclosure.append(protected - measured)
            complete.append(protected - started)
            loss = made.information_loss
            started = time.perf_counter()
            data_version(db)
            version.append(time.perf_counter() - started)
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    # Best of the runs for each: the two columns are from the same run as their total.
    best = min(range(runs), key=lambda i: complete[i])
    return {
        "baseline": min(baseline),
        "measures": measures[best],
        "disclosure": disclosure[best],
        "complete": complete[best],
        "version": min(version),
        "peak_mb": peak,
        "loss": loss,
        "groups": groups,
    }


def suppression_alone(cohorts: int = 200) -> dict:
    """Time disclosure control alone for `cohorts` cohorts of 12-24 people x 3 waves."""
    from followup import create_app
    from followup.results.disclosure import protect
    from followup.results.measures import Assumptions, Counts, tabulate

    rng = random.Random(SEED)
    groups, opinions = {}, {}
    for c in range(cohorts):
        for _ in range(rng.randint(12, 24)):
            exit_activity, exit_sa, language = rng.choice(ACTIVITIES), rng.random() < 0.4, "sv"
            for months in WAVES:
                answered = rng.random() < 0.7
                activity = rng.choice(ACTIVITIES) if answered else None
                sa = rng.choice(("yes", "no")) if answered else None
                key = (months, f"Grupp {c}", answered, exit_activity, exit_sa, language, activity, sa)
                cell = groups.setdefault(key, [0, 0, 0, 0, 0, 0])
                cell[0] += 1
                if answered:
                    score = 4 * rng.randint(0, 25)
                    cell[1:] = [
                        cell[1] + 1,
                        cell[2] + score,
                        cell[3] + score * score,
                        cell[4] + (score <= 50),
                        cell[5] + (score <= 28),
                    ]
                    opinion = (
                        months,
                        f"Grupp {c}",
                        rng.choice(ANSWER_CHOICES["next_step_start"]),
                        rng.choice(ANSWER_CHOICES["programme_helped"]),
                    )
                    opinions[opinion] = opinions.get(opinion, 0) + 1
    counts = Counts(
        waves=list(WAVES),
        cohorts=sorted({k[1] for k in groups}),
        groups=[(*k, *v) for k, v in groups.items()],
        opinions=[(*k, n) for k, n in opinions.items()],
    )
    app = create_app(
        {"DATABASE_URL": "sqlite://", "INSTANCE_PATH": tempfile.mkdtemp(), "SECRET_KEY": "b" * 40}
    )
    with app.app_context():
        started = time.perf_counter()
        made = tabulate(counts, Assumptions(), "Bench", NOW, [])
        tabulated = time.perf_counter() - started
        started = time.perf_counter()
        protect(made, 5)
        protected = time.perf_counter() - started
    return {
        "cohorts": cohorts,
        "variables": len(made.variables),
        "equations": len(made.equations),
        "tabulate": tabulated,
        "protect": protected,
        "loss": made.information_loss,
    }


def main(argv: list[str] | None = None) -> int:
    """Run the results benchmark and print its figures."""
    parser = argparse.ArgumentParser(prog="python -m bench results", description=__doc__.splitlines()[0])
    parser.add_argument("--participants", type=int, default=1_000_000)
    parser.add_argument("--cohorts", type=int, default=50)
    parser.add_argument("--runs", type=int, default=2)
    parser.add_argument(
        "--postgresql", metavar="URL", help="also run on this PostgreSQL database (emptied first)"
    )
    parser.add_argument("--no-sqlite", action="store_true", help="PostgreSQL only")
    parser.add_argument("--suppression-cohorts", type=int, default=200)
    parser.add_argument(
        "--sqlite", metavar="PATH", help="SQLite database file (default: a temporary one, removed after)"
    )
    parser.add_argument(
        "--no-load", action="store_true", help="measure databases loaded by an earlier run (with --sqlite)"
    )
    parser.add_argument(
        "--suppression-only", action="store_true", help="time disclosure control alone, no database"
    )
    parser.add_argument("--measure", metavar="URL", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.measure:
        print(json.dumps(measure(args.measure, args.runs)))
        return 0
    targets = []
    with tempfile.TemporaryDirectory() as folder:
        if not args.no_sqlite and not args.suppression_only:
            path = Path(args.sqlite) if args.sqlite else Path(folder) / "bench.sqlite3"
            if not args.no_load:
                path.unlink(missing_ok=True)
            targets.append(("SQLite", f"sqlite:///{path}"))
        if args.postgresql and args.no_load and not args.suppression_only:
            targets.append(("PostgreSQL", args.postgresql))
        elif args.postgresql and not args.suppression_only:
            import psycopg2

            connection = psycopg2.connect(args.postgresql)
            connection.autocommit = True
            with connection.cursor() as cursor:
                cursor.execute("DROP SCHEMA IF EXISTS public CASCADE; CREATE SCHEMA public;")
            connection.close()
            targets.append(("PostgreSQL", args.postgresql))
        for name, url in targets:
            if not args.no_load:
                seconds = load(url, args.participants, args.cohorts)
                print(
                    f"{name}: loaded {args.participants:,} participants x 3 waves in {seconds:.1f} s",
                    flush=True,
                )
            found = subprocess.run(
                [sys.executable, "-m", "bench", "results", "--measure", url, "--runs", str(args.runs)],
                check=True, capture_output=True, text=True,
            )  # fmt: skip
            figures = json.loads(found.stdout.strip().splitlines()[-1])
            ratio = figures["complete"] / figures["baseline"]
            print(
                f"{name}: GROUP BY {figures['baseline']:.2f} s ({figures['groups']} groups); complete "
                f"{figures['complete']:.2f} s (measures {figures['measures']:.2f} s = "
                f"{figures['measures'] / figures['baseline']:.2f}x, disclosure control "
                f"{figures['disclosure']:.2f} s) = {ratio:.2f}x (target <= {TARGET_RATIO}x: "
                f"{'met' if ratio <= TARGET_RATIO else 'MISSED'}); peak {figures['peak_mb']:.0f} MB (target "
                "< "
                f"{TARGET_PEAK_MB}: {'met' if figures['peak_mb'] < TARGET_PEAK_MB else 'MISSED'}); "
                f"{figures['loss']:.1%} of figures suppressed; data version read in "
                f"{figures['version'] * 1000:.0f} ms",
                flush=True,
            )
    alone = suppression_alone(args.suppression_cohorts)
    print(
        f"Suppression alone, {alone['cohorts']} cohorts x 3 waves ({alone['variables']:,} counts, "
        f"{alone['equations']:,} equations): tables {alone['tabulate']:.1f} s, disclosure control "
        f"{alone['protect']:.1f} s, {alone['loss']:.1%} of figures suppressed"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
