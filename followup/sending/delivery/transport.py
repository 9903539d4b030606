"""The small interface every channel's sender meets, and the errors it may raise."""

from __future__ import annotations

from contextlib import AbstractContextManager
from typing import Protocol


class DeliveryError(Exception):
    """A message could not be handed over. The text never contains an address or a number."""


class TemporaryFailure(DeliveryError):
    """Try again later: a 4xx reply, a dropped connection, HTTP 429 or 5xx."""


class PermanentFailure(DeliveryError):
    """The address or number does not work (SMTP 5xx, an invalid number): do not try it again."""


class RecipientOptedOut(PermanentFailure):
    """The recipient has opted out at the provider (Twilio error 21610)."""


class SmsSender(Protocol):
    def batch(self) -> AbstractContextManager:
        """Keep one connection open for the messages sent inside this block."""
        ...

    def send(self, to: str, body: str, status_callback: str | None) -> str:
        """Send one SMS to an E.164 number; return the provider's reference (a Twilio SID)."""
        ...
