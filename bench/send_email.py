"""Benchmark: send 10,000 invitations by e-mail to a local SMTP server, through the real dispatch.

10,000 e-mails go three ways to one local aiosmtpd server (in a process of its own, as a real
mail server is; its handler only counts what it receives):

- bare smtplib: one `smtplib.SMTP` connection and `sendmail` of prebuilt e-mails, the ceiling;
- `SmtpEmail` alone: the same prebuilt e-mails through `SmtpEmail.batch()` and `send()`.
  The prebuilt e-mails are made like the dispatch's (same templates, headers and builder, a fresh
  token each) and are finished bytes, so the loops do nothing but SMTP;
- dispatch: one real `followup.sending.dispatch.tick` with `SmtpEmail`, over a SQLite database holding
  10,000 participants whose 6-month wave is due. For each message it claims it, reads its row
  and issues its token (one transaction), puts the token into words rendered once per language
  and last day, builds the e-mail, sends it and records it (one transaction). While the server
  answers an e-mail's MAIL FROM the previous one is recorded, while it answers RCPT TO the next
  one is claimed, and while it reads the content the next one is built.

The three take turns, in rounds (3 by default), each round's dispatch on a fresh database. This
machine is a virtual one on a shared host, and the same loop runs up to twice as fast in one
minute as in another: each way's fastest round counts, as the one least disturbed, and every
round is shown with its own ratio.

Targets (issue "real delivery"): the dispatch sends at least 200 e-mails a second, and at least
0.80 of the bare loop's rate. Missing a target is reported, not treated as a failure.

`--split` shows where the dispatch's extra time goes: one more tick (on a fresh database) with each
step timed by wrapping the dispatch's functions in this process (about a microsecond a call), and a
loop that builds each e-mail and sends it at once, without a database. `--profile` runs one more
tick under cProfile.

    .venv/bin/python -m bench email                     # about 2.5 minutes
    .venv/bin/python -m bench email --messages 2000 --split --profile
"""

from __future__ import annotations

import argparse
import cProfile
import gc
import importlib
import inspect
import io
import multiprocessing
import os
import platform
import pstats
import random
import secrets
import smtplib
import socket
import sys
import tempfile
import threading
import time
from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

from aiosmtpd.controller import Controller

from bench import migrated_app
from bench.import_participants import NOW, SEED, SEND_HOUR, ZONE_NAME
from followup.plan.scheduling import add_months
from followup.sending.delivery.email import Email

MESSAGES = 10_000
WARM_UP = 200  # sent before each timed SMTP loop, untimed: connections, caches, code paths
TARGET_PER_SECOND = 200
TARGET_RATIO = 0.80
BASE_URL = "https://followup.example.org"
MAIL_FROM = "followup@example.org"
PROGRAMME = "Bench e-mail"
# 6-month waves due at NOW (10:00 in Stockholm) or in the 21 days before it, inside their window.
LAST_EXIT = add_months(NOW.date(), -6)
LAST_DAY = NOW.date() + timedelta(days=59)


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class CountingServer:
    """An aiosmtpd server in a process of its own that accepts every message and counts it.

    A real SMTP server is another process, so this one does not share the sender's interpreter
    lock: the time it takes to answer is time the sender may use. Count and arrival times are
    shared through `multiprocessing` values; perf_counter is the system's monotonic clock.
    """

    def __init__(self) -> None:
        self.port = free_port()
        self._count = multiprocessing.Value("q", 0)
        self._first = multiprocessing.Value("d", 0.0)
        self._last = multiprocessing.Value("d", 0.0)
        self._ready = multiprocessing.Event()
        self._process = multiprocessing.get_context("fork").Process(target=self._serve, daemon=True)

    def __enter__(self) -> CountingServer:
        self._process.start()
        if not self._ready.wait(30):
            raise RuntimeError("the SMTP server did not start")
        return self

    def __exit__(self, *exc) -> None:
        self._process.kill()
        self._process.join()

    def _serve(self) -> None:
        controller = Controller(_Counter(self), hostname="127.0.0.1", port=self.port)
        controller.start()
        self._ready.set()
        threading.Event().wait()

    def reset(self) -> None:
        self._count.value = 0
        self._first.value = self._last.value = 0.0

    @property
    def count(self) -> int:
        return self._count.value

    @property
    def first(self) -> float:
        return self._first.value

    @property
    def last(self) -> float:
        return self._last.value


