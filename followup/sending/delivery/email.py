"""E-mail: build one multipart message (plain text and HTML) and send it over SMTP."""

from __future__ import annotations

import binascii
import ipaddress
import re
import secrets
import smtplib
import ssl
import unicodedata
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, contextmanager
from dataclasses import dataclass, field
from datetime import datetime
from email.header import Header
from email.utils import format_datetime, formataddr, make_msgid, parseaddr
from functools import lru_cache
from typing import Protocol
from urllib.parse import urlsplit

from followup.sending.delivery.transport import DeliveryError, PermanentFailure, TemporaryFailure

SECURITY = ("starttls", "tls", "none")

_ENHANCED_STATUS = re.compile(rb"^([245]\.\d{1,3}\.\d{1,3})\b")
_BREAKS = re.compile(r"[\r\n\x00]")
# RFC 5321 4.5.2: a line of the content that starts with a dot gets a second one.
_LEADING_DOT = re.compile(rb"(?m)^\.")


@dataclass(frozen=True)
class Email:
    """A complete e-mail, ready for the wire: envelope addresses and the message as CRLF bytes."""

    sender: str
    to: str
    message_id: str
    data: bytes
    # The same as SMTP carries them, made here so that sending does nothing but send: the
    # addresses in angle brackets, the content dot-stuffed (RFC 5321 4.5.2) and ended by a dot.
    mail_from: str = field(init=False, repr=False)
    rcpt_to: str = field(init=False, repr=False)
    content: bytes = field(init=False, repr=False)

    def __post_init__(self) -> None:
        content = _LEADING_DOT.sub(b"..", self.data)
        if not content.endswith(b"\r\n"):
            content += b"\r\n"
        object.__setattr__(self, "mail_from", _quoted_sender(self.sender))
        object.__setattr__(self, "rcpt_to", smtplib.quoteaddr(self.to))
        object.__setattr__(self, "content", content + b".\r\n")


def build_email(
    *,
    sender: str,
    to: str,
    subject: str,
    text: str,
    html: str,
    now: datetime,
    headers: dict[str, str] | None = None,
) -> Email:
    """Return a multipart/alternative e-mail (plain text and HTML), extra headers written as given.

    The MIME text is written here rather than by `email.message.EmailMessage`, which parses every
    header and costs about a millisecond an e-mail: as much as sending one to a local server.
    `sender` may carry a display name ("Name <address>"); its address is the envelope sender.
    """
    address, from_header = _sender(sender)
    recipient = _ascii_address(to)
    message_id = make_msgid(domain=address.rpartition("@")[2])
    boundary = f"=_{secrets.token_hex(16)}"
    lines = [
        f"From: {from_header}",
        f"To: {recipient}",
        f"Subject: {_encoded('Subject', subject)}",
        f"Date: {format_datetime(now)}",
        f"Message-ID: {message_id}",
        "MIME-Version: 1.0",
    ]
    for header, value in (headers or {}).items():
        # Unfolded and unencoded: RFC 8058 receivers look for the List-Unsubscribe URL itself.
        if not value.isascii() or len(value.splitlines()) != 1 or len(header) + len(value) > 900:
            raise ValueError(f"the {header} header must be one line of ASCII")
        lines.append(f"{header}: {value}")
    lines += [
        f'Content-Type: multipart/alternative;\r\n boundary="{boundary}"',
        "",
        f"--{boundary}",
        *_part("plain", text),
        f"--{boundary}",
        *_part("html", html),
        f"--{boundary}--\r\n",
    ]
    return Email(address, recipient, message_id, "\r\n".join(lines).encode("ascii"))


def _part(subtype: str, content: str) -> list[str]:
    # Quoted-printable keeps every line short and 7-bit, and the words readable in an .eml file.
    crlf = content.replace("\r\n", "\n").replace("\n", "\r\n")
    if not crlf.endswith("\r\n"):
        crlf += "\r\n"
    body = binascii.b2a_qp(crlf.encode("utf-8"), istext=True).decode("ascii")
    return [
        f'Content-Type: text/{subtype}; charset="utf-8"',
        "Content-Transfer-Encoding: quoted-printable",
        "",
        body,
    ]


def check_sender(sender: str) -> None:
    """Raise ValueError, saying why, if `sender` cannot be the sender of an e-mail."""
    _sender(sender)


# These are cached: the sender is the same in every e-mail, a subject in very many, and encoding
# a header or parsing an address takes longer than writing the rest of the e-mail.
@lru_cache(maxsize=64)
def _sender(sender: str) -> tuple[str, str]:
    """Return the envelope address and the From header's value."""
    name, address = parseaddr(sender)
    if _BREAKS.search(sender) or "@" not in address or not address.isascii():
        raise ValueError("the sender must be one ASCII e-mail address, optionally with a name")
    return address, formataddr((name, address), charset="utf-8")


@lru_cache(maxsize=64)
def with_display_name(sender: str, name: str) -> str:
    """Return `sender` ("Name <address>" or an address) with `name` as its display name, if one is given."""
    if not name:
        return sender
    if _BREAKS.search(name):
        raise ValueError("the sender's name must be one line")
    return formataddr((name, parseaddr(sender)[1]))


@lru_cache(maxsize=8)
def _quoted_sender(address: str) -> str:
    """Return the envelope sender as MAIL FROM carries it."""
    return smtplib.quoteaddr(address)


