"""The real processes: gunicorn serving wsgi:app, `followup worker` and `followup serve` sending."""

import http.cookiejar
import os
import socket
import subprocess
import sys
import time
import urllib.request
from contextlib import ExitStack
from datetime import date, timedelta
from pathlib import Path

import pytest

from tests.factories import Outbox

ROOT = Path(__file__).resolve().parent.parent


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture
def environment(tmp_path):
    env = {
        **os.environ,
        "FOLLOWUP_INSTANCE_PATH": str(tmp_path / "instance"),
        "FOLLOWUP_TICK_SECONDS": "1",
        "FOLLOWUP_LANGUAGE": "en",
        # The processes run on the real clock: open the send window at every hour of every day.
        "FOLLOWUP_SEND_DAYS": "mon-sun",
        "FOLLOWUP_SEND_HOURS": "00:00-23:59:59",
        "FOLLOWUP_HOLIDAYS": "none",
    }
    env.pop("FOLLOWUP_DATABASE_URL", None)
    return env


def followup(env, *args, **kwargs):
    return subprocess.run(
        [sys.executable, "-m", "followup", *args],
        env=env,
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
        **kwargs,
    )


def import_one_due(env, tmp_path):
    exit_date = date.today() - timedelta(days=200)  # noqa: DTZ011 - the processes run on the real clock
    people = tmp_path / "people.csv"
    people.write_text(f"code,exit_date,email\nW1,{exit_date},w1@example.org\n")
    assert followup(env, "init").returncode == 0
    result = followup(env, "participants", "import", str(people), "--programme", "Worker test")
    assert result.returncode == 0, result.stderr


def wait_for(predicate, seconds=20):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.2)
    return False


def get(url, opener=None):
    try:
        with (opener or urllib.request.build_opener()).open(url, timeout=2) as response:
            return response.status, response.read().decode()
    except OSError:
        return None, ""


def start(env, *args, out: Path | None = None, err: Path | None = None) -> subprocess.Popen:
    """Start `python -m followup ARGS`, its output and errors written to these files or dropped."""
    with ExitStack() as files:
        stdout, stderr = (
            files.enter_context(path.open("w")) if path else subprocess.DEVNULL for path in (out, err)
        )
        return subprocess.Popen(
            [sys.executable, "-m", "followup", *args], env=env, cwd=ROOT, stdout=stdout, stderr=stderr
        )


def stop(process):
    process.terminate()
    try:
        process.wait(timeout=10)
    except subprocess.TimeoutExpired:
        process.kill()


def test_gunicorn_serves_wsgi_app(environment):
    assert followup(environment, "init").returncode == 0
    port = free_port()
    server = subprocess.Popen(
        [sys.executable, "-m", "gunicorn", "-b", f"127.0.0.1:{port}", "wsgi:app"],
        env=environment,
        cwd=ROOT,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        assert wait_for(lambda: get(f"http://127.0.0.1:{port}/")[0] == 200)
        assert get(f"http://127.0.0.1:{port}/s/{'x' * 43}")[0] is None  # 404 raises in urllib
    finally:
        stop(server)


def test_the_worker_process_sends_what_is_due(environment, tmp_path):
    import_one_due(environment, tmp_path)
    outbox = Path(environment["FOLLOWUP_INSTANCE_PATH"]) / "outbox"
    log = tmp_path / "worker.log"
    worker = start(environment, "worker", err=log)
    try:
        assert wait_for(lambda: any(outbox.glob("*.eml")))
        # A second scheduler would put back what the first is sending: it is refused, kindly.
        second = followup(environment, "worker")
        assert second.returncode == 1 and "Only one may run at a time." in second.stderr
        assert "Traceback" not in second.stderr
        time.sleep(2.5)  # further ticks must not send it again
    finally:
        stop(worker)
    assert len(list(outbox.glob("*.eml"))) == 1
    written = log.read_text()
    assert "tick: 0 planned, 1 queued, 1 sent" in written and "w1@example.org" not in written


def test_serve_runs_web_and_scheduler_together(environment, tmp_path):
    import_one_due(environment, tmp_path)
    port = free_port()
    outbox = Path(environment["FOLLOWUP_INSTANCE_PATH"]) / "outbox"
    log = tmp_path / "serve.log"
    serve = start(environment, "serve", "--port", str(port), err=log)
    try:
        assert wait_for(lambda: get(f"http://127.0.0.1:{port}/")[0] == 200)
        assert wait_for(lambda: any(outbox.glob("*.eml")))
        # Without FOLLOWUP_BASE_URL the links lead to the port actually served, not to 5000.
        link = Outbox(outbox).link_for("w1@example.org")
        assert link.startswith(f"http://127.0.0.1:{port}/s/"), link
        path = link.removeprefix(f"http://127.0.0.1:{port}")
        # A browser keeps the session cookie across the redirect from the link to the survey.
        browser = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(http.cookiejar.CookieJar()))
        status, page = get(f"http://127.0.0.1:{port}{path}", browser)
        assert status == 200 and "Uppföljning efter insatsen" in page
        status, page = get(f"http://127.0.0.1:{port}/enkat/sida/now", browser)
        assert status == 200 and "What do you mainly do right now?" not in page  # participant speaks sv
        assert "Vad gör du huvudsakligen just nu?" in page
    finally:
        stop(serve)
    # The request log shows that a link was opened, never the link's token.
    token = path.rsplit("/", 1)[1]
    written = log.read_text()
    assert "GET /s/… HTTP" in written and token not in written, written
    assert (
        f"FOLLOWUP_BASE_URL is not set: links in the messages sent from here lead to http://127.0.0.1:{port}"
        in (written)
    )