class _Counter:
    def __init__(self, server: CountingServer) -> None:
        self.server = server

    async def handle_DATA(self, server, session, envelope) -> str:  # noqa: N802 (aiosmtpd's naming)
        arrived = time.perf_counter()
        shared = self.server
        if not shared._count.value:
            shared._first.value = arrived
        shared._last.value = arrived
        shared._count.value += 1
        return "250 OK"


def build_app(directory: Path, messages: int):
    """Return a Flask app over a new SQLite database with `messages` participants due for an e-mail."""
    from followup.plan import importing, programmes
    from followup.results import measures

    directory.mkdir(parents=True, exist_ok=True)
    app = migrated_app(directory, "send.sqlite3", BASE_URL=BASE_URL, MAIL_FROM=MAIL_FROM)
    db = app.extensions["followup"].db
    programme = programmes.create_programme(db, NOW, PROGRAMME)
    rng = random.Random(SEED)
    lines = ["code,exit_date,email,language"]
    for i in range(1, messages + 1):
        exit_date = LAST_EXIT - timedelta(days=rng.randint(0, 21))
        language = "sv" if rng.random() < 0.8 else "en"
        lines.append(f"E{i:06d},{exit_date.isoformat()},participant{i}@example.org,{language}")
    rows = importing.read_rows("\n".join(lines).encode(), set(measures.ACTIVITIES), NOW.date())
    importing.import_participants(db, NOW, programme, rows, ZoneInfo(ZONE_NAME), SEND_HOUR)
    return app


def languages(messages: int) -> Iterator[str]:
    rng = random.Random(SEED)
    for _ in range(messages):
        yield "sv" if rng.random() < 0.8 else "en"


def words_with_placeholder(app) -> tuple[str, dict]:
    """Return a placeholder and each language's invitation e-mail with it in place of the token."""
    from followup.sending.composing import compose

    placeholder = "TOKEN" * 9
    with app.app_context():
        words = {
            language: compose(
                "invitation",
                "email",
                language,
                f"{BASE_URL}/s/{placeholder}",
                f"{BASE_URL}/u/{placeholder}",
                PROGRAMME,
                LAST_DAY,
            )
            for language in ("sv", "en")
        }
    return placeholder, words


def emails_like_the_dispatch(app, messages: int) -> Iterator[Email]:
    """Yield e-mails like the dispatch's: the same templates and headers, a fresh token in each."""
    from followup.sending.delivery.email import build_email

    placeholder, words = words_with_placeholder(app)
    for i, language in enumerate(languages(messages), start=1):
        composed = words[language]
        token = secrets.token_urlsafe(32)
        yield build_email(
            sender=MAIL_FROM,
            to=f"participant{i}@example.org",
            subject=composed.subject,
            text=composed.text.replace(placeholder, token),
            html=composed.html.replace(placeholder, token),
            now=NOW,
            headers={
                "List-Unsubscribe": f"<{BASE_URL}/u/{token}>",
                "List-Unsubscribe-Post": "List-Unsubscribe=One-Click",
            },
        )


def bare_loop(port: int, emails: list[Email]) -> None:
    """Send with nothing but smtplib: one connection, one sendmail of the finished bytes each."""
    connection = smtplib.SMTP("127.0.0.1", port, timeout=30)
    for email in emails:
        connection.sendmail(email.sender, [email.to], email.data)
    connection.quit()


def sender_alone(port: int, emails: list[Email]) -> None:
    """Send through followup's SmtpEmail: one batch, one send each."""
    from followup.sending.delivery.email import SmtpEmail

    sender = SmtpEmail("127.0.0.1", port, "none", None, None)
    with sender.batch():
        for email in emails:
            sender.send(email)


