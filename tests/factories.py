"""Small helpers that make programmes, participants and answers for tests."""

import re
from datetime import date, datetime
from email import message_from_bytes, policy
from pathlib import Path
from zoneinfo import ZoneInfo

from followup.clock import FixedClock
from followup.plan.importing import import_participants, read_rows
from followup.plan.programmes import create_programme
from followup.results.reporting import ACTIVITIES
from followup.sending.composing import compose
from followup.sending.delivery import Senders
from followup.sending.delivery.outbox import OutboxEmail, OutboxSms
from followup.sending.dispatch import tick
from followup.sending.sender import Settings

STOCKHOLM = ZoneInfo("Europe/Stockholm")
HEADER = "code,exit_date,email,phone,language,cohort"
LINK = re.compile(r"https?://[^\s\"<>]+/s/[A-Za-z0-9_-]+")


def make_programme(db, now, name="Steget", **kwargs):
    return create_programme(db, now, name, **kwargs)


def make_participants(db, now, programme, rows: list[str], header: str = HEADER):
    """Import CSV rows (strings without the header) into `programme`."""
    parsed = read_rows("\n".join([header, *rows]).encode(), set(ACTIVITIES))
    return import_participants(db, now, programme, parsed, STOCKHOLM, 10)


def make_participant(
    db,
    now,
    programme,
    code="P1",
    exit_date=date(2025, 1, 31),
    email="",
    phone="",
    language="sv",
    cohort="Grupp 1",
):
    email = email or ("" if phone else f"{code.lower()}@example.org")
    return make_participants(db, now, programme, [f"{code},{exit_date},{email},{phone},{language},{cohort}"])


def settings(base_url="http://localhost", **changes):
    """Sending settings for tests: no send window and no rate limit unless asked for."""
    values = {
        "zone": STOCKHOLM,
        "send_hour": 10,
        "base_url": base_url,
        "mail_from": "followup@example.org",
        "sms_per_second": 0.0,
        **changes,
    }
    return Settings(**values)


def outbox_senders(app):
    return Senders(email=OutboxEmail(app.config["OUTBOX_PATH"]), sms=OutboxSms(app.config["OUTBOX_PATH"]))


def run_tick(app, db, now, senders=None, dry_run=False, **changes):
    """Run one real tick (the outbox unless other senders are given) inside the app context."""
    with app.app_context():
        return tick(
            db, FixedClock(now), senders or outbox_senders(app), compose, settings(**changes), dry_run
        )


class Outbox:
    """Read what the outbox transport wrote."""

    def __init__(self, folder):
        self.folder = Path(folder)

    def files(self):
        if not self.folder.exists():
            return []
        return sorted(p for p in self.folder.iterdir() if not p.name.startswith("."))

    def emails(self):
        return [
            message_from_bytes(p.read_bytes(), policy=policy.default)
            for p in self.files()
            if p.suffix == ".eml"
        ]

    def sms(self):
        return [p.read_text() for p in self.files() if p.suffix == ".txt"]

    def links(self):
        found = []
        for email in self.emails():
            found += LINK.findall(email.get_body(("plain",)).get_content())
            found += LINK.findall(email.get_body(("html",)).get_content())
        for text in self.sms():
            found += LINK.findall(text)
        return sorted(set(found))

    def link_for(self, address: str) -> str:
        for email in self.emails():
            if email["To"] == address:
                return LINK.search(email.get_body(("plain",)).get_content()).group(0)
        for text in self.sms():
            if text.startswith(f"To: {address}\n"):
                return LINK.search(text).group(0)
        raise AssertionError(f"no message to {address}")


def at(year, month, day, hour=12, minute=0) -> datetime:
    """A Stockholm wall-clock moment."""
    return datetime(year, month, day, hour, minute, tzinfo=STOCKHOLM)


CSRF = re.compile(r'name="csrf_token" type="hidden" value="([^"]+)"')


def csrf_of(page) -> str:
    return CSRF.search(page.get_data(as_text=True)).group(1)


def answer_survey(client, link: str, answers: dict, base: str = "http://localhost"):
    """Answer a survey as a browser would: open the link, fill every page, review, send.

    Returns the response to the final POST. `answers` maps question ids to form values.
    """
    from followup.answers.surveys import latest, load_surveys

    survey = latest(load_surveys(), "standard")
    arrived = client.get(link.removeprefix(base))
    assert arrived.status_code == 303, arrived.status_code
    assert client.get(arrived.headers["Location"]).status_code == 200
    given: dict = {}
    for page in survey.pages:
        if not any(q.is_shown({**given, **answers}) for q in page.questions):
            continue
        path = f"/enkat/sida/{page.id}"
        form = {"csrf_token": csrf_of(client.get(path)), "action": "next"}
        for question in page.questions:
            if question.id in answers:
                form[question.id] = answers[question.id]
                given[question.id] = answers[question.id]
        saved = client.post(path, data=form)
        assert saved.status_code == 303, saved.get_data(as_text=True)
    review = client.get("/enkat/granska")
    assert review.status_code == 200, review.status_code
    return client.post("/enkat/skicka", data={"csrf_token": csrf_of(review)})


PASSWORD = "lingonberry harbour 41"


def make_user(db, now, email="anna@example.org", role="admin", programme=None, password=PASSWORD, name=""):
    """A staff account with a password (and no second factor)."""
    from followup.accounts.users import create_user, set_password

    user = create_user(db, now, email, name or email.split("@")[0].title(), role, programme)
    if password:
        set_password(db, user, password)
    return user


def sign_in(client, email="anna@example.org", password=PASSWORD):
    """Sign in through the form as a browser would; return the response to the POST."""
    page = client.get("/staff/sign-in")
    return client.post(
        "/staff/sign-in", data={"csrf_token": csrf_of(page), "email": email, "password": password}
    )
