"""Link tokens kept out of logs: a path to /s/ or /u/ is written without what follows."""

from __future__ import annotations

import logging
import re

# Everything after /s/ or /u/ up to a space or quote, whatever it holds: a token with a stray byte
# (shown as \xff in a log line) is still a token.
_LINK = re.compile(r"(/[su]/)[^\s'\"<>]+")


def redact(text: str) -> str:
    """Return `text` with every link token cut out (`/s/…`)."""
    return _LINK.sub(r"\1…", text)


class RedactLinks(logging.Filter):
    """A logging filter that writes each record without link tokens."""

    def filter(self, record: logging.LogRecord) -> bool:
        """Replace the record's message by its redacted text; keep the record."""
        message = record.getMessage()
        redacted = redact(message)
        if redacted != message:
            record.msg, record.args = redacted, ()
        return True


def guard(logger: logging.Logger) -> None:
    """Redact link tokens from whatever `logger`'s handlers write."""
    for handler in logger.handlers:
        if not any(isinstance(f, RedactLinks) for f in handler.filters):
            handler.addFilter(RedactLinks())
