"""A real SMTP server (aiosmtpd) inside the test process, recording what it receives."""

import asyncio
import socket
from email import message_from_bytes, policy
from email.message import EmailMessage
from typing import NamedTuple

import pytest
from aiosmtpd.controller import Controller


class Received(NamedTuple):
    peer: tuple
    mail_from: str
    rcpt_tos: list[str]
    content: bytes
    tls: bool

    def email(self) -> EmailMessage:
        return message_from_bytes(self.content.replace(b"\r\n", b"\n"), policy=policy.default)


class Mailbox:
    """An SMTP handler that keeps what it receives and refuses the addresses a test names.

    RCPT: "bounce" gets 550, "later" 451. DATA: "spam" gets 554, "full" 452. MAIL: "refused" gets 553.
    The replies repeat the address, as real servers do. `drop_after` closes each connection after
    that many messages: silently, or with `drop_reply` to the next MAIL (a 421, as Postfix does).
    """

    def __init__(self, drop_after: int | None = None, drop_reply: str | None = None) -> None:
        self.received: list[Received] = []
        self.connections: set[tuple] = set()
        self.quits = 0
        self.drop_after = drop_after
        self.drop_reply = drop_reply

    def delivered_on(self, peer) -> int:
        return sum(1 for message in self.received if message.peer == peer)

    async def handle_EHLO(self, server, session, envelope, hostname, responses):
        session.host_name = hostname
        self.connections.add(session.peer)
        return responses

    async def handle_MAIL(self, server, session, envelope, address, mail_options):
        if self.drop_reply and self.delivered_on(session.peer) == self.drop_after:
            asyncio.get_running_loop().call_soon(server.transport.close)
            return self.drop_reply
        if "refused" in address:
            return f"553 5.7.1 <{address}>: sender not allowed"
        envelope.mail_from = address
        envelope.mail_options.extend(mail_options)
        return "250 OK"

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        if "bounce" in address:
            return f"550 5.1.1 <{address}>: user unknown"
        if "later" in address:
            return f"451 4.3.0 <{address}>: try again later"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        for address in envelope.rcpt_tos:
            if "spam" in address:
                return f"554 5.7.1 <{address}>: message refused as spam"
            if "full" in address:
                return f"452 4.2.2 <{address}>: mailbox full"
        self.received.append(
            Received(session.peer, envelope.mail_from, envelope.rcpt_tos, envelope.content, bool(session.ssl))
        )
        if self.drop_reply is None and self.delivered_on(session.peer) == self.drop_after:
            # Runs after the 250 below has been written: the connection is gone before the next message.
            asyncio.get_running_loop().call_soon(server.transport.close)
        return "250 OK"

    async def handle_QUIT(self, server, session, envelope):
        self.quits += 1
        return "221 Bye"


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture
def serve():
    """Return a function that starts an SMTP server on 127.0.0.1 and returns its controller."""
    running = []

    def start(handler, port: int | None = None, **options) -> Controller:
        controller = Controller(handler, hostname="127.0.0.1", port=port or free_port(), **options)
        controller.start()
        running.append(controller)
        return controller

    yield start
    for controller in running:
        if not controller.loop.is_closed():  # a test may have stopped it already
            controller.stop()


@pytest.fixture
def mailbox(serve):
    mailbox = Mailbox()
    mailbox.port = serve(mailbox).port
    return mailbox
