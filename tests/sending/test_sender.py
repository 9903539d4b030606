"""Sending one message after another: what a failure does to that message, that person, and no one else."""

import logging
from datetime import timedelta

import pytest

from followup.models import Contact, Message, Participant, Programme
from followup.sending.delivery import Senders
from followup.sending.delivery.email import SmtpEmail
from followup.sending.queueing import insert_messages, invitation_messages
from followup.sending.sender import backoff, claim, record_sent, requeue_in_flight
from tests.factories import Watched, at, make_participants, make_programme, outbox_senders, run_tick
from tests.twilio_server import make_sms, twilio_error

NOW = at(2026, 1, 21)


def people(db, clock, rows, policy=Programme.EMAIL_ONLY):
    programme = make_programme(db, clock.now())
    Programme.update(channel_policy=policy).execute()
    make_participants(db, clock.now(), programme, rows)


def by_smtp(app, mailbox):
    return Senders(
        email=SmtpEmail("127.0.0.1", mailbox.port, "none", None, None, timeout=5),
        sms=outbox_senders(app).sms,
    )


def only_message(code):
    participant = Participant.get(code=code)
    [message] = [m for m in Message.select() if m.invitation.participant_id == participant.id]
    return message


def contact_of(code):
    return Contact.get(Contact.participant == Participant.get(code=code).id)


def lines(caplog):
    return [r.getMessage() for r in caplog.records if r.name == "followup.sending.sender"]


def test_bounced_addresses_fail_their_own_messages_and_mark_their_own_contacts(
    app, db, clock, mailbox, caplog
):
    people(
        db,
        clock,
        [
            "O1,2025-07-20,o1@example.org,0701740601,sv,G",
            "X1,2025-07-20,bounce-x1@example.org,0701740602,sv,G",
            "X2,2025-07-20,bounce-x2@example.org,,sv,G",
        ],
    )
    with caplog.at_level(logging.INFO, logger="followup.sending.sender"):
        report = run_tick(app, db, NOW, senders=by_smtp(app, mailbox))
    assert (report.sent, report.failed, report.retried) == (1, 2, 0)
    for code in ("X1", "X2"):
        message = only_message(code)
        assert (message.state, message.attempts) == ("failed", 1)
        assert "550" in message.error
        contact = contact_of(code)
        assert contact.email_failed_at == NOW and "550" in contact.email_problem
        assert contact.phone_failed_at is None
    assert only_message("O1").state == "sent"
    assert contact_of("O1").email_failed_at is None and contact_of("O1").email_problem is None
    # The operator's log names each message and the server's reply, never the address.
    found = lines(caplog)
    for code in ("X1", "X2"):
        [line] = [text for text in found if text.startswith(f"message {only_message(code).id}: ")]
        assert line.startswith(f"message {only_message(code).id}: address does not work (SMTP 550")
    assert not any("@" in text for text in found)


def test_an_unusable_number_is_marked_on_the_phone_and_not_on_the_address(app, db, clock, fake_twilio):
    people(db, clock, ["B1,2025-07-20,b1@example.org,0701740605,sv,G"], policy=Programme.SMS_ONLY)
    fake_twilio.status, fake_twilio.reply = 400, twilio_error(21211, 400)
    senders = Senders(email=outbox_senders(app).email, sms=make_sms(fake_twilio.url))
    assert run_tick(app, db, NOW, senders=senders).failed == 1
    contact = contact_of("B1")
    assert contact.phone_failed_at == NOW and "21211" in contact.phone_problem
    assert contact.email_failed_at is None and contact.email_problem is None
    assert only_message("B1").state == "failed"


def test_a_bounced_reminder_goes_by_the_sms_of_the_person_whose_address_bounced(
    app, db, clock, mailbox, outbox
):
    people(
        db,
        clock,
        ["E1,2025-07-20,e1@example.org,,sv,G", "X1,2025-07-20,x1@example.org,0701740609,sv,G"],
        policy=Programme.EMAIL_THEN_SMS,
    )
    Programme.update(reminder_days="7").execute()
    senders = by_smtp(app, mailbox)
    run_tick(app, db, NOW, senders=senders)
    # X1's address stops working after the invitation went out: the reminder bounces.
    Contact.update(email="bounce@example.org").where(
        Contact.participant == Participant.get(code="X1").id
    ).execute()
    run_tick(app, db, NOW + timedelta(days=7), senders=senders)
    run_tick(app, db, NOW + timedelta(days=7, minutes=1), senders=senders)
    sms = Message.select().where(Message.channel == "sms")
    assert [(m.invitation.participant.code, m.sequence, m.state) for m in sms] == [("X1", 1, "sent")]
    [text] = outbox.sms()
    assert text.startswith("To: +46701740609")


