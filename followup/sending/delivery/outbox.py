"""The embedded transport: every message becomes a file a person can open (.eml or .txt)."""

from __future__ import annotations

import os
import secrets
from collections.abc import Callable, Iterator
from contextlib import nullcontext
from pathlib import Path
from typing import TYPE_CHECKING

from followup.instance import private_folder, write_private

if TYPE_CHECKING:
    from followup.sending.delivery.email import Email


class _Folder:
    def __init__(self, folder: str | os.PathLike) -> None:
        self.folder = Path(folder)

    def batch(self):
        """Nothing to keep open: files are written one by one."""
        return nullcontext()

    def _write(self, prefix: str, suffix: str, content: bytes) -> str:
        private_folder(self.folder)
        name = f"{prefix}-{secrets.token_hex(8)}.{suffix}"
        # Written under a temporary name and renamed, so a reader never sees half a message.
        partial = self.folder / f".{name}.partial"
        write_private(partial, content)
        partial.replace(self.folder / name)
        return name


class OutboxEmail(_Folder):
    """Write e-mails as .eml files instead of sending them."""

    def send(
        self, message: Email, before: Iterator[None] | None = None, during: Callable[[], None] | None = None
    ) -> str:
        """Run `before`, write the e-mail, run `during`; return the file name."""
        for _ in before or ():
            pass
        name = self._write("email", "eml", message.data)
        if during:
            during()
        return name


class OutboxSms(_Folder):
    """Write SMS as .txt files instead of sending them."""

    def send(self, to: str, body: str, status_callback: str | None = None) -> str:
        """Write the SMS; return its file name."""
        return self._write("sms", "txt", f"To: {to}\n\n{body}\n".encode())
