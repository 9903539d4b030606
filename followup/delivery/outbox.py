"""The embedded transport: every message becomes a file a person can open (.eml or .txt)."""

from __future__ import annotations

import os
import secrets
from email.message import EmailMessage
from email.policy import SMTP
from pathlib import Path


class OutboxTransport:
    """Write messages into a folder instead of sending them."""

    def __init__(self, folder: str | os.PathLike) -> None:
        self.folder = Path(folder)

    def send_email(self, message: EmailMessage) -> str:
        """Write the e-mail as an .eml file; return its file name."""
        return self._write("eml", message.as_bytes(policy=SMTP))

    def send_sms(self, to: str, body: str) -> str:
        """Write the SMS as a .txt file; return its file name."""
        return self._write("txt", f"To: {to}\n\n{body}\n".encode())

    def _write(self, suffix: str, content: bytes) -> str:
        self.folder.mkdir(parents=True, exist_ok=True)
        name = f"{secrets.token_hex(8)}.{suffix}"
        # Written under a temporary name and renamed, so a reader never sees half a message.
        partial = self.folder / f".{name}.partial"
        partial.write_bytes(content)
        partial.replace(self.folder / name)
        return name
