"""Twilio for tests: Prism serving Twilio's own API description, and a small server for error bodies."""

import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs

import pytest

from followup.sending.delivery.sms import TwilioSms
from tests.prism import Prism, PrismError

ACCOUNT_SID = "AC" + "0123456789abcdef" * 2
AUTH_TOKEN = "test-auth-token"
MESSAGING_SERVICE_SID = "MG" + "fedcba9876543210" * 2
FROM_NUMBER = "+46701740699"
TO = "+46701740605"


def make_sms(base_url: str, **sender) -> TwilioSms:
    """Return a TwilioSms that talks to base_url, from the Messaging Service unless told otherwise."""
    sender = sender or {"messaging_service_sid": MESSAGING_SERVICE_SID}
    return TwilioSms(ACCOUNT_SID, AUTH_TOKEN, api_base_url=base_url, **sender)


def twilio_error(code: int, status: int) -> dict:
    """Return Twilio's documented error body, with the 'To' number in the message as Twilio puts it."""
    return {
        "code": code,
        "message": f"The 'To' number {TO} cannot take this message.",
        "more_info": f"https://www.twilio.com/docs/errors/{code}",
        "status": status,
    }


@pytest.fixture(scope="session")
def prism():
    server = Prism()
    failure = None
    try:
        server.start()
    except PrismError as error:
        failure = str(error)
    if failure:
        # A failure, not a skip: CI must really run these tests.
        server.stop()
        pytest.fail(failure, pytrace=False)
    yield server
    server.stop()


class FakeTwilio(BaseHTTPRequestHandler):
    status = 201
    reply: dict = {}
    by_number: dict[str, tuple[int, dict]] = {}  # a status and a reply for one "To" number
    requests: list[dict] = []

    def do_POST(self):  # noqa: N802 (http.server's naming)
        length = int(self.headers["Content-Length"])
        form = parse_qs(self.rfile.read(length).decode())
        self.requests.append({"path": self.path, "form": form})
        status, reply = self.by_number.get(form.get("To", [""])[0], (self.status, self.reply))
        body = json.dumps(reply).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format, *args):
        pass


@pytest.fixture
def fake_twilio():
    """Serve FakeTwilio on 127.0.0.1; set .status and .reply on the returned class."""
    handler = type("Handler", (FakeTwilio,), {"requests": [], "by_number": {}})
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    handler.url = f"http://127.0.0.1:{server.server_port}"
    yield handler
    server.shutdown()
    server.server_close()
    thread.join()
