"""gunicorn's settings for followup: `gunicorn -c gunicorn.conf.py wsgi:app`.

Threads rather than one request per process, so a slow client holds one thread and not a whole
worker; bodies over the app's limit are refused before they are read (followup/__init__.py);
request lines and headers are kept short; no log line carries a link token. Put a buffering
reverse proxy (nginx, Caddy) in front on the internet: it absorbs slow clients before they reach
a thread. Every value can be overridden on the command line or in GUNICORN_CMD_ARGS.
"""

import os

from gunicorn.glogging import Logger
from gunicorn.workers.gthread import ThreadWorker

from followup import CONTENT_SECURITY_POLICY, STRICT_TRANSPORT_SECURITY
from followup.web.redaction import guard, redact

# Two processes of 8 threads each by default (WEB_CONCURRENCY sets the processes): 16 requests at
# once, which slow or large uploads cannot all take while the proxy in front buffers them.
workers = int(os.environ.get("WEB_CONCURRENCY") or 2)
threads = 8
# A worker silent for 30 s is restarted; a request has 30 s; idle keep-alive connections 5 s.
timeout = 30
graceful_timeout = 30
keepalive = 5
# A link is ~60 characters: a 2 KiB request line, 50 headers of at most 4 KiB are plenty.
limit_request_line = 2048
limit_request_fields = 50
limit_request_field_size = 4096
# No access log (it would hold paths); errors on stderr at WARNING and above.
accesslog = None
errorlog = "-"
loglevel = "warning"


class TokenFreeLogger(Logger):
    """gunicorn's logger, with link tokens cut out of every line (a malformed request line is
    logged whole by gunicorn, token included)."""

    def setup(self, cfg):
        super().setup(cfg)
        guard(self.error_log)
        guard(self.access_log)


logger_class = TokenFreeLogger


class TokenFreeWorker(ThreadWorker):
    """gunicorn's threaded worker, whose own error page for a malformed request (a 400 written
    before the app is reached) does not echo a link token back and carries the app's headers."""

    def handle_error(self, req, client, addr, exc):
        super().handle_error(req, _WithSecurityHeaders(client), addr, _without_tokens(exc))


# The headers every page of the app carries (followup/__init__.py), for gunicorn's own pages.
_HEADERS = (
    f"Content-Security-Policy: {CONTENT_SECURITY_POLICY}\r\n"
    "Referrer-Policy: same-origin\r\nX-Content-Type-Options: nosniff\r\nCache-Control: no-store\r\n"
    + (
        f"Strict-Transport-Security: {STRICT_TRANSPORT_SECURITY}\r\n"
        if os.environ.get("FOLLOWUP_ENV") == "production"
        else ""
    )
).encode("ascii")


class _WithSecurityHeaders:
    """The client's socket, adding the app's security headers after the status line gunicorn writes."""

    def __init__(self, sock):
        self._sock = sock

    def __getattr__(self, name):
        return getattr(self._sock, name)

    def sendall(self, data: bytes) -> None:
        status, newline, rest = data.partition(b"\r\n")
        if status.startswith(b"HTTP/"):
            data = status + newline + _HEADERS + rest
        self._sock.sendall(data)


def _without_tokens(exc: BaseException) -> BaseException:
    """Return `exc` as it is, or, if its text holds a token, a copy of the same class without it."""
    text = str(exc)
    if redact(text) == text:
        return exc
    kind = type(exc)
    # gunicorn writes its error page in Latin-1: the mark must be plain ASCII there.
    safe = redact(text).replace("…", "...")
    shown = type(kind.__name__, (kind,), {"__str__": lambda self: safe})
    copy = shown.__new__(shown)
    copy.__dict__.update(exc.__dict__)
    copy.args = exc.args
    return copy


worker_class = TokenFreeWorker
