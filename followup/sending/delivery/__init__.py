"""Channels that carry messages: one sender per channel (e-mail, SMS) behind a small interface."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from followup.sending.delivery.transport import DeliveryError

if TYPE_CHECKING:
    from followup.sending.delivery.email import EmailSender
    from followup.sending.delivery.transport import SmsSender


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
