"""Channels that carry messages: one sender per channel (e-mail, SMS) behind a small interface."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager
from dataclasses import dataclass
from typing import TYPE_CHECKING, Protocol

if TYPE_CHECKING:
    from followup.sending.delivery.email import Email


class DeliveryError(Exception):
    """A message could not be handed over. The text never contains an address or a number."""


class TemporaryFailure(DeliveryError):
    """Try again later: a 4xx reply, a dropped connection, HTTP 429 or 5xx."""


class PermanentFailure(DeliveryError):
    """The address or number does not work (SMTP 5xx, an invalid number): do not try it again."""


class RecipientOptedOut(PermanentFailure):
    """The recipient has opted out at the provider (Twilio error 21610)."""


class EmailSender(Protocol):
    def batch(self) -> AbstractContextManager:
        """Keep one connection open for the messages sent inside this block."""
        ...

    def send(
        self, message: Email, before: Iterator[None] | None = None, during: Callable[[], None] | None = None
    ) -> str:
        """Send a complete e-mail; return the provider's reference (the Message-ID for SMTP).

        Every step of `before` runs before any of the e-mail is delivered, whatever happens;
        `during` runs once after it was handed over, before the outcome is known.
        """
        ...


class SmsSender(Protocol):
    def batch(self) -> AbstractContextManager:
        """Keep one connection open for the messages sent inside this block."""
        ...

    def send(self, to: str, body: str, status_callback: str | None) -> str:
        """Send one SMS to an E.164 number; return the provider's reference (a Twilio SID)."""
        ...


@dataclass
class Senders:
    email: EmailSender
    sms: SmsSender


def make_senders(config: dict) -> Senders:
    """Return the e-mail and SMS senders named by FOLLOWUP_EMAIL_TRANSPORT and FOLLOWUP_SMS_TRANSPORT."""
    from followup.sending.delivery.email import SmtpEmail
    from followup.sending.delivery.outbox import OutboxEmail, OutboxSms
    from followup.sending.delivery.sms import TwilioSms

    email = {
        "outbox": lambda: OutboxEmail(config["OUTBOX_PATH"]),
        "smtp": lambda: SmtpEmail(
            config["SMTP_HOST"],
            config["SMTP_PORT"],
            config["SMTP_SECURITY"],
            config["SMTP_USERNAME"],
            config["SMTP_PASSWORD"],
        ),
    }
    sms = {
        "outbox": lambda: OutboxSms(config["OUTBOX_PATH"]),
        "twilio": lambda: TwilioSms(
            config["TWILIO_ACCOUNT_SID"],
            config["TWILIO_AUTH_TOKEN"],
            messaging_service_sid=config["TWILIO_MESSAGING_SERVICE_SID"],
            from_number=config["TWILIO_FROM"],
            api_base_url=config["TWILIO_API_URL"],
        ),
    }
    return Senders(
        email=_pick(email, config, "EMAIL_TRANSPORT"),
        sms=_pick(sms, config, "SMS_TRANSPORT"),
    )


def _pick(registry: dict, config: dict, name: str):
    try:
        return registry[config[name]]()
    except KeyError:
        raise DeliveryError(
            f"FOLLOWUP_{name}={config[name]!r} is unknown; use one of {', '.join(registry)}"
        ) from None
