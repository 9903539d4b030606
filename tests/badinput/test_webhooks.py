"""Twilio's webhooks under bad input: unsigned, forged, replayed elsewhere, wrong method, huge;
and signed requests whose fields are odd. 403 for what Twilio did not sign; nothing changed."""

import pytest
from twilio.request_validator import RequestValidator

from followup import MAX_BODY
from tests.badinput.conftest import answered_with

AUTH_TOKEN = "a-twilio-auth-token-for-tests"
BASE = "http://localhost"
STOP = {"From": "+46701740605", "Body": "STOP", "MessageSid": "SM" + "0" * 32}


@pytest.fixture
def signed_app(app):
    app.config["TWILIO_AUTH_TOKEN"] = AUTH_TOKEN
    return app


def _signature(path: str, form: dict, token: str = AUTH_TOKEN) -> str:
    return RequestValidator(token).compute_signature(BASE + path, form)


FORGERIES = {
    "no signature": lambda path, form: {},
    "empty signature": lambda path, form: {"X-Twilio-Signature": ""},
    "garbage": lambda path, form: {"X-Twilio-Signature": "not-base64!"},
    "another auth token": lambda path, form: {
        "X-Twilio-Signature": _signature(path, form, "someone-elses-token")
    },
    "signed for another URL": lambda path, form: {
        "X-Twilio-Signature": _signature("/webhooks/twilio/other", form)
    },
    "signed for other fields": lambda path, form: {
        "X-Twilio-Signature": _signature(path, {**form, "Body": "START"})
    },
    "non-ASCII": lambda path, form: {"X-Twilio-Signature": "åäö" * 20},
    "overlong": lambda path, form: {"X-Twilio-Signature": "A" * 8000},
}


@pytest.mark.parametrize("forgery", FORGERIES, ids=list(FORGERIES))
@pytest.mark.parametrize("path", ["/webhooks/twilio/inbound", "/webhooks/twilio/status"])
def test_what_twilio_did_not_sign_is_refused(signed_app, db, invited, unchanged, forgery, path):  # noqa: F811
    client = signed_app.test_client()
    form = dict(STOP, MessageStatus="delivered")
    headers = FORGERIES[forgery](path, form)
    with unchanged(db):
        answered_with(client.post(path, data=form, headers=headers), 403, "Forbidden")


def test_without_an_auth_token_every_webhook_is_refused(app, db, invited, unchanged):  # noqa: F811
    client = app.test_client()
    path = "/webhooks/twilio/inbound"
    with unchanged(db):
        answered_with(
            client.post(path, data=STOP, headers={"X-Twilio-Signature": _signature(path, STOP)}),
            403,
            "Forbidden",
        )


@pytest.mark.parametrize("method", ["get", "put", "delete"])
def test_a_webhook_with_the_wrong_method_is_refused(signed_app, db, invited, unchanged, method):  # noqa: F811
    with unchanged(db):
        response = getattr(signed_app.test_client(), method)("/webhooks/twilio/inbound")
        assert response.status_code in (403, 405)
        answered_with(response, response.status_code)


def test_a_huge_webhook_body_is_refused_before_it_is_read(signed_app, db, invited, unchanged):  # noqa: F811
    with unchanged(db):
        answered_with(
            signed_app.test_client().post(
                "/webhooks/twilio/inbound",
                data={"Body": "x" * (MAX_BODY + 1)},
                headers={"X-Twilio-Signature": "x"},
            ),
            413,
        )


@pytest.mark.parametrize(
    "body",
    [
        "",
        "\x00\x01",
        "STOPP" * 2000,
        "🛑",
        "HELP\r\nSet-Cookie: a=b",
        "<Response><Message>x</Message></Response>",
    ],
)
def test_a_signed_message_from_an_unknown_number_changes_nothing(signed_app, db, invited, unchanged, body):  # noqa: F811
    path = "/webhooks/twilio/inbound"
    form = {"From": "+46701740699", "Body": body}
    with unchanged(db):
        reply = answered_with(
            signed_app.test_client().post(
                path, data=form, headers={"X-Twilio-Signature": _signature(path, form)}
            ),
            200,
        )
        assert "<Response" in reply and "Set-Cookie" not in reply.split("<Message>")[0]


@pytest.mark.parametrize(
    "form",
    [
        {"MessageSid": "SM-unknown", "MessageStatus": "delivered"},
        {"MessageSid": "", "MessageStatus": ""},
        {"MessageStatus": "delivered"},
        {"MessageSid": "SM" + "1" * 32, "MessageStatus": "exploded", "ErrorCode": "not-a-number"},
    ],
)
def test_a_signed_report_about_no_message_of_ours_changes_nothing(signed_app, db, invited, unchanged, form):  # noqa: F811
    path = "/webhooks/twilio/status"
    with unchanged(db):
        response = signed_app.test_client().post(
            path, data=form, headers={"X-Twilio-Signature": _signature(path, form)}
        )
        assert response.status_code == 204
