"""Benchmark: import 100,000 participants from CSV into a fresh SQLite database and plan invitations.

The measured path is the real one: `importing.read_rows` (parse and validate) followed by
`importing.import_participants` (store participants, contacts and planned invitations in one
transaction). Each measured run happens in a fresh subprocess that does nothing but this import, so
that its peak RSS (`ru_maxrss`) belongs to the import alone plus the interpreter and the modules.

Targets (issue "foundation"): at least 10,000 participants a second end to end on SQLite, peak
memory under 300 MB. Missing a target is reported, not treated as a failure: the command exits
non-zero only when something crashes.

    .venv/bin/python -m bench import                  # 100,000 rows, 3 timed runs (about 30 s)
    .venv/bin/python -m bench import --tracemalloc    # plus one run under tracemalloc (about 30 s more)
    .venv/bin/python -m bench import --rows 20000 --runs 1
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import random
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

ROWS = 100_000
RUNS = 3
SEED = 20261122
# A fixed moment: the benchmark never asks the wall clock what time it is.
NOW = datetime(2026, 11, 22, 9, 0, tzinfo=UTC)
ZONE_NAME = "Europe/Stockholm"
SEND_HOUR = 10
SPREAD_DAYS = 730  # exit dates over the two years before NOW
TARGET_ROWS_PER_SECOND = 10_000
TARGET_PEAK_MB = 300
HEADER = "code,exit_date,email,phone,language,cohort"
# Numbers 070-174 06 05 .. 070-174 06 99 are reserved for fiction by the Swedish regulator (PTS).
PHONE_FORMATS = ("070-174 06 {:02d}", "+46 70 174 06 {:02d}", "07017406{:02d}", "+467017406{:02d}")


def generate_csv(path: Path, rows: int, seed: int = SEED) -> None:
    """Write `rows` invented participants: unique codes, exit dates over two years, mixed contacts."""
    rng = random.Random(seed)
    today = NOW.date()
    lines = [HEADER]
    for i in range(1, rows + 1):
        exit_date = today - timedelta(days=rng.randint(1, SPREAD_DAYS))
        kind = rng.random()  # 60 % e-mail and phone, 25 % e-mail only, 15 % phone only
        email = f"participant{i}@example.org" if kind < 0.85 else ""
        phone = rng.choice(PHONE_FORMATS).format(rng.randint(5, 99)) if kind < 0.60 or kind >= 0.85 else ""
        language = "sv" if rng.random() < 0.8 else "en"
        cohort = f"{exit_date.year}-H{1 if exit_date.month <= 6 else 2}"
        lines.append(f"B{i:06d},{exit_date.isoformat()},{email},{phone},{language},{cohort}")
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")


def _max_rss_kib() -> int:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss  # KiB on Linux


def worker(csv_path: Path, db_path: Path, trace: bool) -> dict:
    """Run one import in this (fresh) process and return its measurements."""
    from zoneinfo import ZoneInfo

    from followup import db as fdb
    from followup.models import Contact, Invitation, Participant
    from followup.plan import importing, programmes
    from followup.results import measures

    database = fdb.bind(fdb.open_database(f"sqlite:///{db_path}"))
    database.connect()
    fdb.migrate(database)
    programme = programmes.create_programme(database, NOW, "Bench")
    activities = set(measures.ACTIVITIES)
    zone = ZoneInfo(ZONE_NAME)
    baseline_kib = _max_rss_kib()

    if trace:
        import tracemalloc

        tracemalloc.start()
    started = time.perf_counter()
    raw = csv_path.read_bytes()
    parsed = time.perf_counter()
    rows = importing.read_rows(raw, activities, NOW.date())
    validated = time.perf_counter()
    result = importing.import_participants(database, NOW, programme, rows, zone, SEND_HOUR)
    finished = time.perf_counter()
    traced_peak = None
    if trace:
        traced_peak = tracemalloc.get_traced_memory()[1]
        tracemalloc.stop()
    peak_kib = _max_rss_kib()

    # Sanity checks outside the timed part: everything the result claims is in the database.
    stored = {
        "participants": Participant.select().count(),
        "contacts": Contact.select().count(),
        "invitations": Invitation.select().count(),
    }
    database.close()
    if stored != {
        "participants": result.created,
        "contacts": result.created,
        "invitations": result.invitations,
    }:
        raise RuntimeError(f"database holds {stored}, import reported {result}")
    return {
        "rows": len(rows),
        "created": result.created,
        "invitations": result.invitations,
        "read_file_s": parsed - started,
        "read_rows_s": validated - parsed,
        "import_s": finished - validated,
        "total_s": finished - started,
        "baseline_rss_kib": baseline_kib,
        "peak_rss_kib": peak_kib,
        "tracemalloc_peak_bytes": traced_peak,
    }


def run_in_subprocess(csv_path: Path, db_path: Path, trace: bool) -> dict:
    """Run `worker` in a fresh interpreter and return its measurements."""
    command = [sys.executable, "-m", "bench.import_participants", "--worker", str(csv_path), str(db_path)]
    if trace:
        command.append("--trace")
    completed = subprocess.run(command, capture_output=True, text=True, check=False)
    if completed.returncode != 0:
        sys.stderr.write(completed.stderr)
        raise RuntimeError(f"benchmark worker failed with exit status {completed.returncode}")
    return json.loads(completed.stdout.strip().splitlines()[-1])


def _mb(kib: float) -> float:
    """KiB (as ru_maxrss gives them on Linux) to MB of 1,000,000 bytes, the unit of the target."""
    return kib * 1024 / 1e6


def report(rows: int, runs: list[dict], traced: dict | None, generate_s: float) -> str:
    """Return the results as a small text table: the median run and the fastest run."""
    best = min(runs, key=lambda r: r["total_s"])

    def median(key: str) -> float:
        return statistics.median(r[key] for r in runs)

    def share(key: str) -> float:
        return statistics.median(r[key] / r["total_s"] for r in runs)

    rate = rows / median("total_s")
    peak_mb = _mb(max(r["peak_rss_kib"] for r in runs))
    first = runs[0]
    label = 36
    lines = [
        f"Import and planning: {rows:,} participants, SQLite, {len(runs)} run(s), a fresh process each",
        f"python {platform.python_version()}, {os.cpu_count()} cores, now={NOW.isoformat()}, "
        f"CSV generated in {generate_s:.2f} s",
        "",
        f"{'':<{label}}{'median':>10}{'fastest':>10}",
        f"{'read file (s)':<{label}}{median('read_file_s'):>10.3f}{best['read_file_s']:>10.3f}",
        f"{'read_rows: parse + validate (s)':<{label}}{median('read_rows_s'):>10.3f}"
        f"{best['read_rows_s']:>10.3f}",
        f"{'import_participants: store + plan (s)':<{label}}{median('import_s'):>10.3f}"
        f"{best['import_s']:>10.3f}",
        f"{'total (s)':<{label}}{median('total_s'):>10.3f}{best['total_s']:>10.3f}",
        f"{'participants per second':<{label}}{rate:>10,.0f}{rows / best['total_s']:>10,.0f}",
        f"{'share of total: read_rows':<{label}}{share('read_rows_s'):>10.0%}",
        f"{'share of total: import_participants':<{label}}{share('import_s'):>10.0%}",
        "",
        f"{'invitations planned':<{label}}{first['invitations']:>10,}"
        f"  ({first['invitations'] / first['created']:.2f} per participant)",
        f"{'max RSS before the import (MB)':<{label}}{_mb(max(r['baseline_rss_kib'] for r in runs)):>10.1f}",
        f"{'peak RSS, highest of the runs (MB)':<{label}}{peak_mb:>10.1f}",
    ]
    if traced is not None:
        lines.append(
            f"{'tracemalloc peak during import (MB)':<{label}}{traced['tracemalloc_peak_bytes'] / 1e6:>10.1f}"
            f"  (extra run, {traced['total_s']:.1f} s under tracemalloc, not timed)"
        )
    rate_ok = rate >= TARGET_ROWS_PER_SECOND
    memory_ok = peak_mb < TARGET_PEAK_MB
    lines += [
        "",
        f"target >= {TARGET_ROWS_PER_SECOND:,} participants/s (median run): {'met' if rate_ok else 'MISSED'}",
        f"target peak RSS < {TARGET_PEAK_MB} MB: {'met' if memory_ok else 'MISSED'}",
    ]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    """Generate the CSV, run the timed imports in fresh subprocesses and print the table."""
    parser = argparse.ArgumentParser(prog="python -m bench import", description=__doc__.split("\n\n")[0])
    parser.add_argument("--rows", type=int, default=ROWS, help=f"participants to import ({ROWS:,})")
    parser.add_argument(
        "--runs", type=int, default=RUNS, help=f"timed runs, each in a fresh process ({RUNS})"
    )
    parser.add_argument(
        "--tracemalloc",
        action="store_true",
        help="add one untimed run under tracemalloc and report its peak (slow: about 5x the import)",
    )
    parser.add_argument("--worker", nargs=2, metavar=("CSV", "DB"), help=argparse.SUPPRESS)
    parser.add_argument("--trace", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)

    if args.worker:
        print(json.dumps(worker(Path(args.worker[0]), Path(args.worker[1]), args.trace)))
        return 0

    with tempfile.TemporaryDirectory(prefix="followup-bench-") as tmp:
        directory = Path(tmp)
        csv_path = directory / "participants.csv"
        started = time.perf_counter()
        generate_csv(csv_path, args.rows)
        generate_s = time.perf_counter() - started
        runs = [
            run_in_subprocess(csv_path, directory / f"run{i}.sqlite3", trace=False) for i in range(args.runs)
        ]
        traced = None
        if args.tracemalloc:
            traced = run_in_subprocess(csv_path, directory / "traced.sqlite3", trace=True)
    print(report(args.rows, runs, traced, generate_s))
    return 0


if __name__ == "__main__":
    sys.exit(main())