def built_and_sent(app, port: int, messages: int) -> dict:
    """Build each e-mail and send it at once through SmtpEmail, without a database: seconds in each."""
    from followup.sending.delivery.email import SmtpEmail

    sender = SmtpEmail("127.0.0.1", port, "none", None, None)
    spent = Counter()
    emails = emails_like_the_dispatch(app, messages)
    with sender.batch():
        while True:
            started = time.perf_counter()
            email = next(emails, None)
            built = time.perf_counter()
            if email is None:
                break
            sender.send(email)
            spent["build_email (with token, from composed words)"] += built - started
            spent["SmtpEmail.send"] += time.perf_counter() - built
    return spent


def dispatch_tick(app, port: int, outbox: Path):
    """Run one real tick as of NOW: everything due goes out through SmtpEmail."""
    from followup.clock import FixedClock
    from followup.sending.composing import compose
    from followup.sending.delivery import Senders
    from followup.sending.delivery.email import SmtpEmail
    from followup.sending.delivery.outbox import OutboxSms
    from followup.sending.dispatch import tick
    from followup.sending.sender import Settings

    settings = Settings(
        zone=ZoneInfo(ZONE_NAME),
        send_hour=SEND_HOUR,
        base_url=BASE_URL,
        mail_from=MAIL_FROM,
        window=None,  # no send window and no rate limit: as fast as it goes
        email_per_second=0.0,
    )
    senders = Senders(email=SmtpEmail("127.0.0.1", port, "none", None, None), sms=OutboxSms(outbox))
    db = app.extensions["followup"].db
    with app.app_context():
        return tick(db, FixedClock(NOW), senders, compose, settings)


def timed(server: CountingServer, expected: int, run: Callable) -> dict:
    """Run `run()`, check the server got `expected` messages, and return the timings."""
    gc.collect()
    server.reset()
    started = time.perf_counter()
    result = run()
    finished = time.perf_counter()
    if server.count != expected:
        raise RuntimeError(f"the SMTP server received {server.count} messages, {expected} were sent")
    return {
        "total_s": finished - started,
        "before_first_s": server.first - started,
        "sending_s": server.last - server.first,
        "result": result,
    }


def rounds(directory: Path, server: CountingServer, outbox: Path, messages: int, count: int) -> list[dict]:
    """Time the three ways `count` times, taking turns; return each round's three runs.

    A round runs the bare loop, SmtpEmail alone and a dispatch tick on a fresh database, one
    right after the other, so that a slow spell of this shared machine falls on all three.
    """
    found = []
    emails: list[Email] = []
    try:
        for number in range(1, count + 1):
            # Made before the round's timing starts; the models use the database made last.
            app = build_app(directory / f"round-{number}", messages)
            emails = emails or list(emails_like_the_dispatch(app, messages))
            runs = {}
            for name, loop in (("bare", bare_loop), ("alone", sender_alone)):
                loop(server.port, emails[:WARM_UP])
                runs[name] = timed(
                    server, messages, lambda loop=loop, emails=emails: loop(server.port, emails)
                )
            runs["dispatch"] = timed(
                server, messages, lambda app=app: dispatch_tick(app, server.port, outbox)
            )
            app.extensions["followup"].db.close()
            if runs["dispatch"]["result"].sent != messages:
                raise RuntimeError(
                    f"the tick sent {runs['dispatch']['result'].sent} e-mails, {messages} were due"
                )
            found.append(runs)
    finally:
        emails.clear()
    return found


# Steps of the dispatch timed by --split, in the order shown: (label, module, attribute path in it).
STEPS = [
    ("send_pending (every message)", "followup.sending.sender", "Sending.send_pending"),
    ("_deliver (one message)", "followup.sending.sender", "Sending._deliver"),
    ("SmtpEmail.send (with the next three inside)", "followup.sending.delivery.email", "SmtpEmail.send"),
    ("  record_sent: previous e-mail, two UPDATEs", "followup.sending.sender", "record_sent"),
    ("  _claim_ahead: next message claimed", "followup.sending.sender", "Sending._claim_ahead"),
    ("  _build_ahead: next e-mail built", "followup.sending.sender", "Sending._build_ahead"),
    ("_take: claim, read, token (one message)", "followup.sending.sender", "Sending._take"),
    ("claim: UPDATE", "followup.sending.sender", "claim"),
    ("tokens.issue: INSERT", "followup.answers.tokens", "issue"),
    ("words: cached templates, token put in", "followup.sending.sender", "Sending._words_for"),
    ("build_email", "followup.sending.sender", "build_email"),
    # dispatch_tick imports compose when it runs, so it picks up the timed one.
    ("compose (templates)", "followup.sending.composing", "compose"),
]


