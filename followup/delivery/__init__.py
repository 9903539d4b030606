"""Channels that carry messages. Each transport sends one e-mail or one SMS and returns a reference."""

from __future__ import annotations

from email.message import EmailMessage
from typing import Protocol


class DeliveryError(Exception):
    """A message could not be handed over; the message text never contains contact details."""


class Transport(Protocol):
    def send_email(self, message: EmailMessage) -> str:
        """Send a complete e-mail; return the provider's reference for it."""
        ...

    def send_sms(self, to: str, body: str) -> str:
        """Send one SMS to an E.164 number; return the provider's reference for it."""
        ...


def make_transport(config: dict) -> Transport:
    """Return the transport named by FOLLOWUP_DELIVERY."""
    from followup.delivery.outbox import OutboxTransport

    transports = {"outbox": lambda: OutboxTransport(config["OUTBOX_PATH"])}
    try:
        return transports[config["DELIVERY"]]()
    except KeyError:
        raise DeliveryError(
            f"FOLLOWUP_DELIVERY={config['DELIVERY']!r} is unknown; use one of {', '.join(transports)}"
        ) from None