@lru_cache(maxsize=256)
def list_id(programme: str, base_url: str) -> str:
    """Return the List-Id (RFC 2919) of a programme's messages: its name, and an id in the
    service's domain that mail programs and filters can hold on to ("localhost" without one)."""
    plain = unicodedata.normalize("NFKD", programme).encode("ascii", "ignore").decode().lower()
    label = re.sub(r"[^a-z0-9]+", "-", plain).strip("-")[:63].strip("-") or "programme"
    host = (urlsplit(base_url).hostname or "").lower()
    try:
        ipaddress.ip_address(host)
        namespace = "localhost"
    except ValueError:
        namespace = host if "." in host else "localhost"
    name = " ".join(programme.split())
    if name.isascii():
        phrase = '"' + name.replace("\\", "\\\\").replace('"', '\\"') + '"'
    else:
        phrase = Header(name, "utf-8").encode(maxlinelen=0)
    return f"{phrase} <{label}.{namespace}>"


def _encoded(name: str, value: str) -> str:
    """Return a header value as it goes on the wire: RFC 2047 words, folded, when not plain ASCII."""
    if _BREAKS.search(value):
        raise ValueError(f"the {name} must be one line")
    if value.isascii() and len(name) + len(value) < 76:
        return value
    return Header(value, "utf-8", header_name=name).encode(linesep="\r\n")


def _ascii_address(address: str) -> str:
    """Return the address with its domain in IDNA form; a non-ASCII local part cannot be sent."""
    local, at, domain = address.strip().rpartition("@")
    if not at or not local or not domain or _BREAKS.search(address) or " " in address:
        raise PermanentFailure("not an e-mail address")
    if not local.isascii():
        raise PermanentFailure("the part before the @ is not ASCII, which this sender cannot carry")
    try:
        domain = domain.encode("idna").decode("ascii")
    except UnicodeError:
        raise PermanentFailure("the domain is not a valid domain name") from None
    return f"{local}@{domain}"


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

    def send(
        self, message: Email, before: Iterator[None] | None = None, during: Callable[[], None] | None = None
    ) -> str:
        """Send a complete e-mail; return its Message-ID.

        Work given here runs while the server answers, instead of after it. `before` is a series of
        steps (a generator): one runs while the server answers each of MAIL FROM, RCPT TO and
        DATA, and all of them have run before the e-mail's content goes, whatever happens.
        `during` runs once while the server takes in the content. The dispatch records the
        previous e-mail and claims the next message in `before`, and builds the next e-mail
        `during`.
        """
        steps = before or iter(())
        try:
            self._send(message, steps, during)
        except (smtplib.SMTPException, OSError) as error:
            # The server's reply text often repeats the recipient's address, so neither it nor the
            # original exception travels with the error.
            raise self._failure(error) from None
        finally:
            for _ in steps:
                pass
            if not self._in_batch:
                self._close()
        return message.message_id

    def _send(self, message: Email, steps: Iterator[None], during: Callable[[], None] | None) -> None:
        reused = self._connection is not None and self._connection.sock is not None
        try:
            _transaction(self._connect(), message, steps, during)
        except (smtplib.SMTPException, OSError) as error:
            # A kept-open connection may have been closed by the server since the last message
            # (an idle timeout, a limit of messages per connection): that is no verdict on this one.
            if not (reused and _dropped(error)):
                raise
            self._close()
            _transaction(self._connect(), message, steps, during)

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


def _transaction(
    connection: smtplib.SMTP, message: Email, steps: Iterator[None], during: Callable[[], None] | None
) -> None:
    """Do what `smtplib.SMTP.sendmail` does for one recipient, doing the caller's work while each
    reply is on its way (smtplib's `putcmd`, `send` and `getreply` split each command in two)."""

    def meanwhile(work: Callable[[], object]) -> None:
        try:
            work()
        except BaseException:
            connection.close()  # a reply is unread: the connection cannot be used again
            raise

    def step() -> None:
        next(steps, None)

    def all_steps() -> None:
        for _ in steps:
            pass

    connection.ehlo_or_helo_if_needed()
    size = f" size={len(message.data)}" if connection.has_extn("size") else ""
    connection.putcmd("mail", f"FROM:{message.mail_from}{size}")
    meanwhile(step)
    code, reply = connection.getreply()
    if code != 250:
        _abandon(connection, code)
        raise smtplib.SMTPSenderRefused(code, reply, message.sender)
    connection.putcmd("rcpt", f"TO:{message.rcpt_to}")
    meanwhile(step)
    code, reply = connection.getreply()
    if code not in (250, 251):
        _abandon(connection, code)
        raise smtplib.SMTPRecipientsRefused({message.to: (code, reply)})
    connection.putcmd("data")
    meanwhile(step)
    code, reply = connection.getreply()
    if code != 354:
        _abandon(connection, code)
        raise smtplib.SMTPDataError(code, reply)
    meanwhile(all_steps)
    connection.send(message.content)
    if during:
        meanwhile(during)
    code, reply = connection.getreply()
    if code != 250:
        _abandon(connection, code)
        raise smtplib.SMTPDataError(code, reply)


def _abandon(connection: smtplib.SMTP, code: int) -> None:
    """End a refused transaction as smtplib does: close after a 421, otherwise RSET."""
    if code == 421:
        connection.close()
        return
    try:
        connection.rset()
    except smtplib.SMTPServerDisconnected:
        pass


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
