"""What the sender asks of each channel: Twilio's answers, delivery reports, links, the words."""

import time
from datetime import datetime

import pytest

from followup.clock import FixedClock
from followup.models import Invitation, Message, Participant, Programme, Token
from followup.sending.composing import compose
from followup.sending.delivery import Senders
from followup.sending.dispatch import tick
from tests.factories import (
    STOCKHOLM,
    Watched,
    at,
    make_participants,
    make_programme,
    outbox_senders,
    run_tick,
    settings,
)
from tests.twilio_server import make_sms, twilio_error

NOW = at(2026, 1, 21)
SENT = {"sid": "SM" + "1" * 32, "status": "queued"}


def people(db, rows, policy=Programme.SMS_ONLY):
    programme = make_programme(db, NOW)
    Programme.update(channel_policy=policy).execute()
    make_participants(db, NOW, programme, rows)


def message_of(code):
    return (
        Message.select().join(Invitation).where(Invitation.participant == Participant.get(code=code).id).get()
    )


def test_numbers_stopped_at_twilio_stop_sms_to_their_own_people_only(app, db, fake_twilio):
    people(db, [f"S{n},2025-07-20,,070174060{n},sv,G" for n in (1, 2, 3)])
    stopped = twilio_error(21610, 400)
    fake_twilio.status, fake_twilio.reply = 201, SENT
    fake_twilio.by_number = {"+46701740601": (400, stopped), "+46701740603": (400, stopped)}
    senders = Senders(email=outbox_senders(app).email, sms=make_sms(fake_twilio.url))
    report = run_tick(app, db, NOW, senders=senders)
    assert (report.sent, report.failed) == (1, 2)
    for code in ("S1", "S3"):
        assert Participant.get(code=code).sms_opted_out_at == NOW
        message = message_of(code)
        assert (message.state, message.attempts) == ("failed", 1)
        assert "21610" in message.error
    assert Participant.get(code="S2").sms_opted_out_at is None
    assert message_of("S2").state == "sent"


def test_an_sms_asks_for_delivery_reports_and_carries_its_survey_link_only(app, db, fake_twilio):
    people(db, ["S1,2025-07-20,,0701740601,sv,G"])
    fake_twilio.status, fake_twilio.reply = 201, SENT
    callback = "https://followup.example.org/webhooks/twilio/status"
    senders = Senders(email=outbox_senders(app).email, sms=make_sms(fake_twilio.url))
    assert run_tick(app, db, NOW, senders=senders, status_callback=callback).sent == 1
    [request] = fake_twilio.requests
    assert request["form"]["StatusCallback"] == [callback]
    # Stopping is by replying STOP: no opt-out link is made that nobody is given.
    assert [t.purpose for t in Token.select()] == [Token.SURVEY]


def test_an_emails_opt_out_link_opens_the_stop_page_and_is_not_its_survey_link(app, db, outbox):
    people(db, ["E1,2025-07-20,e1@example.org,,sv,G"], policy=Programme.EMAIL_ONLY)
    run_tick(app, db, NOW, base_url="https://followup.example.org")
    [email] = outbox.emails()
    stop = email["List-Unsubscribe"].strip("<>").removeprefix("https://followup.example.org")
    [survey] = [link for link in outbox.links() if "/s/" in link]
    client = app.test_client()
    page = client.get(stop)
    assert page.status_code == 200 and 'method="post"' in page.text
    assert stop.removeprefix("/u/") != survey.rsplit("/", 1)[1]
    assert client.get("/s/" + stop.removeprefix("/u/")).status_code == 404


def test_a_failure_without_words_is_named_by_its_kind(app, db):
    people(db, ["E1,2025-07-20,e1@example.org,,sv,G"], policy=Programme.EMAIL_ONLY)

    def reset(*_, **__):
        raise ConnectionResetError()

    senders = Senders(email=Watched(outbox_senders(app).email, reset), sms=outbox_senders(app).sms)
    assert run_tick(app, db, NOW, senders=senders).retried == 1
    message = message_of("E1")
    assert (message.state, message.error) == ("pending", "ConnectionResetError")


def test_the_words_of_each_kind_and_language_are_composed_once_in_a_tick(app, db, outbox):
    people(
        db,
        [f"E{n},2025-07-20,e{n}@example.org,,{'sv' if n < 4 else 'en'},G" for n in range(1, 7)],
        policy=Programme.EMAIL_ONLY,
    )
    asked = []

    def counted(*args):
        asked.append(args[:3])
        return compose(*args)

    with app.app_context():
        report = tick(db, FixedClock(NOW), outbox_senders(app), counted, settings())
    assert report.sent == 6
    assert sorted(asked) == [("invitation", "email", "en"), ("invitation", "email", "sv")]
    assert len({link for link in outbox.links() if "/s/" in link}) == 6


@pytest.fixture
def far_east(monkeypatch):
    """The server's own clock in Tokyo's time zone, nine hours ahead of UTC, for one test."""
    monkeypatch.setenv("TZ", "Asia/Tokyo")
    time.tzset()
    yield
    monkeypatch.undo()
    time.tzset()


def test_the_last_day_named_is_stockholms_whatever_the_servers_time_zone(app, db, outbox, far_east):
    people(db, ["E1,2025-07-20,e1@example.org,,sv,G"], policy=Programme.EMAIL_ONLY)
    # A link that works until midnight in Stockholm works all of the day before, and no longer.
    Invitation.update(expires_at=datetime(2026, 2, 18, tzinfo=STOCKHOLM)).execute()
    run_tick(app, db, NOW)
    [email] = outbox.emails()
    text = email.get_body(("plain",)).get_content()
    assert "2026-02-17" in text and "2026-02-18" not in text