@contextmanager
def wrapped(spent: Counter) -> Iterator[None]:
    """Add the wall-clock time spent in each of STEPS to `spent`, until the block ends."""
    undo = []
    for label, module_name, path in STEPS:
        owner = importlib.import_module(module_name)
        *parents, name = path.split(".")
        for parent in parents:
            owner = getattr(owner, parent)
        had_own = name in vars(owner)
        original = vars(owner)[name] if had_own else None
        function = getattr(owner, name)

        def timer(*args, _function=function, _label=label, **kwargs):
            started = time.perf_counter()
            try:
                return _function(*args, **kwargs)
            finally:
                spent[_label] += time.perf_counter() - started

        if isinstance(inspect.getattr_static(owner, name), classmethod):
            # `function` came bound to the class already: the wrapper must not be bound again.
            setattr(owner, name, staticmethod(timer))
        else:
            setattr(owner, name, timer)
        undo.append((owner, name, had_own, original))
    try:
        yield
    finally:
        for owner, name, had_own, original in reversed(undo):
            if had_own:
                setattr(owner, name, original)
            else:
                delattr(owner, name)


def split_dispatch(app, port: int, outbox: Path, server: CountingServer, expected: int) -> dict:
    """Run one more tick with each step timed; return seconds per step and the tick's total."""
    spent: Counter = Counter()
    with wrapped(spent):
        run = timed(server, expected, lambda: dispatch_tick(app, port, outbox))
    spent["tick"] = run["total_s"]
    return dict(spent)


def profile_dispatch(app, port: int, outbox: Path, server: CountingServer, expected: int) -> str:
    """Return cProfile's top functions of one more tick, by own time and by cumulative time."""
    profiler = cProfile.Profile()
    timed(server, expected, lambda: profiler.runcall(dispatch_tick, app, port, outbox))
    text = io.StringIO()
    stats = pstats.Stats(profiler, stream=text)
    stats.sort_stats("tottime").print_stats(25)
    stats.sort_stats("cumulative").print_stats(50)
    return text.getvalue()


def report(messages: int, found: list[dict]) -> str:
    """Return the results as a small text table: each way's best round, and every round."""

    def rate(run: dict) -> float:
        return messages / run["total_s"]

    def ms(run: dict) -> float:
        return run["total_s"] / messages * 1000

    best = {name: min((runs[name] for runs in found), key=ms) for name in found[0]}
    bare, alone, dispatch = best["bare"], best["alone"], best["dispatch"]
    ratio = rate(dispatch) / rate(bare)
    label = 48
    heading = f"best of {len(found)} rounds"
    lines = [
        f"E-mail: {messages:,} messages to a local aiosmtpd server (its own process), SMTP without TLS",
        f"python {platform.python_version()}, {os.cpu_count()} cores, now={NOW.isoformat()}",
        "",
        f"{heading:<{label}}{'seconds':>9}{'msg/s':>9}{'ms/msg':>9}",
        *(
            f"{name:<{label}}{run['total_s']:>9.2f}{rate(run):>9,.0f}{ms(run):>9.3f}"
            for name, run in (
                ("bare smtplib loop (prebuilt e-mails)", bare),
                ("SmtpEmail alone (prebuilt e-mails)", alone),
                ("dispatch: one tick, end to end", dispatch),
            )
        ),
        f"{'  of which before the first e-mail (plan, queue)':<{label}}{dispatch['before_first_s']:>9.2f}",
        f"{'  of which first to last e-mail':<{label}}{dispatch['sending_s']:>9.2f}"
        f"{(messages - 1) / dispatch['sending_s']:>9,.0f}",
        "",
        f"{'SmtpEmail alone / bare loop':<{label}}{rate(alone) / rate(bare):>9.2f}",
        f"{'dispatch / bare loop':<{label}}{ratio:>9.2f}",
        f"{'dispatch over SmtpEmail alone (ms per e-mail)':<{label}}{ms(dispatch) - ms(alone):>9.3f}"
        "  (database, token, templates, building the e-mail)",
        "",
        f"{'each round, ms per e-mail':<{label}}{'bare':>9}{'alone':>9}{'dispatch':>9}{'ratio':>9}",
        *(
            f"{'  round ' + str(number):<{label}}{ms(runs['bare']):>9.3f}{ms(runs['alone']):>9.3f}"
            f"{ms(runs['dispatch']):>9.3f}{rate(runs['dispatch']) / rate(runs['bare']):>9.2f}"
            for number, runs in enumerate(found, start=1)
        ),
        "",
        f"target >= {TARGET_PER_SECOND} e-mails/s through the dispatch: "
        f"{'met' if rate(dispatch) >= TARGET_PER_SECOND else 'MISSED'}",
        f"target >= {TARGET_RATIO:.2f} of the bare loop: {'met' if ratio >= TARGET_RATIO else 'MISSED'}",
    ]
    return "\n".join(lines)


