"""The shipped gunicorn.conf.py, run for real on 127.0.0.1: slow and huge bodies, and its log."""

import socket
import subprocess
import sys
import time

import pytest

from tests.test_processes import ROOT, environment, followup, free_port, get, stop, wait_for  # noqa: F401

TOKEN = "T0kenThatMustNeverBeLoggedXXXXXXXXXXXXXXXX"


@pytest.fixture
def server(environment, tmp_path):  # noqa: F811
    # With a Twilio token set, the webhook reads the whole body to check its signature.
    environment["FOLLOWUP_TWILIO_AUTH_TOKEN"] = "a-twilio-token-for-tests"
    assert followup(environment, "init").returncode == 0
    port = free_port()
    log = tmp_path / "gunicorn.log"
    with log.open("wb") as sink:
        process = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "gunicorn",
                "-c",
                "gunicorn.conf.py",
                "-b",
                f"127.0.0.1:{port}",
                "wsgi:app",
            ],
            env=environment,
            cwd=ROOT,
            stdout=sink,
            stderr=sink,
        )
    try:
        assert wait_for(lambda: get(f"http://127.0.0.1:{port}/")[0] == 200)
        yield port, log
    finally:
        stop(process)


def _open(port: int, head: bytes) -> socket.socket:
    connection = socket.create_connection(("127.0.0.1", port), timeout=5)
    connection.sendall(head)
    return connection


def _post_head(length: int) -> bytes:
    return (
        f"POST /webhooks/twilio/inbound HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Twilio-Signature: forged\r\n"
        f"Content-Type: application/x-www-form-urlencoded\r\nContent-Length: {length}\r\n\r\n"
    ).encode()


def test_slow_and_huge_bodies_do_not_starve_other_requests(server):
    port, _ = server
    # Two clients that send a body a few bytes at a time and never finish.
    slow = [_open(port, _post_head(100_000) + b"Body=") for _ in range(2)]
    try:
        # One that announces 100 MB: refused at once, without the body being read.
        huge = _open(port, _post_head(100 * 1024 * 1024) + b"x" * 65536)
        answer = huge.recv(200)
        huge.close()
        assert answer.startswith(b"HTTP/1.1 413"), answer
        for _ in range(5):
            started = time.monotonic()
            status, _ = get(f"http://127.0.0.1:{port}/")
            assert status == 200 and time.monotonic() - started < 2
            for connection in slow:
                connection.sendall(b"a")
    finally:
        for connection in slow:
            connection.close()


def test_a_malformed_request_line_with_a_token_is_not_logged_with_it(server):
    port, log = server
    for path in (f"/s/{TOKEN}\xff".encode("latin-1"), f"/u/{TOKEN}\xff".encode("latin-1")):
        connection = _open(port, b"GET " + path + b" HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n")
        answer = connection.recv(1000)
        connection.close()
        assert answer.startswith(b"HTTP/1.1 400"), answer
        assert TOKEN.encode() not in answer
        head = answer.split(b"\r\n\r\n")[0]
        for header in (b"Content-Security-Policy: default-src 'self'", b"X-Content-Type-Options: nosniff"):
            assert header in head, answer
    time.sleep(0.5)  # the worker's log line is written after the answer
    written = log.read_text(errors="replace")
    assert "Invalid request" in written and "/s/…" in written
    assert TOKEN not in written
