"""The SMTP sender against a real SMTP server (aiosmtpd) running in this process."""

import shutil
import socket
import ssl
import subprocess
import traceback
from datetime import UTC, datetime
from email.message import EmailMessage

import pytest
from aiosmtpd.smtp import AuthResult

from followup.sending.delivery.email import SmtpEmail, build_email
from followup.sending.delivery.transport import DeliveryError, PermanentFailure, TemporaryFailure
from tests.smtp_server import Mailbox, free_port

NOW = datetime(2026, 1, 15, 12, 0, tzinfo=UTC)
UNSUBSCRIBE = "<https://followup.example.se/avregistrera/" + "Tk9wZXJzb25hbGRhdGFoZXJlLWp1c3RhdG9rZW4x" + ">"


@pytest.fixture
def certificate(tmp_path):
    """A self-signed certificate for 127.0.0.1 and an SSL context that serves it."""
    if shutil.which("openssl") is None:
        pytest.fail("the openssl command is needed to make a test certificate (Debian package openssl)")
    cert, key = tmp_path / "cert.pem", tmp_path / "key.pem"
    subprocess.run(
        ["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1"]
        + ["-keyout", str(key), "-out", str(cert), "-subj", "/CN=127.0.0.1"]
        + ["-addext", "subjectAltName=IP:127.0.0.1"],
        check=True,
        capture_output=True,
    )
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(cert, key)
    return cert, context


@pytest.fixture
def trust(certificate, monkeypatch):
    """Make ssl.create_default_context() trust the test certificate, as an operator would a private CA."""
    monkeypatch.setenv("SSL_CERT_FILE", str(certificate[0]))


def accept_followup(server, session, envelope, mechanism, auth_data):
    # handled=False: aiosmtpd answers a refusal itself, with 535.
    return AuthResult(success=auth_data == (b"followup", b"secret"), handled=False)


def make_email(to="anna@example.org", sender="followup@example.org", headers=None) -> EmailMessage:
    return build_email(
        sender=sender,
        to=to,
        subject="Hur går det?",
        text="Hej!\nBerätta hur det har gått.",
        html="<p>Hej!</p><p>Berätta hur det har gått.</p>",
        now=NOW,
        headers=headers,
    )


def smtp(port: int, security="none", username=None, password=None, timeout: float = 5) -> SmtpEmail:
    return SmtpEmail("127.0.0.1", port, security, username, password, timeout=timeout)


def sent_text(error: DeliveryError) -> str:
    """Return everything a log would show of the error: its text and its traceback."""
    return "".join(traceback.format_exception(error))


def test_sends_plain_and_html_with_the_returned_message_id(mailbox):
    message_id = smtp(mailbox.port).send(make_email())

    [received] = mailbox.received
    assert received.mail_from == "followup@example.org"
    assert received.rcpt_tos == ["anna@example.org"]
    email = received.email()
    assert email["Subject"] == "Hur går det?"
    assert email["Message-ID"] == message_id
    assert email.get_body(("plain",)).get_content() == "Hej!\nBerätta hur det har gått.\n"
    assert email.get_body(("html",)).get_content() == "<p>Hej!</p><p>Berätta hur det har gått.</p>\n"
    assert "List-Unsubscribe" not in email
    assert mailbox.quits == 1


