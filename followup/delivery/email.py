"""E-mail: build one multipart message (plain text and HTML) and send it over SMTP."""

from __future__ import annotations

import re
import smtplib
import ssl
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime
from email.message import EmailMessage
from email.policy import Policy
from email.utils import format_datetime, make_msgid

from followup.delivery import DeliveryError, PermanentFailure, TemporaryFailure

SECURITY = ("starttls", "tls", "none")

_ENHANCED_STATUS = re.compile(rb"^([245]\.\d{1,3}\.\d{1,3})\b")


def build_email(
    *,
    sender: str,
    to: str,
    subject: str,
    text: str,
    html: str,
    now: datetime,
    headers: dict[str, str] | None = None,
) -> EmailMessage:
    """Return a ready-to-send multipart/alternative e-mail, with any extra headers written as given."""
    message = EmailMessage()
    message["From"] = sender
    message["To"] = to
    message["Subject"] = subject
    message["Date"] = format_datetime(now)
    message["Message-ID"] = make_msgid(domain=sender.rpartition("@")[2] or "localhost")
    for name, value in (headers or {}).items():
        message[name] = _Verbatim(name, value)
    message.set_content(text)
    message.add_alternative(html, subtype="html")
    return message


class _Verbatim(str):
    """A header value written exactly as given, whatever policy the message is later written with."""

    name: str

    # The email package folds a long value by RFC 2047-encoding it, which hides a List-Unsubscribe
    # URL from mail clients (RFC 8058). A value with a `name` counts as a header object: it is
    # stored without parsing and written by its own fold().
    def __new__(cls, name: str, value: str) -> _Verbatim:
        # Stored unchecked, so a value that would break the header block is refused here.
        if not value.isascii() or len(value.splitlines()) != 1:
            raise ValueError(f"the {name} header must be one line of ASCII")
        header = super().__new__(cls, value)
        header.name = name
        return header

    def fold(self, *, policy: Policy) -> str:
        """Return the header line unfolded."""
        return f"{self.name}: {self}{policy.linesep}"


class SmtpEmail:
    """Send e-mails through an SMTP server, over one connection per batch."""

    def __init__(
        self,
        host: str,
        port: int,
        security: str,
        username: str | None,
        password: str | None,
        timeout: float = 30,
    ) -> None:
        if security not in SECURITY:
            raise DeliveryError(f"SMTP security {security!r} is unknown; use one of {', '.join(SECURITY)}")
        self.host = host
        self.port = port
        self.security = security
        self.username = username
        self.password = password
        self.timeout = timeout
        self.context = ssl.create_default_context()
        self._connection: smtplib.SMTP | None = None
        self._in_batch = False

    @contextmanager
    def batch(self) -> Iterator[None]:
        """Keep one connection open for the messages sent inside this block."""
        self._in_batch = True
        try:
            yield
        finally:
            self._in_batch = False
            self._close()

    def send(self, message: EmailMessage) -> str:
        """Send a complete e-mail; return its Message-ID."""
        message_id = message["Message-ID"]
        if not message_id:
            raise ValueError("an e-mail needs a Message-ID before it is sent")
        try:
            self._send(message)
        except (smtplib.SMTPException, OSError) as error:
            # The server's reply text often repeats the recipient's address, so neither it nor the
            # original exception travels with the error.
            raise self._failure(error) from None
        finally:
            if not self._in_batch:
                self._close()
        return message_id

    def _send(self, message: EmailMessage) -> None:
        reused = self._connection is not None and self._connection.sock is not None
        try:
            self._connect().send_message(message)
        except (smtplib.SMTPException, OSError) as error:
            # A kept-open connection may have been closed by the server since the last message
            # (an idle timeout, a limit of messages per connection): that is no verdict on this one.
            if not (reused and _dropped(error)):
                raise
            self._close()
            self._connect().send_message(message)

    def _connect(self) -> smtplib.SMTP:
        # smtplib drops its socket after a 421 or a broken connection; a new one is needed then.
        if self._connection is None or self._connection.sock is None:
            self._connection = self._open()
        return self._connection

    def _open(self) -> smtplib.SMTP:
        if self.security == "tls":
            connection = smtplib.SMTP_SSL(self.host, self.port, timeout=self.timeout, context=self.context)
        else:
            connection = smtplib.SMTP(self.host, self.port, timeout=self.timeout)
        try:
            if self.security == "starttls":
                connection.starttls(context=self.context)
            if self.username:
                connection.login(self.username, self.password or "")
        except BaseException:
            connection.close()
            raise
        return connection

    def _close(self) -> None:
        connection, self._connection = self._connection, None
        if connection is None:
            return
        try:
            connection.quit()
        except (smtplib.SMTPException, OSError):
            connection.close()

    def _failure(self, error: Exception) -> DeliveryError:
        server = f"SMTP server {self.host}:{self.port}"
        if isinstance(error, smtplib.SMTPAuthenticationError):
            return DeliveryError(
                f"{_status(error.smtp_code, error.smtp_error)}: login refused by the {server}"
            )
        if isinstance(error, smtplib.SMTPServerDisconnected):
            return TemporaryFailure(f"{server} closed the connection")
        if _dropped(error):
            return TemporaryFailure(
                f"{_status(error.smtp_code, error.smtp_error)}: {server} closed the connection"
            )
        if isinstance(error, smtplib.SMTPRecipientsRefused):
            code, reply = min(error.recipients.values())
            return _refused(code, reply, "recipient refused", PermanentFailure)
        if isinstance(error, smtplib.SMTPDataError):
            return _refused(error.smtp_code, error.smtp_error, "message refused", PermanentFailure)
        if isinstance(error, smtplib.SMTPSenderRefused):
            return _refused(error.smtp_code, error.smtp_error, "sender refused", DeliveryError)
        if isinstance(error, smtplib.SMTPResponseException):
            return _refused(error.smtp_code, error.smtp_error, f"refused by the {server}", DeliveryError)
        if isinstance(error, smtplib.SMTPNotSupportedError):
            # smtplib's own fixed text, e.g. "STARTTLS extension not supported by server."
            return DeliveryError(f"{server}: {error}")
        if isinstance(error, smtplib.SMTPException):
            return DeliveryError(f"{server}: {type(error).__name__}")
        if isinstance(error, ssl.SSLCertVerificationError):
            return DeliveryError(f"{server}: certificate not trusted ({error.verify_message})")
        return TemporaryFailure(f"{server} unreachable ({type(error).__name__})")


def _dropped(error: Exception) -> bool:
    if isinstance(error, smtplib.SMTPServerDisconnected):
        return True
    return isinstance(error, smtplib.SMTPResponseException) and error.smtp_code == 421


def _refused(code: int, reply: bytes, what: str, on_5xx: type[DeliveryError]) -> DeliveryError:
    """Return a TemporaryFailure for a 4xx reply and `on_5xx` for a 5xx one."""
    failure = on_5xx if 500 <= code < 600 else TemporaryFailure
    return failure(f"{_status(code, reply)}: {what}")


def _status(code: int, reply: bytes | str) -> str:
    """Return "SMTP 550 5.1.1": the reply code and its enhanced status code, never the reply text."""
    if isinstance(reply, str):
        reply = reply.encode()
    enhanced = _ENHANCED_STATUS.match(reply)
    return f"SMTP {code} {enhanced.group(1).decode()}" if enhanced else f"SMTP {code}"
