"""Small helpers that make programmes, participants and answers for tests."""

import re
from dataclasses import dataclass
from datetime import date, datetime
from email import message_from_bytes, policy
from pathlib import Path
from zoneinfo import ZoneInfo

from followup.clock import FixedClock
from followup.models import Cohort, Contact, Invitation, Message, Participant, Programme, Token, Wave
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


SHARED_EMAIL = "shared@example.org"


@dataclass
class TwoProgrammes:
    """Two programmes on one database, built so that a query missing its programme's scope shows.

    Steget: e-mail only, waves at 6, 12 and 24 months (60 days open), reminders after 7 and 14 days;
    participants P1 (shared@example.org) and P2, cohorts Grupp 1 and Grupp 2.
    Steget Fram: e-mail and SMS, waves at 3 and 12 months (30 days open), a reminder after 3 days;
    participants P1 (the same address and exit date, another person) and P3, cohorts Grupp 1 and Omgång B.
    """

    a: Programme
    b: Programme


def make_two_programmes(db, now) -> TwoProgrammes:
    a = make_programme(db, now, "Steget", channel_policy="email_only")
    b = make_programme(
        db, now, "Steget Fram", offsets=[3, 12], window_days=30, channel_policy="both", reminder_days=[3]
    )
    make_participants(
        db, now, a, [f"P1,2025-06-30,{SHARED_EMAIL},,sv,Grupp 1", "P2,2025-06-30,p2@example.org,,sv,Grupp 2"]
    )
    make_participants(
        db,
        now,
        b,
        [
            f"P1,2025-06-30,{SHARED_EMAIL},+46701740605,sv,Grupp 1",
            "P3,2025-09-30,p3@example.org,+46701740606,en,Omgång B",
        ],
    )
    return TwoProgrammes(a, b)


def programme_rows(programme) -> dict[str, list[tuple]]:
    """Everything stored about one programme, to show that work on another left it as it was."""
    people = Participant.select(Participant.id).where(Participant.programme == programme)
    invitations = Invitation.select(Invitation.id).where(Invitation.participant.in_(people))
    queries = {
        "programme": Programme.select().where(Programme.id == programme.id),
        "waves": Wave.select().where(Wave.programme == programme),
        "cohorts": Cohort.select().where(Cohort.programme == programme),
        "participants": Participant.select().where(Participant.programme == programme),
        "contacts": Contact.select().where(Contact.participant.in_(people)),
        "invitations": Invitation.select().where(Invitation.participant.in_(people)),
        "messages": Message.select().where(Message.invitation.in_(invitations)),
        "tokens": Token.select().where(Token.invitation.in_(invitations)),
    }
    return {name: sorted(query.tuples(), key=repr) for name, query in queries.items()}


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