def test_extra_headers_arrive_as_written(mailbox):
    headers = {"List-Unsubscribe": UNSUBSCRIBE, "List-Unsubscribe-Post": "List-Unsubscribe=One-Click"}
    smtp(mailbox.port).send(make_email(headers=headers))

    [received] = mailbox.received
    email = received.email()
    assert email["List-Unsubscribe"] == UNSUBSCRIBE
    assert email["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    # One unfolded, unencoded line: RFC 8058 receivers look for the URL itself.
    assert f"List-Unsubscribe: {UNSUBSCRIBE}\r\n".encode() in received.content


def test_words_outside_ascii_and_long_lines_arrive_intact(mailbox):
    text = "Hej Åsa!\n.En rad som börjar med en punkt.\n" + "lång rad " * 40 + "\nSlut.  \n"
    html = "<p>Hej Åsa!</p>\n<p>" + "lång rad " * 40 + "</p>\n"
    subject = "Hur går det för dig, sex månader efter programmet hos Samordningsförbundet Älvsbyn?"
    email = build_email(
        sender="Uppföljning Älvsbyn <followup@example.org>",
        to="asa@exämple.se",
        subject=subject,
        text=text,
        html=html,
        now=NOW,
    )
    smtp(mailbox.port).send(email)

    [received] = mailbox.received
    assert received.rcpt_tos == ["asa@xn--exmple-cua.se"]
    assert received.mail_from == "followup@example.org"
    parsed = received.email()
    assert parsed["Subject"] == subject
    assert parsed["From"] == "Uppföljning Älvsbyn <followup@example.org>"
    assert parsed.get_body(("plain",)).get_content() == text
    assert parsed.get_body(("html",)).get_content() == html
    # 7-bit and short lines all through, so no server on the way has to rewrite it.
    assert received.content.isascii()
    assert max(len(line) for line in received.content.split(b"\r\n")) <= 78


@pytest.mark.parametrize(
    ("to", "problem"),
    [
        ("åsa@example.se", "the part before the @ is not ASCII"),
        ("anna.example.se", "not an e-mail address"),
        ("anna@example.se\r\nBcc: x@example.org", "not an e-mail address"),
    ],
)
def test_an_address_that_cannot_be_sent_to_is_a_permanent_failure(to, problem):
    with pytest.raises(PermanentFailure, match=problem) as caught:
        make_email(to=to)
    assert "example" not in str(caught.value)


def test_a_subject_of_two_lines_is_refused():
    with pytest.raises(ValueError, match="one line"):
        build_email(
            sender="f@example.org", to="a@example.org", subject="a\nBcc: b", text="", html="", now=NOW
        )


@pytest.mark.parametrize("value", ["<https://example.org/a>\r\nBcc: x@example.org", "<https://exämple.org/>"])
def test_extra_headers_must_be_one_line_of_ascii(value):
    with pytest.raises(ValueError, match="List-Unsubscribe"):
        make_email(headers={"List-Unsubscribe": value})


def test_a_batch_uses_one_connection(mailbox):
    sender = smtp(mailbox.port)
    emails = [make_email(to=f"p{n}@example.org") for n in range(20)]

    with sender.batch():
        message_ids = [sender.send(email) for email in emails]

    assert [received.email()["Message-ID"] for received in mailbox.received] == message_ids
    assert len(set(message_ids)) == 20
    assert len(mailbox.connections) == 1
    assert {received.peer for received in mailbox.received} == mailbox.connections
    assert mailbox.quits == 1


def test_work_runs_while_the_server_answers_and_before_delivery(mailbox):
    sender = smtp(mailbox.port)
    seen = []

    def steps():
        for _ in range(5):
            seen.append(("step", len(mailbox.received)))
            yield

    with sender.batch():
        sender.send(make_email(to="anna@example.org"))
        sender.send(make_email(to="bo@example.org"), before=steps(), during=lambda: seen.append(("during",)))

    # Every step ran while the second e-mail was under way, before it arrived; then `during`, once.
    assert seen == [("step", 1)] * 5 + [("during",)]
    assert len(mailbox.received) == 2


def test_every_step_runs_even_when_the_email_is_refused(mailbox):
    done = []

    def steps():
        for n in range(3):
            yield
            done.append(n)

    with pytest.raises(PermanentFailure):
        smtp(mailbox.port).send(
            make_email(to="bounce@example.org"), before=steps(), during=lambda: done.append("x")
        )

    assert done == [0, 1, 2]  # all of them, and not `during`: nothing was handed over
    assert mailbox.received == []


def test_a_failing_step_stops_the_email_and_the_connection_is_replaced(mailbox):
    sender = smtp(mailbox.port)

    def fails():
        raise RuntimeError("the database is gone")
        yield

    with sender.batch():
        with pytest.raises(RuntimeError, match="database"):
            sender.send(make_email(to="anna@example.org"), before=fails())
        sender.send(make_email(to="bo@example.org"))

    assert [received.rcpt_tos for received in mailbox.received] == [["bo@example.org"]]
    assert len(mailbox.connections) == 2


def test_each_send_outside_a_batch_has_its_own_connection(mailbox):
    sender = smtp(mailbox.port)
    sender.send(make_email(to="anna@example.org"))
    sender.send(make_email(to="bo@example.org"))

    assert len(mailbox.received) == 2
    assert len(mailbox.connections) == 2
    assert mailbox.quits == 2


@pytest.mark.parametrize(
    ("to", "sender", "failure", "text"),
    [
        ("bounce@example.org", "followup@example.org", PermanentFailure, "SMTP 550 5.1.1: recipient refused"),
        ("later@example.org", "followup@example.org", TemporaryFailure, "SMTP 451 4.3.0: recipient refused"),
        ("spam@example.org", "followup@example.org", PermanentFailure, "SMTP 554 5.7.1: message refused"),
        ("full@example.org", "followup@example.org", TemporaryFailure, "SMTP 452 4.2.2: message refused"),
        # Our own address refused is a configuration problem, not a reason to give up on the recipient.
        ("anna@example.org", "refused@example.org", DeliveryError, "SMTP 553 5.7.1: sender refused"),
    ],
)
def test_refusals_are_classified_without_the_address(mailbox, to, sender, failure, text):
    with pytest.raises(DeliveryError) as caught:
        smtp(mailbox.port).send(make_email(to=to, sender=sender))

    assert type(caught.value) is failure
    assert str(caught.value) == text
    assert "@" not in sent_text(caught.value)
    assert mailbox.received == []


def test_a_refusal_inside_a_batch_keeps_the_connection_for_the_rest(mailbox):
    sender = smtp(mailbox.port)
    with sender.batch():
        sender.send(make_email(to="anna@example.org"))
        with pytest.raises(PermanentFailure):
            sender.send(make_email(to="bounce@example.org"))
        sender.send(make_email(to="bo@example.org"))

    assert [received.rcpt_tos for received in mailbox.received] == [["anna@example.org"], ["bo@example.org"]]
    assert len(mailbox.connections) == 1


def test_no_server_listening_is_temporary():
    port = free_port()

    with pytest.raises(TemporaryFailure) as caught:
        smtp(port).send(make_email())

    assert str(caught.value) == f"SMTP server 127.0.0.1:{port} unreachable (ConnectionRefusedError)"
    assert "@" not in sent_text(caught.value)


def test_a_server_that_never_answers_is_temporary():
    with socket.socket() as silent:
        silent.bind(("127.0.0.1", 0))
        silent.listen()
        # The kernel accepts the connection; nobody ever sends the greeting.
        with pytest.raises(TemporaryFailure, match="closed the connection"):
            smtp(silent.getsockname()[1], timeout=0.2).send(make_email())


@pytest.mark.parametrize("drop_reply", [None, "421 4.4.2 idle too long, closing connection"])
def test_a_dropped_connection_is_reopened_and_the_message_sent_once(serve, drop_reply):
    mailbox = Mailbox(drop_after=2, drop_reply=drop_reply)
    sender = smtp(serve(mailbox).port)
    emails = [make_email(to=f"p{n}@example.org") for n in range(5)]

    with sender.batch():
        message_ids = [sender.send(email) for email in emails]

    assert [received.email()["Message-ID"] for received in mailbox.received] == message_ids
    assert len(mailbox.connections) == 3


def test_a_421_on_a_new_connection_is_temporary_and_not_retried(serve):
    mailbox = Mailbox(drop_after=0, drop_reply="421 4.3.2 service not available")
    port = serve(mailbox).port

    with pytest.raises(TemporaryFailure) as caught:
        smtp(port).send(make_email())

    assert str(caught.value) == f"SMTP 421 4.3.2: SMTP server 127.0.0.1:{port} closed the connection"
    assert len(mailbox.connections) == 1


def test_a_batch_survives_the_server_going_away_and_coming_back(serve):
    first = Mailbox()
    controller = serve(first)
    sender = smtp(controller.port)

    with sender.batch():
        sender.send(make_email(to="anna@example.org"))
        controller.stop()
        # The kept connection is dead and the one retry finds nobody listening.
        with pytest.raises(TemporaryFailure, match="unreachable"):
            sender.send(make_email(to="bo@example.org"))
        second = Mailbox()
        serve(second, port=controller.port)
        sender.send(make_email(to="cecilia@example.org"))

    assert [received.rcpt_tos for received in first.received] == [["anna@example.org"]]
    assert [received.rcpt_tos for received in second.received] == [["cecilia@example.org"]]


def test_starttls_with_login(serve, certificate, trust):
    mailbox = Mailbox()
    port = serve(
        mailbox,
        tls_context=certificate[1],
        require_starttls=True,
        authenticator=accept_followup,
        auth_required=True,
    ).port

    smtp(port, "starttls", "followup", "secret").send(make_email())

    [received] = mailbox.received
    assert received.tls


def test_implicit_tls(serve, certificate, trust):
    mailbox = Mailbox()
    port = serve(mailbox, ssl_context=certificate[1]).port

    smtp(port, "tls").send(make_email())

    assert len(mailbox.received) == 1


@pytest.mark.parametrize("security", ["starttls", "tls"])
def test_an_untrusted_certificate_is_a_configuration_problem(serve, certificate, monkeypatch, security):
    monkeypatch.delenv("SSL_CERT_FILE", raising=False)
    mailbox = Mailbox()
    if security == "tls":
        port = serve(mailbox, ssl_context=certificate[1]).port
    else:
        port = serve(mailbox, tls_context=certificate[1], require_starttls=True).port

    with pytest.raises(DeliveryError) as caught:
        smtp(port, security).send(make_email())

    assert type(caught.value) is DeliveryError
    assert "certificate not trusted" in str(caught.value)
    assert mailbox.received == []


def test_a_wrong_password_is_a_configuration_problem(serve, certificate, trust):
    mailbox = Mailbox()
    port = serve(
        mailbox,
        tls_context=certificate[1],
        require_starttls=True,
        authenticator=accept_followup,
        auth_required=True,
    ).port

    with pytest.raises(DeliveryError) as caught:
        smtp(port, "starttls", "followup", "wrong").send(make_email())

    assert type(caught.value) is DeliveryError
    assert str(caught.value) == f"SMTP 535 5.7.8: login refused by the SMTP server 127.0.0.1:{port}"
    assert mailbox.received == []


def test_starttls_refused_by_a_plain_server_is_a_configuration_problem(mailbox):
    with pytest.raises(DeliveryError) as caught:
        smtp(mailbox.port, "starttls").send(make_email())

    assert type(caught.value) is DeliveryError
    assert "STARTTLS extension not supported" in str(caught.value)


def test_an_unknown_security_is_refused():
    with pytest.raises(DeliveryError, match="starttls, tls, none"):
        SmtpEmail("127.0.0.1", 25, "ssl", None, None)
