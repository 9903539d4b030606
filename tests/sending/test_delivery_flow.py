"""Dispatch with the real senders: SMTP (aiosmtpd) and Twilio (Prism, and a server for error bodies)."""

import re
from datetime import timedelta

import pytest

from followup import create_app
from followup.models import Contact, Message, Participant, Programme
from followup.plan.status import contacts_to_fix, wave_status
from followup.sending.delivery import Senders
from followup.sending.delivery.email import SmtpEmail
from followup.sending.delivery.sms import segments
from followup.worker import run_tick as app_tick
from tests.factories import at, make_participants, make_programme, outbox_senders, run_tick
from tests.smtp_server import Mailbox
from tests.twilio_server import ACCOUNT_SID, AUTH_TOKEN, MESSAGING_SERVICE_SID, make_sms, twilio_error

NOW = at(2026, 1, 21)


def smtp(mailbox):
    return SmtpEmail("127.0.0.1", mailbox.port, "none", None, None, timeout=5)


def people(db, clock, rows, policy=Programme.EMAIL_THEN_SMS, reminders="7,14"):
    programme = make_programme(db, clock.now())
    Programme.update(channel_policy=policy, reminder_days=reminders).execute()
    make_participants(db, clock.now(), programme, rows)
    return programme


@pytest.mark.parametrize(
    ("policy", "expected"),
    [
        (Programme.EMAIL_ONLY, {"B1": ["email"], "E1": ["email"], "S1": []}),
        (Programme.SMS_ONLY, {"B1": ["sms"], "E1": [], "S1": ["sms"]}),
        (Programme.BOTH, {"B1": ["email", "sms"], "E1": ["email"], "S1": ["sms"]}),
        (Programme.EMAIL_THEN_SMS, {"B1": ["email"], "E1": ["email"], "S1": ["sms"]}),
    ],
)
def test_the_channel_policy_decides_who_gets_what(app, db, clock, policy, expected):
    people(
        db,
        clock,
        [
            "E1,2025-07-20,e1@example.org,,sv,G",
            "S1,2025-07-20,,0701740607,sv,G",
            "B1,2025-07-20,b1@example.org,0701740608,sv,G",
        ],
        policy=policy,
    )
    run_tick(app, db, NOW)
    got = {code: [] for code in expected}
    for message in Message.select().order_by(Message.channel):
        got[message.invitation.participant.code].append(message.channel)
    assert got == expected
    assert {m.state for m in Message.select()} <= {"sent"}


