"""Benchmark: the participant's survey under load, against a bare Flask page on the same server.

Both apps are served by gunicorn with 2 sync workers on 127.0.0.1, and loaded by wrk with 32
connections, one after the other, in the same run:

- bare:  a Flask app whose only view returns a short string;
- GET:   /enkat/sida/wellbeing, the WHO-5 page (session and invitation checks, draft read,
         survey lookup, the full template);
- POST:  /enkat/sida/now with CSRF token and an answer, saving the draft (a database write) and
         redirecting to the next page.

The sessions are real: 32 invited participants open their links first, so every request carries
a session cookie and, for POST, the CSRF token of its page. Afterwards the 32 participants send
their answers at once, and the responses in the database are counted.

Targets (issue "participant's survey"): GET at least 0.30 and POST at least 0.15 of the bare
page's requests a second; zero errors and zero lost responses.

    .venv/bin/python -m bench participant [--duration 10] [--connections 32] [--rounds 3]

Each figure is the median of the rounds (requests and errors are summed over them).
"""

from __future__ import annotations

import argparse
import http.cookiejar
import os
import re
import shutil
import socket
import sqlite3
import subprocess
import sys
import tempfile
import threading
import time
import urllib.parse
import urllib.request
from datetime import date, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PEOPLE = 32
CSRF = re.compile(r'name="csrf_token" type="hidden" value="([^"]+)"')
LINK = re.compile(r"http://127\.0\.0\.1:\d+/s/[A-Za-z0-9_-]+")
TARGET_GET, TARGET_POST = 0.30, 0.15
COMPLETE = {
    "now": {"main_activity": "studies"},
    "support": {"social_assistance": "no"},
    "wellbeing": {f"who5_{n}": "3" for n in range(1, 6)},
    "programme": {"next_step_start": "within_a_month", "programme_helped": "quite_a_lot"},
    "more": {},
}


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def followup(env: dict, *args: str) -> str:
    """Run one `followup` command and return its output."""
    done = subprocess.run(
        [sys.executable, "-m", "followup", *args],
        env=env,
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
    )
    return done.stdout


def gunicorn(env: dict, app: str, port: int) -> subprocess.Popen:
    """Start gunicorn with 2 workers and wait until it answers."""
    server = subprocess.Popen(
        [sys.executable, "-m", "gunicorn", "-w", "2", "-b", f"127.0.0.1:{port}", app],
        env=env,
        cwd=ROOT,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.5):
                return server
        except OSError:
            time.sleep(0.2)
    server.kill()
    raise RuntimeError(f"gunicorn {app} did not start")


def stop(server: subprocess.Popen) -> None:
    server.terminate()
    try:
        server.wait(timeout=10)
    except subprocess.TimeoutExpired:
        server.kill()


class Visitor:
    """One participant's browser: a cookie jar, and the pages it opens."""

    def __init__(self, base: str) -> None:
        self.base = base
        self.jar = http.cookiejar.CookieJar()
        self.opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(self.jar))

    def get(self, path: str) -> str:
        with self.opener.open(self.base + path, timeout=10) as response:
            return response.read().decode()

    def post(self, path: str, form: dict) -> int:
        data = urllib.parse.urlencode(form).encode()
        with self.opener.open(self.base + path, data=data, timeout=10) as response:
            return response.status

    def token(self, path: str) -> str:
        return CSRF.search(self.get(path)).group(1)

    def cookie(self) -> str:
        return "; ".join(f"{c.name}={c.value}" for c in self.jar)