def test_temporary_failures_retry_their_own_messages_then_give_up_saying_why(app, db, clock, mailbox, caplog):
    people(
        db,
        clock,
        [
            "O1,2025-07-20,o1@example.org,,sv,G",
            "L1,2025-07-20,later-l1@example.org,,sv,G",
            "L2,2025-07-20,later-l2@example.org,,sv,G",
        ],
    )
    senders = by_smtp(app, mailbox)
    with caplog.at_level(logging.INFO, logger="followup.sending.sender"):
        report = run_tick(app, db, NOW, senders=senders)
    assert (report.sent, report.retried, report.failed) == (1, 2, 0)
    assert only_message("O1").state == "sent"
    found = lines(caplog)
    for code in ("L1", "L2"):
        message = only_message(code)
        assert (message.state, message.attempts) == ("pending", 1)
        [line] = [text for text in found if text.startswith(f"message {message.id}: ")]
        assert line.startswith(f"message {message.id}: temporary failure, attempt 1 (SMTP 451")
    assert not any("@" in text for text in found)

    report = run_tick(app, db, NOW + timedelta(minutes=5), senders=senders, max_attempts=2)
    assert (report.sent, report.retried, report.failed) == (0, 0, 2)
    for code in ("L1", "L2"):
        message = only_message(code)
        assert (message.state, message.attempts) == ("failed", 2)
        assert "451" in message.error
    assert only_message("O1").state == "sent"


def test_retries_wait_longer_each_time_but_never_more_than_a_day():
    waits = [backoff(attempts) for attempts in range(1, 9)]
    minutes = [5, 15, 45, 135, 405, 1215]
    assert waits == [timedelta(minutes=m) for m in minutes] + [timedelta(days=1)] * 2


def test_a_starting_scheduler_puts_back_every_message_left_sending_and_nothing_else(app, db, clock):
    people(db, clock, [f"E{i},2025-07-20,e{i}@example.org,,sv,G" for i in range(1, 4)])
    insert_messages(db, invitation_messages(NOW))
    for code in ("E1", "E2", "E3"):
        claim(only_message(code).id, NOW)
    finished = only_message("E3")
    record_sent(finished.id, finished.invitation_id, "reference", NOW)  # E3's sender got to the end
    assert requeue_in_flight() == 2
    assert [only_message(code).state for code in ("E1", "E2", "E3")] == ["pending", "pending", "sent"]
    assert run_tick(app, db, NOW + timedelta(minutes=1)).sent == 2


def test_an_email_s_list_headers_carry_the_service_s_own_address(app, db, clock, outbox):
    people(db, clock, ["E1,2025-07-20,e1@example.org,,sv,G"])
    run_tick(app, db, NOW, base_url="https://followup.example.org")
    [email] = outbox.emails()
    assert email["List-Id"].endswith(".followup.example.org>")
    unsubscribe = email["List-Unsubscribe"]
    assert unsubscribe.startswith("<https://followup.example.org/u/") and unsubscribe.endswith(">")
    assert unsubscribe[1:-1] in email.get_body(("plain",)).get_content()


def test_a_claim_is_stale_only_once_its_ten_minutes_are_over(app, db, clock, outbox):
    people(db, clock, ["E1,2025-07-20,e1@example.org,,sv,G"])
    insert_messages(db, invitation_messages(NOW))
    claim(only_message("E1").id, NOW)  # its sender died here
    assert run_tick(app, db, NOW + timedelta(minutes=10)).sent == 0
    assert run_tick(app, db, NOW + timedelta(minutes=10, microseconds=1)).sent == 1
    assert len(outbox.emails()) == 1


def test_messages_go_in_the_order_they_were_queued(app, db, clock):
    people(db, clock, [f"E{i},2025-07-20,e{i}@example.org,,sv,G" for i in range(1, 4)])
    insert_messages(db, invitation_messages(NOW)[::-1])  # E3's first, E1's last
    order = []
    real = outbox_senders(app)
    senders = Senders(email=Watched(real.email, lambda email, **_: order.append(email.to)), sms=real.sms)
    assert run_tick(app, db, NOW, senders=senders).sent == 3
    assert order == ["e3@example.org", "e2@example.org", "e1@example.org"]


def test_each_sms_is_recorded_as_sent_before_the_next_one_goes(app, db, clock):
    people(db, clock, [f"S{i},2025-07-20,,070174060{i},sv,G" for i in range(1, 4)], policy=Programme.SMS_ONLY)
    seen = []

    def states(*_):
        seen.append([m.state for m in Message.select().order_by(Message.id)])

    real = outbox_senders(app)
    assert run_tick(app, db, NOW, senders=Senders(email=real.email, sms=Watched(real.sms, states))).sent == 3
    assert seen == [
        ["sending", "pending", "pending"],
        ["sent", "sending", "pending"],
        ["sent", "sent", "sending"],
    ]


def test_a_message_whose_sender_died_while_sending_goes_once_its_claim_is_stale(app, db, clock, outbox):
    people(db, clock, ["E1,2025-07-20,e1@example.org,,sv,G"])

    def dies(*_, **__):
        raise RuntimeError("the process was killed here")

    real = outbox_senders(app)
    with pytest.raises(RuntimeError):
        run_tick(app, db, NOW, senders=Senders(email=Watched(real.email, dies), sms=real.sms))
    assert only_message("E1").state == "sending"
    assert run_tick(app, db, NOW + timedelta(minutes=10)).sent == 0
    assert run_tick(app, db, NOW + timedelta(minutes=10, microseconds=1)).sent == 1
    assert len(outbox.emails()) == 1