def test_serve_keeps_a_base_url_that_is_set(environment, tmp_path):
    environment = {**environment, "FOLLOWUP_BASE_URL": "https://followup.example.org"}
    import_one_due(environment, tmp_path)
    outbox = Path(environment["FOLLOWUP_INSTANCE_PATH"]) / "outbox"
    log = tmp_path / "serve.log"
    serve = start(environment, "serve", "--port", str(free_port()), err=log)
    try:
        assert wait_for(lambda: any(outbox.glob("*.eml")))
    finally:
        stop(serve)
    assert Outbox(outbox).link_for("w1@example.org").startswith("https://followup.example.org/s/")
    assert "FOLLOWUP_BASE_URL is not set" not in log.read_text()


@pytest.mark.parametrize(
    ("host", "port", "url"),
    [
        ("127.0.0.1", 5101, "http://127.0.0.1:5101"),
        ("0.0.0.0", 8000, "http://127.0.0.1:8000"),  # noqa: S104
        ("localhost", 5000, "http://localhost:5000"),
        ("::1", 5101, "http://[::1]:5101"),
    ],
)
def test_the_served_address_is_one_a_browser_opens(host, port, url):
    from followup.cli import served_address

    assert served_address(host, port) == url


def test_serve_next_to_a_worker_serves_pages_only(environment, tmp_path):
    environment = {**environment, "FOLLOWUP_TICK_SECONDS": "3600"}  # the worker ticks once, at start
    import_one_due(environment, tmp_path)
    outbox = Path(environment["FOLLOWUP_INSTANCE_PATH"]) / "outbox"
    port = free_port()
    worker = start(environment, "worker")
    serve = None
    try:
        assert wait_for(lambda: any(outbox.glob("*.eml")))
        out = tmp_path / "serve.out"
        serve = start(environment, "serve", "--port", str(port), out=out)
        assert wait_for(lambda: get(f"http://127.0.0.1:{port}/")[0] == 200)
        assert "serving pages only, sending nothing" in out.read_text()
    finally:
        for process in (serve, worker):
            if process:
                stop(process)
    assert len(list(outbox.glob("*.eml"))) == 1


def test_a_bad_setting_stops_the_command_with_a_message_not_a_traceback(environment):
    result = followup({**environment, "FOLLOWUP_TIMEZONE": "Mars/Olympus"}, "init")
    assert result.returncode == 1
    assert "FOLLOWUP_TIMEZONE='Mars/Olympus' is not a known time zone" in result.stderr
    assert "Traceback" not in result.stderr
