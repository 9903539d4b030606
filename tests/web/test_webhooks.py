import pytest
from twilio.request_validator import RequestValidator

from followup.config import Organisation
from followup.models import Contact, Message, Participant
from tests.factories import at, make_participants, make_programme, run_tick

TOKEN = "0123456789abcdef0123456789abcdef"


@pytest.fixture
def signed(app, client):
    app.config["TWILIO_AUTH_TOKEN"] = TOKEN

    def post(path, data, signature=None, **kwargs):
        url = "http://localhost" + path
        if signature is None:
            signature = RequestValidator(TOKEN).compute_signature(url, data)
        headers = {"X-Twilio-Signature": signature} if signature else {}
        return client.post(path, data=data, headers=headers, **kwargs)

    return post


@pytest.fixture
def sms_sent(app, db, clock):
    programme = make_programme(db, clock.now())
    make_participants(db, clock.now(), programme, ["S1,2025-07-20,,0701740605,en,G"])
    run_tick(app, db, at(2026, 1, 21))
    message = Message.get()
    Message.update(provider_ref="SM" + "a" * 32).where(Message.id == message.id).execute()
    return Message.get()


def test_delivery_reports_move_the_message_on(signed, sms_sent):
    sid = sms_sent.provider_ref
    assert signed("/webhooks/twilio/status", {"MessageSid": sid, "MessageStatus": "sent"}).status_code == 204
    assert Message.get().state == "sent" and Message.get().delivery_status == "sent"
    signed("/webhooks/twilio/status", {"MessageSid": sid, "MessageStatus": "delivered"})
    assert Message.get().state == "delivered"
    # A late, out-of-order report does not move it back.
    signed("/webhooks/twilio/status", {"MessageSid": sid, "MessageStatus": "sent"})
    assert Message.get().state == "delivered"


def test_an_undelivered_sms_to_a_dead_number_marks_the_number(signed, sms_sent):
    data = {"MessageSid": sms_sent.provider_ref, "MessageStatus": "undelivered", "ErrorCode": "30005"}
    signed("/webhooks/twilio/status", data)
    assert Message.get().state == "failed" and "30005" in Message.get().error
    assert Contact.get().phone_failed_at is not None


@pytest.mark.parametrize("signature", ["", "bm90IGEgc2lnbmF0dXJl"])
def test_a_missing_or_wrong_signature_gets_403_and_changes_nothing(signed, sms_sent, signature):
    data = {"MessageSid": sms_sent.provider_ref, "MessageStatus": "delivered"}
    response = signed("/webhooks/twilio/status", data, signature=signature)
    assert response.status_code == 403
    assert Message.get().state == "sent"
    stop = signed("/webhooks/twilio/inbound", {"From": "+46701740605", "Body": "STOP"}, signature=signature)
    assert stop.status_code == 403
    assert Participant.get().sms_opted_out_at is None


def test_a_signature_for_other_parameters_is_refused(signed, sms_sent):
    good = RequestValidator(TOKEN).compute_signature(
        "http://localhost/webhooks/twilio/status",
        {"MessageSid": sms_sent.provider_ref, "MessageStatus": "sent"},
    )
    data = {"MessageSid": sms_sent.provider_ref, "MessageStatus": "delivered"}
    assert signed("/webhooks/twilio/status", data, signature=good).status_code == 403


def test_without_an_auth_token_every_webhook_is_refused(app, client, sms_sent):
    app.config["TWILIO_AUTH_TOKEN"] = None
    data = {"MessageSid": sms_sent.provider_ref, "MessageStatus": "delivered"}
    # Signed as one could sign without a key: it must not count as signed.
    unkeyed = RequestValidator("").compute_signature("http://localhost/webhooks/twilio/status", data)
    response = client.post("/webhooks/twilio/status", data=data, headers={"X-Twilio-Signature": unkeyed})
    assert response.status_code == 403 and Message.get().state == "sent"


@pytest.mark.parametrize("word", ["STOP", "Stopp", "AVSLUTA"])
def test_stop_and_start_by_sms(app, db, signed, sms_sent, word):
    response = signed("/webhooks/twilio/inbound", {"From": "+46701740605", "Body": word})
    assert response.status_code == 200 and response.mimetype == "application/xml"
    assert Participant.get().sms_opted_out_at is not None
    signed("/webhooks/twilio/inbound", {"From": "+46701740605", "Body": "START"})
    assert Participant.get().sms_opted_out_at is None


def test_stopped_numbers_get_no_reminders(app, db, signed, sms_sent, outbox):
    signed("/webhooks/twilio/inbound", {"From": "+46701740605", "Body": "STOPP"})
    run_tick(app, db, at(2026, 1, 28, 12))
    assert len(outbox.sms()) == 1


def test_help_replies_in_the_persons_language(signed, sms_sent):
    response = signed("/webhooks/twilio/inbound", {"From": "+46701740605", "Body": "HELP"})
    body = response.get_data(as_text=True)
    assert "<Message>" in body and "STOP" in body
    assert "follow-up" in body


def test_the_help_reply_says_who_we_are_and_how_to_reach_us(app, signed, sms_sent):
    app.config["WHO_IS_ASKING"] = Organisation(
        name="Samordningsförbundet Exempel", email="uppfoljning@example.org", phone="0650-55 55 55"
    )
    body = signed("/webhooks/twilio/inbound", {"From": "+46701740605", "Body": "HJÄLP"}).get_data(
        as_text=True
    )
    assert "Samordningsförbundet Exempel" in body
    assert "0650-55 55 55, uppfoljning@example.org" in body and "STOP" in body


def test_the_help_reply_names_the_organiser_of_the_programme_that_texted_last(
    app, db, clock, signed, sms_sent
):
    from followup.plan.programmes import clean_details, update_programme

    app.config["WHO_IS_ASKING"] = Organisation(name="Samordningsförbundet Exempel", phone="0650-55 55 55")
    programme = sms_sent.invitation.participant.programme
    update_programme(
        db,
        programme,
        programme.name,
        clean_details({"organisation": "Förbundet Norr", "contact_phone": "0911-123 45"}),
    )
    body = signed("/webhooks/twilio/inbound", {"From": "+46701740605", "Body": "HELP"}).get_data(as_text=True)
    assert "Förbundet Norr" in body and "0911-123 45" in body and "Exempel" not in body
    # An unknown number gets the service's own organiser.
    body = signed("/webhooks/twilio/inbound", {"From": "+46701740699", "Body": "HELP"}).get_data(as_text=True)
    assert "Samordningsförbundet Exempel" in body and "Norr" not in body
