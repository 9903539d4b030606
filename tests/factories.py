"""Small helpers that make programmes, participants and answers for tests."""

import itertools
import re
from collections import defaultdict
from dataclasses import dataclass
from datetime import date, datetime
from email import message_from_bytes, policy
from pathlib import Path
from zoneinfo import ZoneInfo

from followup.clock import FixedClock
from followup.models import Cohort, Contact, Invitation, Message, Participant, Programme, Token, Wave
from followup.plan.importing import import_participants, read_rows
from followup.plan.programmes import create_programme
from followup.results.measures import ACTIVITIES, Counts
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
    parsed = read_rows("\n".join([header, *rows]).encode(), set(ACTIVITIES), now.astimezone(STOCKHOLM).date())
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


class Watched:
    """A real transport that first calls `before_each` with what it is given to send."""

    def __init__(self, transport, before_each):
        self.transport, self.before_each = transport, before_each

    def batch(self):
        return self.transport.batch()

    def send(self, *args, **kwargs):
        self.before_each(*args, **kwargs)
        return self.transport.send(*args, **kwargs)


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


INVENTED_WAVES = (6, 12)


def person(cohort, exit_activity=None, exit_sa=None, language="sv", **waves):
    """An invented person; `w6=answers(...)` gives their answers at 6 months (none: did not answer)."""
    return {
        "cohort": cohort,
        "exit_activity": exit_activity,
        "exit_sa": exit_sa,
        "language": language,
        "waves": {int(name.removeprefix("w")): given for name, given in waves.items() if given},
    }


def answers(activity="job_seeking", sa="no", who5=48, next_step="not_yet", helped="a_little"):
    return (activity, sa, who5, next_step, helped)


def counts_of(people) -> Counts:
    """Group invented people (made with `person`) as the database's GROUP BY would, for 6 and 12 months."""
    groups, opinions, pairs = defaultdict(lambda: [0] * 6), defaultdict(int), defaultdict(lambda: [0] * 6)
    for p in people:
        for w in INVENTED_WAVES:
            given = p["waves"].get(w)
            key = (w, p["cohort"], given is not None, p["exit_activity"], p["exit_sa"], p["language"])
            key += (given[0], given[1]) if given else (None, None)
            cell = groups[key]
            cell[0] += 1
            if given:
                score = given[2]
                cell[1:] = [
                    cell[1] + 1,
                    cell[2] + score,
                    cell[3] + score * score,
                    cell[4] + (score <= 50),
                    cell[5] + (score <= 28),
                ]
                opinions[(w, p["cohort"], given[3], given[4])] += 1
        for a, b in itertools.combinations(INVENTED_WAVES, 2):
            first, second = p["waves"].get(a), p["waves"].get(b)
            if first and second:
                d = second[2] - first[2]
                cell = pairs[(p["cohort"], a, b)]
                cell[:] = [
                    cell[0] + 1,
                    cell[1] + 1,
                    cell[2] + d,
                    cell[3] + d * d,
                    cell[4] + (d >= 10),
                    cell[5] + (d <= -10),
                ]
    return Counts(
        waves=list(INVENTED_WAVES),
        cohorts=sorted({p["cohort"] for p in people}),
        groups=[(*k, *v) for k, v in groups.items()],
        opinions=[(*k, n) for k, n in opinions.items()],
        pairs=[(*k, *v) for k, v in pairs.items()],
    )


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


def count_queries(db, monkeypatch) -> list[str]:
    """Return a list that collects every statement the bound database `db` (the proxy) runs from now."""
    real = db.obj.execute_sql
    seen = []

    def counting(sql, params=None, *args, **kwargs):
        seen.append(sql)
        return real(sql, params, *args, **kwargs)

    monkeypatch.setattr(db.obj, "execute_sql", counting)
    return seen
