"""Building e-mails: one multipart message, plain text and HTML, with a Message-ID."""

from __future__ import annotations

from datetime import datetime
from email.message import EmailMessage
from email.utils import format_datetime, make_msgid


def build_email(*, sender: str, to: str, subject: str, text: str, html: str, now: datetime) -> EmailMessage:
    """Return a ready-to-send multipart/alternative e-mail."""
    message = EmailMessage()
    message["From"] = sender
    message["To"] = to
    message["Subject"] = subject
    message["Date"] = format_datetime(now)
    message["Message-ID"] = make_msgid(domain=sender.rpartition("@")[2] or "localhost")
    message.set_content(text)
    message.add_alternative(html, subtype="html")
    return message