def wrk(url: str, script: Path, duration: int, connections: int) -> dict:
    """Run wrk and return requests a second and error counts."""
    done = subprocess.run(
        ["wrk", "-t", "2", "-c", str(connections), "-d", f"{duration}s", "-s", str(script), url],
        capture_output=True,
        text=True,
        check=True,
    )
    out = done.stdout
    rate = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))
    total = int(re.search(r"(\d+) requests in", out).group(1))
    bad = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    socket_errors = re.search(r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", out)
    errors = (int(bad.group(1)) if bad else 0) + (
        sum(map(int, socket_errors.groups())) if socket_errors else 0
    )
    return {"rate": rate, "requests": total, "errors": errors}


def lua(path: Path, method: str, target: str, visitors: list[tuple[str, str]], body: str = "") -> Path:
    """Write a wrk script that spreads requests over the visitors' sessions."""
    rows = ",\n".join(
        f"{{{_lua_string(cookie)}, {_lua_string(body.replace('TOKEN', token))}}}"
        for cookie, token in visitors
    )
    path.write_text(
        f"""
local visitors = {{
{rows}
}}
local n = 0
request = function()
  n = n + 1
  local v = visitors[(n % #visitors) + 1]
  local headers = {{["Cookie"] = v[1]}}
  if "{method}" == "POST" then
    headers["Content-Type"] = "application/x-www-form-urlencoded"
    return wrk.format("POST", "{target}", headers, v[2])
  end
  return wrk.format("GET", "{target}", headers)
end
"""
    )
    return path


def _lua_string(text: str) -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench participant", description=__doc__.splitlines()[0])
    parser.add_argument("--duration", type=int, default=10, help="seconds per wrk run (default 10)")
    parser.add_argument("--connections", type=int, default=32, help="wrk connections (default 32)")
    parser.add_argument("--rounds", type=int, default=3, help="rounds of the three runs (default 3)")
    args = parser.parse_args(argv)
    if shutil.which("wrk") is None:
        print("wrk is needed (Debian package wrk)", file=sys.stderr)
        return 1
    work = Path(tempfile.mkdtemp(prefix="followup-bench-"))
    port, bare_port = free_port(), free_port()
    base = f"http://127.0.0.1:{port}"
    env = {
        **os.environ,
        "FOLLOWUP_INSTANCE_PATH": str(work / "instance"),
        "FOLLOWUP_BASE_URL": base,
        "FOLLOWUP_SEND_DAYS": "mon-sun",
        "FOLLOWUP_SEND_HOURS": "00:00-23:59:59",
        "FOLLOWUP_HOLIDAYS": "none",
        "FOLLOWUP_SECRET_KEY": "bench-secret-bench-secret-bench-secret",
    }
    env.pop("FOLLOWUP_DATABASE_URL", None)
    servers = []
    try:
        followup(env, "init")
        # Exit dates about 200 days ago: the 6-month wave is open on the real clock the server uses.
        exit_date = date.today() - timedelta(days=200)  # noqa: DTZ011 - gunicorn runs on the real clock
        people = work / "people.csv"
        people.write_text(
            "code,exit_date,email\n"
            + "".join(f"L{n:03d},{exit_date},l{n}@example.org\n" for n in range(PEOPLE * 2))
        )
        followup(env, "participants", "import", str(people), "--programme", "Load")
        followup(env, "tick")
        outbox = work / "instance" / "outbox"
        links = sorted({LINK.search(p.read_text(errors="replace")).group(0) for p in outbox.glob("*.eml")})
        servers.append(gunicorn(env, "wsgi:app", port))
        servers.append(gunicorn(env, "bench.bare_app:app", bare_port))
        readers, writers, finishers = [], [], []
        for link in links[:PEOPLE]:
            visitor = Visitor(base)
            visitor.get(link.removeprefix(base))
            visitor.get("/enkat/sida/wellbeing")  # as a browser would, it keeps the cookie this page set
            readers.append((visitor.cookie(), ""))
            token = visitor.token("/enkat/sida/now")  # makes the session carry its CSRF secret
            writers.append((visitor.cookie(), token))
        for link in links[PEOPLE : PEOPLE * 2]:
            visitor = Visitor(base)
            visitor.get(link.removeprefix(base))
            for page, answers in COMPLETE.items():
                visitor.post(
                    f"/enkat/sida/{page}",
                    {"csrf_token": visitor.token(f"/enkat/sida/{page}"), "action": "next", **answers},
                )
            finishers.append(visitor)
        body = "csrf_token=TOKEN&main_activity=studies&action=next"
        scripts = {
            "bare": (f"http://127.0.0.1:{bare_port}/", lua(work / "bare.lua", "GET", "/", [("x=1", "")])),
            "GET": (base, lua(work / "get.lua", "GET", "/enkat/sida/wellbeing", readers)),
            "POST": (base, lua(work / "post.lua", "POST", "/enkat/sida/now", writers, body)),
        }
        rounds: dict[str, list[dict]] = {name: [] for name in scripts}
        for _ in range(args.rounds):
            for name, (url, script) in scripts.items():
                rounds[name].append(wrk(url, script, args.duration, args.connections))
        results = {name: _median(found) for name, found in rounds.items()}
        sent = _submit_all(finishers)
        stored = (
            sqlite3.connect(work / "instance" / "followup.sqlite3")
            .execute("SELECT COUNT(*) FROM response")
            .fetchone()[0]
        )
    finally:
        for server in servers:
            stop(server)
        shutil.rmtree(work, ignore_errors=True)
    bare = results["bare"]["rate"]
    print(f"{'':6} {'req/s':>9} {'requests':>9} {'errors':>7} {'of bare':>8} {'target':>7}")
    for name, result in results.items():
        ratio = result["rate"] / bare
        target = {"GET": TARGET_GET, "POST": TARGET_POST}.get(name)
        mark = "" if target is None else (f">={target:.2f} " + ("met" if ratio >= target else "MISSED"))
        figures = f"{result['rate']:9.0f} {result['requests']:9d} {result['errors']:7d} {ratio:8.2f}"
        print(f"{name:6} {figures} {mark}")
    print(
        f"answers sent at once: {len(finishers)}, submits that got the thank-you page: {sent}, "
        f"responses stored: {stored} ({'none lost' if stored == len(finishers) == sent else 'LOST'})"
    )
    return 0


def _median(results: list[dict]) -> dict:
    ordered = sorted(results, key=lambda r: r["rate"])
    middle = ordered[len(ordered) // 2]
    return {
        **middle,
        "errors": sum(r["errors"] for r in results),
        "requests": sum(r["requests"] for r in results),
    }


def _submit_all(visitors: list[Visitor]) -> int:
    """Send every visitor's answers at the same moment; return how many reached the thank-you page."""
    start = threading.Barrier(len(visitors))
    reached = []

    def submit(visitor: Visitor) -> None:
        token = visitor.token("/enkat/granska")
        start.wait()
        with visitor.opener.open(
            visitor.base + "/enkat/skicka",
            data=urllib.parse.urlencode({"csrf_token": token}).encode(),
            timeout=30,
        ) as answer:
            if answer.url.endswith("/enkat/tack") and answer.status == 200:
                reached.append(1)

    threads = [threading.Thread(target=submit, args=(v,)) for v in visitors]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return len(reached)
