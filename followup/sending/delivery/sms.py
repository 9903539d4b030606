"""SMS through Twilio's Messaging API, and how many SMS segments a text takes."""

from __future__ import annotations

from contextlib import nullcontext

import requests
from twilio.base.exceptions import TwilioRestException, TwilioServiceException
from twilio.http.http_client import TwilioHttpClient
from twilio.rest import Client

from followup.sending.delivery.transport import (
    DeliveryError,
    PermanentFailure,
    RecipientOptedOut,
    TemporaryFailure,
)

# GSM 03.38 default alphabet, 16 characters a row from 0x00 to 0x7F. 0x1B is the escape
# to the extension table, not a character of its own.
GSM7_BASIC = (
    "@£$¥èéùìòÇ\nØø\rÅå"
    "Δ_ΦΓΛΩΠΨΣΘΞ\x1bÆæßÉ"
    " !\"#¤%&'()*+,-./"
    "0123456789:;<=>?"
    "¡ABCDEFGHIJKLMNO"
    "PQRSTUVWXYZÄÖÑÜ§"
    "¿abcdefghijklmno"
    "pqrstuvwxyzäöñüà"
)

# GSM 03.38 extension table: each is sent as ESC plus one septet, so it costs two.
GSM7_EXTENSION = "\f^{}\\[~]|€"

_GSM7_SEPTETS = {char: 1 for char in GSM7_BASIC if char != "\x1b"} | dict.fromkeys(GSM7_EXTENSION, 2)

# (single-part limit, limit of each part of a multipart message); a multipart message
# gives up part of every segment to the header that tells the phone how to join them.
_LIMITS = {"GSM-7": (160, 153), "UCS-2": (70, 67)}

# Long enough for a slow answer, short enough that a hung provider cannot block a worker.
TIMEOUT_SECONDS = 30.0

OPTED_OUT = 21610

# Failures of the connection itself (refused, reset, timed out, cut off mid-answer).
_UNREACHABLE = (requests.ConnectionError, requests.Timeout, requests.exceptions.ChunkedEncodingError)

# Errors that say the 'To' number itself cannot take an SMS: trying again will not help.
UNUSABLE_NUMBER = {
    21211: "the number is not a valid phone number",
    21265: "the number is a short code",
    # Sending to the number's country is not enabled for the account: for this participant
    # that is as final as an invalid number until someone changes the account.
    21408: "sending to the number's region is not enabled",
    21612: "the number cannot be reached by SMS from this sender",
    21614: "the number is not a mobile number",
    21635: "the number is a landline",
}

# Deliberately not in UNUSABLE_NUMBER: 21606 (the 'From' number cannot send) and 21608 (a trial
# account's unverified 'To') are faults of the sender's configuration, so they stay plain
# DeliveryErrors instead of marking a participant's number as unusable.
_REASONS = {
    OPTED_OUT: "the recipient has opted out",
    20003: "the account SID or auth token was refused",
    20429: "too many requests",
    21606: "the 'From' number cannot send to this destination",
    21608: "a trial account can only send to verified numbers",
    **UNUSABLE_NUMBER,
}


def segments(text: str) -> tuple[str, int]:
    """Return the encoding an SMS of this text needs ("GSM-7" or "UCS-2") and its number of segments."""
    if all(char in _GSM7_SEPTETS for char in text):
        encoding = "GSM-7"
        units = [_GSM7_SEPTETS[char] for char in text]
    else:
        encoding = "UCS-2"
        units = [len(char.encode("utf-16-le")) // 2 for char in text]
    single, part = _LIMITS[encoding]
    if sum(units) <= single:
        return encoding, 1 if units else 0
    # Phones never split an escape sequence or a surrogate pair between two segments, so
    # the parts are filled character by character instead of dividing the total.
    count, used = 1, 0
    for size in units:
        if used + size > part:
            count, used = count + 1, 0
        used += size
    return encoding, count


class TwilioSms:
    """Send SMS with Twilio, from a Messaging Service or from one number."""

    def __init__(
        self,
        account_sid: str,
        auth_token: str,
        messaging_service_sid: str | None = None,
        from_number: str | None = None,
        api_base_url: str | None = None,
        timeout: float = TIMEOUT_SECONDS,
    ) -> None:
        if not account_sid or not auth_token:
            raise ValueError("Twilio needs both an account SID and an auth token")
        if bool(messaging_service_sid) == bool(from_number):
            raise ValueError(
                "Twilio needs exactly one sender: a Messaging Service SID (MG...) or a 'From' number"
            )
        self.sender = (
            {"messaging_service_sid": messaging_service_sid}
            if messaging_service_sid
            else {"from_": from_number}
        )
        # No retries: the client's own would repeat a POST that may already have sent the SMS;
        # a TemporaryFailure lets dispatch decide when to try again.
        self.client = Client(account_sid, auth_token, http_client=TwilioHttpClient(timeout=timeout))
        if api_base_url:
            self.client.api.base_url = api_base_url

    def batch(self):
        """Nothing to open: the client keeps its HTTP session between messages anyway."""
        return nullcontext()

    def send(self, to: str, body: str, status_callback: str | None = None) -> str:
        """Send one SMS to an E.164 number; return Twilio's message SID (SM...)."""
        options = dict(self.sender)
        if status_callback:
            options["status_callback"] = status_callback
        try:
            message = self.client.messages.create(to=to, body=body, **options)
        except (TwilioRestException, TwilioServiceException) as error:
            failure = _classify(error.code, error.status)
        except OSError as error:  # requests' exceptions are OSErrors too
            raise _network_failure(error) from error
        else:
            return message.sid
        # Raised outside the except block: Twilio's own message repeats the 'To' number, so its
        # error must not travel along as the context of ours.
        raise failure


def _classify(code: int | None, status: int) -> DeliveryError:
    if code is None:
        text = f"Twilio answered HTTP {status}"
    else:
        reason = _REASONS.get(code) or f"see https://www.twilio.com/docs/errors/{code}"
        text = f"Twilio {code} (HTTP {status}): {reason}"
    if code == OPTED_OUT:
        return RecipientOptedOut(text)
    if code in UNUSABLE_NUMBER:
        return PermanentFailure(text)
    if status == 429 or status >= 500:
        return TemporaryFailure(text)
    return DeliveryError(text)


def _network_failure(error: OSError) -> DeliveryError:
    name = type(error).__name__
    if isinstance(error, requests.RequestException) and not isinstance(error, _UNREACHABLE):
        # An invalid URL or the like: the request never left, and trying again will not change that.
        return DeliveryError(f"Twilio request could not be made: {name}")
    return TemporaryFailure(f"Twilio could not be reached: {name}")