def report_split(messages: int, spent: dict, interleaved: dict) -> str:
    """Return the per-step times of the --split tick and of the loop without a database, in ms per e-mail."""
    label = 48

    def line(name: str, seconds: float) -> str:
        return f"  {name:<{label - 2}}{seconds / messages * 1000:>9.3f}"

    lines = ["Steps of one more tick, each timed where it runs (ms per e-mail):", line("tick", spent["tick"])]
    lines += [line(name, spent.get(name, 0.0)) for name, _, _ in STEPS]
    outside = spent["tick"] - spent[STEPS[2][0]]
    lines += [
        line("tick outside SmtpEmail.send", outside) + "  (the dispatch's time no server wait hides)",
        "",
        "Building each e-mail and sending it at once, no database, no templates (ms per e-mail):",
    ]
    lines += [line(name, seconds) for name, seconds in interleaved.items()]
    total = sum(interleaved.values())
    lines.append(f"{line('total', total)}  ({messages / total:,.0f} e-mails/s)")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    """Build the database and the e-mails, time the three ways of sending, print the table."""
    parser = argparse.ArgumentParser(prog="python -m bench email", description=__doc__.split("\n\n")[0])
    parser.add_argument("--messages", type=int, default=MESSAGES, help=f"e-mails to send ({MESSAGES:,})")
    parser.add_argument("--rounds", type=int, default=3, help="rounds of the three ways, taking turns (3)")
    parser.add_argument(
        "--split", action="store_true", help="add one tick with each step timed (a fresh database)"
    )
    parser.add_argument(
        "--profile", action="store_true", help="add one tick under cProfile and print its top functions"
    )
    args = parser.parse_args(argv)

    extra = []
    with CountingServer() as server:
        with tempfile.TemporaryDirectory(prefix="followup-bench-") as tmp:
            directory = Path(tmp)
            outbox = directory / "outbox"
            # Untimed, as the SMTP loops get theirs: a first tick pays for imports, templates, caches.
            warm = build_app(directory / "warm-up", WARM_UP)
            timed(server, WARM_UP, lambda: dispatch_tick(warm, server.port, outbox))
            warm.extensions["followup"].db.close()
            found = rounds(directory, server, outbox, args.messages, args.rounds)
            if args.split:
                app = build_app(directory / "split", args.messages)
                spent = split_dispatch(app, server.port, outbox, server, args.messages)
                interleaved = built_and_sent(app, server.port, args.messages)
                extra.append(report_split(args.messages, spent, interleaved))
                app.extensions["followup"].db.close()
            if args.profile:
                app = build_app(directory / "profiled", args.messages)
                profile = profile_dispatch(app, server.port, outbox, server, args.messages)
                extra.append(
                    "cProfile of one more tick (its times are inflated by the profiler):\n" + profile
                )
                app.extensions["followup"].db.close()
    print(report(args.messages, found))
    for text in extra:
        print("\n" + text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
