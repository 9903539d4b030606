import socket
import traceback

import pytest

from followup.sending.delivery.sms import TwilioSms, segments
from followup.sending.delivery.transport import (
    DeliveryError,
    PermanentFailure,
    RecipientOptedOut,
    TemporaryFailure,
)
from tests.prism import free_port
from tests.twilio_server import (
    ACCOUNT_SID,
    AUTH_TOKEN,
    FROM_NUMBER,
    MESSAGING_SERVICE_SID,
    TO,
    make_sms,
    twilio_error,
)


def assert_number_not_shown(error: BaseException) -> None:
    """Check the error, and every error chained to it, shown or not, for the number."""
    shown = ""
    while error is not None:
        shown += "".join(traceback.format_exception_only(error)) + repr(vars(error))
        error = error.__cause__ or error.__context__
    assert TO.lstrip("+") not in shown


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("", ("GSM-7", 0)),
        ("a" * 160, ("GSM-7", 1)),
        ("a" * 161, ("GSM-7", 2)),
        ("Hej Åsa, hur mår du? ÄÖ", ("GSM-7", 1)),
        ("é ü ñ Ñ Ü ß Ç à ø Ø æ Æ É", ("GSM-7", 1)),
        ("€" * 80, ("GSM-7", 1)),
        ("€" * 81, ("GSM-7", 2)),
        ("[]{}^~\\|" * 10, ("GSM-7", 1)),
        ("[]{}^~\\|" * 10 + "a", ("GSM-7", 2)),
        ("a" * 159 + "€", ("GSM-7", 2)),
        ("a" * 153 * 2, ("GSM-7", 2)),
        ("a" * (153 * 2 + 1), ("GSM-7", 3)),
        # 306 septets, but the escape sequence of € never straddles two segments.
        ("a" * 152 + "€" + "a" * 152, ("GSM-7", 3)),
        ("a" * 69 + "😀", ("UCS-2", 2)),
        ("a" * 68 + "😀", ("UCS-2", 1)),
        ("ж" * 70, ("UCS-2", 1)),
        ("ж" * 71, ("UCS-2", 2)),
        ("ж" * 67 * 2, ("UCS-2", 2)),
        ("ж" * (67 * 2 + 1), ("UCS-2", 3)),
        ("ç", ("UCS-2", 1)),
    ],
    ids=lambda value: "-".join(map(str, value)) if isinstance(value, tuple) else f"{len(value)} chars",
)
def test_segments(text, expected):
    assert segments(text) == expected


@pytest.mark.parametrize(
    "sender",
    [{}, {"messaging_service_sid": MESSAGING_SERVICE_SID, "from_number": FROM_NUMBER}],
    ids=["neither", "both"],
)
def test_exactly_one_sender_is_required(sender):
    with pytest.raises(ValueError, match="exactly one sender"):
        TwilioSms(ACCOUNT_SID, AUTH_TOKEN, **sender)


# Happy path against Prism serving Twilio's own API description. Prism answers 422 to a request
# that breaks Twilio's schema, which would surface here as a DeliveryError.


@pytest.mark.parametrize(
    "sender",
    [{"messaging_service_sid": MESSAGING_SERVICE_SID}, {"from_number": FROM_NUMBER}],
    ids=["messaging service", "from number"],
)
@pytest.mark.parametrize("status_callback", [None, "https://followup.example.org/webhooks/sms/status"])
def test_send_returns_the_message_sid(prism, sender, status_callback):
    sms = make_sms(prism.url, **sender)
    with sms.batch():
        sid = sms.send(TO, "Hej Åsa! Svara på enkäten: https://followup.example.org/s/abc", status_callback)
    assert sid.startswith("SM")
    assert len(sid) == 34


# Error paths against a small local server that answers the way Twilio documents its errors.


@pytest.mark.parametrize("status_callback", [None, "https://followup.example.org/webhooks/sms/status"])
def test_send_posts_the_message(fake_twilio, status_callback):
    fake_twilio.reply = {"sid": "SM" + "0" * 32, "status": "queued"}
    sid = make_sms(fake_twilio.url).send(TO, "Hej", status_callback)
    assert sid == "SM" + "0" * 32
    [request] = fake_twilio.requests
    assert request["path"] == f"/2010-04-01/Accounts/{ACCOUNT_SID}/Messages.json"
    expected = {"To": [TO], "Body": ["Hej"], "MessagingServiceSid": [MESSAGING_SERVICE_SID]}
    if status_callback:
        expected["StatusCallback"] = [status_callback]
    assert request["form"] == expected


@pytest.mark.parametrize(
    ("code", "status", "failure"),
    [
        (21610, 400, RecipientOptedOut),
        (21211, 400, PermanentFailure),
        (21614, 400, PermanentFailure),
        (21612, 400, PermanentFailure),
        (20429, 429, TemporaryFailure),
        (20500, 503, TemporaryFailure),
        (20003, 401, DeliveryError),
        (21606, 400, DeliveryError),
    ],
)
def test_twilio_errors_are_classified(fake_twilio, code, status, failure):
    fake_twilio.status = status
    fake_twilio.reply = twilio_error(code, status)
    with pytest.raises(DeliveryError) as raised:
        make_sms(fake_twilio.url).send(TO, "Hej", None)
    assert type(raised.value) is failure
    assert str(code) in str(raised.value)
    assert_number_not_shown(raised.value)
    # Sent once: the client neither retries nor waits on 429 or 5xx.
    assert len(fake_twilio.requests) == 1


def test_a_refused_connection_is_temporary():
    with pytest.raises(TemporaryFailure, match="could not be reached") as raised:
        make_sms(f"http://127.0.0.1:{free_port()}").send(TO, "Hej", None)
    assert_number_not_shown(raised.value)


def test_a_provider_that_never_answers_times_out():
    with socket.socket() as silent:
        # Connections queue in the backlog but are never accepted, so no answer ever comes.
        silent.bind(("127.0.0.1", 0))
        silent.listen()
        sms = TwilioSms(
            ACCOUNT_SID,
            AUTH_TOKEN,
            from_number=FROM_NUMBER,
            api_base_url=f"http://127.0.0.1:{silent.getsockname()[1]}",
            timeout=0.5,
        )
        with pytest.raises(TemporaryFailure, match="Timeout"):
            sms.send(TO, "Hej", None)


def test_an_unusable_base_url_is_not_retried():
    with pytest.raises(DeliveryError) as raised:
        make_sms("not a url").send(TO, "Hej", None)
    assert not isinstance(raised.value, TemporaryFailure)
