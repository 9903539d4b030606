"""Benchmark: the SMS rate limit holds when the dispatch sends through Twilio's API.

Each run imports participants with only a phone number into a fresh SQLite database, so every
invitation goes by SMS, and runs the worker's own tick (`followup.worker.run_tick`) with
FOLLOWUP_SMS_TRANSPORT=twilio and FOLLOWUP_SMS_PER_SECOND set. The senders come from
`make_senders`, so the real `TwilioSms` posts to a local HTTP server that answers Twilio's
Messages.json like Twilio does (201 and a message resource) and notes when each request arrives.

- 100 SMS at 10 a second (about 10 s);
- 15 SMS at 1 a second (about 14 s);
- two ticks back to back at 1 a second, 3 SMS each, the second starting as the first ends: as
  happens when a long tick overruns the tick interval (about 5 s).

Target (issue "real delivery"): never more SMS than the configured rate in any 1-second window,
measured at the server (half-open windows [t, t + 1 s) starting at each arrival). Missing it is
reported, not treated as a failure.

    .venv/bin/python -m bench sms                 # about 30 s
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import secrets
import sys
import tempfile
import threading
import time
from dataclasses import dataclass
from datetime import timedelta
from email.utils import format_datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import parse_qs

from bench import migrated_app
from bench.import_participants import NOW, SEND_HOUR, ZONE_NAME

ACCOUNT_SID = "AC" + "0123456789abcdef" * 2
AUTH_TOKEN = "bench-auth-token"  # noqa: S105 - the fake Twilio accepts anything
MESSAGING_SERVICE_SID = "MG" + "fedcba9876543210" * 2
BASE_URL = "https://followup.example.org"
# Numbers 070-174 06 05 .. 070-174 06 99 are reserved for fiction by the Swedish regulator (PTS).
PHONES = [f"+467017406{n:02d}" for n in range(5, 100)]


@dataclass
class Run:
    name: str
    per_second: float
    ticks: list[int]  # SMS falling due before each tick
    arrivals: list[float]  # time.monotonic() at the server, one per request

    def max_in_a_second(self) -> int:
        """Return the most requests that arrived within any half-open second [t, t + 1)."""
        times = self.arrivals
        most, last = 0, 0
        for first, start in enumerate(times):
            while last < len(times) and times[last] < start + 1.0:
                last += 1
            most = max(most, last - first)
        return most

    def rate(self) -> float:
        """Return the requests a second from the first arrival to the last."""
        return (len(self.arrivals) - 1) / (self.arrivals[-1] - self.arrivals[0])

    def gaps(self) -> list[float]:
        return [b - a for a, b in zip(self.arrivals, self.arrivals[1:], strict=False)]

    def tightest_span(self) -> float:
        """Return the shortest time in which `per_second` + 1 requests arrived (>= 1 s holds the rate)."""
        n = int(self.per_second)
        return min(b - a for a, b in zip(self.arrivals, self.arrivals[n:], strict=False))


class FakeTwilio(BaseHTTPRequestHandler):
    """Answer POST .../Messages.json as Twilio does: 201 and the new message resource."""

    arrivals: list[float]

    def do_POST(self) -> None:  # noqa: N802 (http.server's naming)
        self.arrivals.append(time.monotonic())
        form = parse_qs(self.rfile.read(int(self.headers["Content-Length"])).decode())
        sid = "SM" + secrets.token_hex(16)
        now = format_datetime(NOW)
        body = json.dumps(
            {
                "account_sid": ACCOUNT_SID,
                "api_version": "2010-04-01",
                "body": form["Body"][0],
                "date_created": now,
                "date_sent": None,
                "date_updated": now,
                "direction": "outbound-api",
                "error_code": None,
                "error_message": None,
                "from": None,
                "messaging_service_sid": form.get("MessagingServiceSid", [None])[0],
                "num_media": "0",
                "num_segments": "1",
                "price": None,
                "price_unit": None,
                "sid": sid,
                "status": "accepted",
                "subresource_uris": {
                    "media": f"/2010-04-01/Accounts/{ACCOUNT_SID}/Messages/{sid}/Media.json"
                },
                "to": form["To"][0],
                "uri": f"/2010-04-01/Accounts/{ACCOUNT_SID}/Messages/{sid}.json",
            }
        ).encode()
        self.send_response(201)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format, *args) -> None:
        pass


def run(
    directory: Path, url: str, arrivals: list[float], name: str, per_second: float, ticks: list[int]
) -> Run:
    """Import participants due for one SMS each, run one worker tick a day apart per entry of `ticks`."""
    from followup.clock import FixedClock
    from followup.plan import importing, programmes
    from followup.plan.scheduling import add_months
    from followup.results import measures
    from followup.worker import run_tick

    directory.mkdir(parents=True)
    app = migrated_app(
        directory,
        "sms.sqlite3",
        BASE_URL=BASE_URL,
        TIMEZONE=ZONE_NAME,
        SEND_HOUR=SEND_HOUR,
        SEND_DAYS="mon-sun",
        SEND_HOURS="00:00-23:59:59",
        HOLIDAYS="none",
        SMS_TRANSPORT="twilio",
        TWILIO_ACCOUNT_SID=ACCOUNT_SID,
        TWILIO_AUTH_TOKEN=AUTH_TOKEN,
        TWILIO_MESSAGING_SERVICE_SID=MESSAGING_SERVICE_SID,
        TWILIO_API_URL=url,
        SMS_PER_SECOND=per_second,
    )
    runtime = app.extensions["followup"]
    if runtime.settings.sms_per_second != per_second:
        raise RuntimeError(f"{name}: the dispatch settings did not take SMS_PER_SECOND={per_second}")
    db = runtime.db
    programme = programmes.create_programme(db, NOW, "Bench SMS")
    # The 6-month wave of the n-th group falls due at NOW + n days, at the send hour.
    first_exit = add_months(NOW.date(), -6)
    lines, code = ["code,exit_date,phone"], 0
    for day, count in enumerate(ticks):
        for _ in range(count):
            lines.append(f"S{code:04d},{first_exit + timedelta(days=day)},{PHONES[code % len(PHONES)]}")
            code += 1
    rows = importing.read_rows("\n".join(lines).encode(), set(measures.ACTIVITIES), NOW.date())
    importing.import_participants(db, NOW, programme, rows, runtime.settings.zone, SEND_HOUR)
    db.close()

    arrivals.clear()
    moment = NOW.replace(hour=12)  # after the send hour in Stockholm, summer time or not
    for day, count in enumerate(ticks):
        report = run_tick(app, clock=FixedClock(moment + timedelta(days=day)))
        if report.sent != count:
            raise RuntimeError(f"{name}: tick {day + 1} sent {report.sent} SMS, {count} were due")
    if len(arrivals) != sum(ticks):
        raise RuntimeError(f"{name}: the server received {len(arrivals)} requests, {sum(ticks)} were sent")
    return Run(name, per_second, ticks, sorted(arrivals))


def report(runs: list[Run]) -> str:
    """Return the results as a small text table."""
    label = 40
    lines = [
        "SMS rate limit: real dispatch and TwilioSms, a local HTTP server answering as Twilio, "
        "arrivals timed at the server",
        f"python {platform.python_version()}, {os.cpu_count()} cores, now={NOW.isoformat()}",
        "",
    ]
    for one in runs:
        gaps = one.gaps()
        most = one.max_in_a_second()
        lines += [
            f"{one.name}: {sum(one.ticks)} SMS in {len(one.ticks)} tick(s), "
            f"FOLLOWUP_SMS_PER_SECOND={one.per_second:g}",
            f"{'  first to last arrival (s)':<{label}}{one.arrivals[-1] - one.arrivals[0]:>10.3f}",
            f"{'  overall rate (SMS/s)':<{label}}{one.rate():>10.3f}",
            f"{'  most in any 1-second window':<{label}}{most:>10}",
            f"{'  shortest gap, median gap (s)':<{label}}{min(gaps):>10.4f}"
            f"{sorted(gaps)[len(gaps) // 2]:>10.4f}",
            f"{f'  shortest span of {int(one.per_second) + 1} in a row (s)':<{label}}"
            f"{one.tightest_span():>10.4f}",
            f"  target <= {one.per_second:g} in any second: {'met' if most <= one.per_second else 'MISSED'}",
            "",
        ]
    return "\n".join(lines).rstrip()


def main(argv: list[str] | None = None) -> int:
    """Start the fake Twilio, run the dispatch at each rate, print the table."""
    parser = argparse.ArgumentParser(prog="python -m bench sms", description=__doc__.split("\n\n")[0])
    parser.parse_args(argv)

    arrivals: list[float] = []
    handler = type("Handler", (FakeTwilio,), {"arrivals": arrivals})
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    url = f"http://127.0.0.1:{server.server_port}"
    try:
        with tempfile.TemporaryDirectory(prefix="followup-bench-") as tmp:
            directory = Path(tmp)
            runs = [
                run(directory / "fast", url, arrivals, "10 a second", 10.0, [100]),
                run(directory / "slow", url, arrivals, "1 a second", 1.0, [15]),
                run(directory / "ticks", url, arrivals, "1 a second, two ticks back to back", 1.0, [3, 3]),
            ]
    finally:
        server.shutdown()
        server.server_close()
        thread.join()
    print(report(runs))
    return 0


if __name__ == "__main__":
    sys.exit(main())