def test_a_real_smtp_server_receives_invitation_with_link_and_headers(app, db, clock, mailbox, client):
    people(db, clock, ["E1,2025-07-20,e1@example.org,,sv,G"])
    report = run_tick(app, db, NOW, senders=Senders(email=smtp(mailbox), sms=outbox_senders(app).sms))
    assert report.sent == 1
    [received] = mailbox.received
    email = received.email()
    assert received.rcpt_tos == ["e1@example.org"]
    assert email["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    assert Message.get().provider_ref == email["Message-ID"]
    link = re.search(r"http://localhost/s/[A-Za-z0-9_-]+", email.get_body(("plain",)).get_content()).group(0)
    assert link in email.get_body(("html",)).get_content()
    assert client.get(link.removeprefix("http://localhost")).status_code == 303


class Watching(Mailbox):
    """A mailbox that notes every message's state at the moment each e-mail's content arrives."""

    def __init__(self, db) -> None:
        super().__init__()
        self.db = db
        self.states: list[list[str]] = []

    async def handle_DATA(self, server, session, envelope):
        with self.db.connection_context():
            self.states.append(
                [state for (state,) in Message.select(Message.state).order_by(Message.id).tuples()]
            )
        return await super().handle_DATA(server, session, envelope)


def test_each_email_goes_after_the_one_before_is_recorded_and_with_the_next_one_claimed(
    app, db, clock, serve
):
    people(db, clock, [f"E{i},2025-07-20,e{i}@example.org,,sv,G" for i in range(1, 6)])
    watching = Watching(db)
    port = serve(watching).port
    sender = SmtpEmail("127.0.0.1", port, "none", None, None, timeout=5)
    report = run_tick(app, db, NOW, senders=Senders(email=sender, sms=outbox_senders(app).sms))
    assert report.sent == 5
    # When the server has e-mail k: those before it are recorded as sent, it and the next one
    # are claimed ("sending"), and the rest wait. A crash then re-sends at most e-mail k.
    assert watching.states == [
        ["sent"] * (k - 1) + ["sending"] * min(2, 6 - k) + ["pending"] * max(0, 4 - k) for k in range(1, 6)
    ]
    assert [state for (state,) in Message.select(Message.state).tuples()] == ["sent"] * 5


def test_a_temporary_smtp_failure_is_retried_with_backoff(app, db, clock, mailbox, outbox):
    people(db, clock, ["L1,2025-07-20,later@example.org,,sv,G"])
    senders = Senders(email=smtp(mailbox), sms=outbox_senders(app).sms)
    assert run_tick(app, db, NOW, senders=senders).retried == 1
    message = Message.get()
    assert (message.state, message.attempts) == ("pending", 1)
    assert message.next_attempt_at == NOW + timedelta(minutes=5)
    assert "later@" not in message.error and "451" in message.error
    assert run_tick(app, db, NOW + timedelta(minutes=4), senders=senders).retried == 0
    assert run_tick(app, db, NOW + timedelta(minutes=5), senders=senders).retried == 1
    assert Message.get().next_attempt_at == NOW + timedelta(minutes=20)
    # The last allowed attempt gives up and says so.
    report = run_tick(app, db, NOW + timedelta(minutes=20), senders=senders, max_attempts=3)
    assert report.failed == 1 and Message.get().state == "failed"
    assert Contact.get().email_failed_at is None  # a full mailbox is not a dead address


def test_a_bounced_address_is_marked_and_sms_takes_over(app, db, clock, mailbox, outbox):
    people(db, clock, ["X1,2025-07-20,bounce@example.org,0701740609,sv,G"])
    senders = Senders(email=smtp(mailbox), sms=outbox_senders(app).sms)
    run_tick(app, db, NOW, senders=senders)
    contact = Contact.get()
    assert contact.email_failed_at == NOW and "550" in contact.email_problem
    assert "bounce@" not in contact.email_problem
    run_tick(app, db, NOW + timedelta(minutes=1), senders=senders)
    assert [m.channel for m in Message.select().where(Message.state == "sent")] == ["sms"]
    assert len(outbox.sms()) == 1
    [problem] = contacts_to_fix(Programme.get().id, NOW)
    assert (problem.code, problem.channel) == ("X1", "email")
    wave = wave_status(Programme.get().id)[0]
    assert (wave.sent, wave.failed, wave.bounced) == (1, 0, 1)


@pytest.mark.parametrize(
    ("policy", "sms_problem", "expected"),
    [
        (Programme.EMAIL_THEN_SMS, None, [(0, "email"), (1, "sms")]),
        (Programme.EMAIL_ONLY, None, [(0, "email")]),
        (Programme.EMAIL_THEN_SMS, "phone_failed_at", [(0, "email")]),
        (Programme.EMAIL_THEN_SMS, "sms_opted_out_at", [(0, "email")]),
    ],
)
def test_a_reminder_that_bounces_goes_by_sms_when_the_policy_allows(
    app, db, clock, mailbox, outbox, policy, sms_problem, expected
):
    people(db, clock, ["X1,2025-07-20,x1@example.org,0701740609,sv,G"], policy=policy)
    senders = Senders(email=smtp(mailbox), sms=outbox_senders(app).sms)
    run_tick(app, db, NOW, senders=senders)
    if sms_problem == "phone_failed_at":
        Contact.update(phone_failed_at=NOW).execute()
    elif sms_problem:
        Participant.update(sms_opted_out_at=NOW).execute()
    # The address stops working after the invitation went out: the first reminder bounces.
    Contact.update(email="bounce@example.org").execute()
    run_tick(app, db, NOW + timedelta(days=7), senders=senders)
    report = run_tick(app, db, NOW + timedelta(days=7, minutes=1), senders=senders)
    sent = Message.select().where(Message.state == "sent").order_by(Message.sequence)
    assert [(m.sequence, m.channel) for m in sent] == expected
    assert report.cancelled == 0  # no SMS was queued that could not go


def test_an_sms_opt_out_at_twilio_is_respected(app, db, clock, fake_twilio, outbox):
    people(db, clock, ["S1,2025-07-20,,0701740605,sv,G"], policy=Programme.SMS_ONLY)
    fake_twilio.status, fake_twilio.reply = 400, twilio_error(21610, 400)
    senders = Senders(email=outbox_senders(app).email, sms=make_sms(fake_twilio.url))
    assert run_tick(app, db, NOW, senders=senders).failed == 1
    assert Participant.get().sms_opted_out_at == NOW
    run_tick(app, db, NOW + timedelta(days=8), senders=senders)
    assert len(fake_twilio.requests) == 1


@pytest.mark.parametrize(("code", "status"), [(20429, 429), (20500, 503)])
def test_twilio_overload_is_retried(app, db, clock, fake_twilio, code, status):
    people(db, clock, ["S1,2025-07-20,,0701740605,sv,G"], policy=Programme.SMS_ONLY)
    fake_twilio.status, fake_twilio.reply = status, twilio_error(code, status)
    senders = Senders(email=outbox_senders(app).email, sms=make_sms(fake_twilio.url))
    run_tick(app, db, NOW, senders=senders)
    assert Message.get().state == "pending" and Message.get().attempts == 1
    fake_twilio.status, fake_twilio.reply = 201, {"sid": "SM" + "1" * 32, "status": "queued"}
    run_tick(app, db, NOW + timedelta(minutes=5), senders=senders)
    assert Message.get().state == "sent" and Message.get().provider_ref == "SM" + "1" * 32


def test_reminders_stop_when_the_person_answers(app, db, clock, outbox):
    from followup.models import Invitation

    people(db, clock, ["A1,2025-07-20,a1@example.org,,sv,G", "N1,2025-07-20,n1@example.org,,sv,G"])
    run_tick(app, db, NOW)
    Invitation.update(state=Invitation.ANSWERED).where(
        Invitation.participant == Participant.get(code="A1").id, Invitation.state == Invitation.SENT
    ).execute()
    for days in (7, 14):
        run_tick(app, db, NOW + timedelta(days=days))
    reminders = Message.select().where(Message.kind == "reminder")
    assert sorted((m.invitation.participant.code, m.sequence) for m in reminders) == [("N1", 1), ("N1", 2)]
    assert all(m.state == "sent" for m in reminders)


def test_no_reminder_after_the_window_closes(app, db, clock, outbox):
    people(db, clock, ["N1,2025-07-20,n1@example.org,,sv,G"], reminders="7,90")
    run_tick(app, db, NOW)
    run_tick(app, db, NOW + timedelta(days=90))
    assert [m.sequence for m in Message.select()] == [0]


@pytest.mark.parametrize("language", ["sv", "en"])
@pytest.mark.parametrize("kind", ["invitation", "reminder"])
def test_sms_texts_fit_in_two_segments(app, language, kind):
    from followup.sending.composing import compose

    link = "https://uppfoljning.samordningsforbund.example.se/s/" + "A" * 43
    with app.app_context():
        words = compose(kind, "sms", language, link, link, "Steget Fram Älvsbyn", NOW.date())
    encoding, count = segments(words.text)
    assert encoding == "GSM-7" and count <= 2, (words.text, encoding, count)


def test_the_loop_over_smtp_and_twilio_configured_by_environment(
    app, db, clock, mailbox, prism, monkeypatch, tmp_path
):
    settings = {
        "EMAIL_TRANSPORT": "smtp",
        "SMTP_HOST": "127.0.0.1",
        "SMTP_PORT": str(mailbox.port),
        "SMTP_SECURITY": "none",
        "SMS_TRANSPORT": "twilio",
        "TWILIO_ACCOUNT_SID": ACCOUNT_SID,
        "TWILIO_AUTH_TOKEN": AUTH_TOKEN,
        "TWILIO_MESSAGING_SERVICE_SID": MESSAGING_SERVICE_SID,
        "TWILIO_API_URL": prism.url,
        "BASE_URL": "https://followup.example.org",
        "DATABASE_URL": app.config["DATABASE_URL"],
        "INSTANCE_PATH": str(tmp_path / "configured"),
    }
    for name, value in settings.items():
        monkeypatch.setenv(f"FOLLOWUP_{name}", value)
    configured = create_app({"CLOCK": clock})
    db = configured.extensions["followup"].db  # the models now use the new app's connection
    db.connect(reuse_if_open=True)
    people(db, clock, ["E1,2025-07-20,e1@example.org,,sv,G", "S1,2025-07-20,,0701740605,en,G"])
    clock.set(NOW)
    report = app_tick(configured)
    assert report.sent == 2
    assert [r.rcpt_tos for r in mailbox.received] == [["e1@example.org"]]
    sms = Message.get(Message.channel == "sms")
    assert sms.state == "sent" and sms.provider_ref.startswith("SM")
    text = mailbox.received[0].email().get_body(("plain",)).get_content()
    link = re.search(r"https://followup.example.org/s/\S+", text).group(0)
    page = configured.test_client().get(link.removeprefix("https://followup.example.org"))
    assert page.status_code == 303
