"""Run Stoplight Prism as a mock of Twilio's API, answering from Twilio's own OpenAPI description."""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import tempfile
import time
from pathlib import Path

PRISM_PACKAGE = "@stoplight/prism-cli@5"
TWILIO_API = Path(__file__).resolve().parents[2] / "shared" / "twilio" / "twilio_api_v2010.json"

# The first run downloads Prism from the npm registry; later runs start from npx's cache.
STARTUP_SECONDS = 180


class PrismError(RuntimeError):
    """Prism could not be started."""


def free_port() -> int:
    """Return a TCP port on 127.0.0.1 that nothing listens on right now."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class Prism:
    """A Prism mock server in its own process group, on a free port of 127.0.0.1."""

    def __init__(self, description: Path = TWILIO_API, startup_seconds: float = STARTUP_SECONDS) -> None:
        self.description = description
        self.startup_seconds = startup_seconds
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.process: subprocess.Popen | None = None
        self.log = tempfile.TemporaryFile()

    def start(self) -> None:
        """Start Prism and wait until it accepts connections."""
        npx = shutil.which("npx")
        if npx is None:
            raise PrismError("npx is not on PATH: install Node.js and npm to run the Twilio tests")
        if not self.description.is_file():
            raise PrismError(f"Twilio's API description is missing: {self.description}")
        command = [npx, "--yes", PRISM_PACKAGE, "mock", "-h", "127.0.0.1", "-p", str(self.port)]
        started = time.monotonic()
        # A session of its own, so stop() reaches node as well as the npx that started it.
        self.process = subprocess.Popen(
            [*command, str(self.description)],
            stdin=subprocess.DEVNULL,
            stdout=self.log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
            env={**os.environ, "NO_COLOR": "1", "NPM_CONFIG_UPDATE_NOTIFIER": "false"},
        )
        while not self._listening():
            if self.process.poll() is not None:
                raise PrismError(f"Prism exited with {self.process.returncode}:\n{self.output()}")
            if time.monotonic() - started > self.startup_seconds:
                output = self.output()
                self.stop()
                raise PrismError(f"Prism did not answer within {self.startup_seconds} s:\n{output}")
            time.sleep(0.2)

    def stop(self) -> None:
        """Stop Prism's whole process group and close its log."""
        if self.process is not None and self.process.poll() is None:
            self._signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self._signal(signal.SIGKILL)
                self.process.wait()
        self.log.close()

    def output(self, tail: int = 4000) -> str:
        """Return the end of what Prism printed."""
        self.log.seek(0)
        return self.log.read().decode(errors="replace")[-tail:]

    def _listening(self) -> bool:
        try:
            socket.create_connection(("127.0.0.1", self.port), timeout=1).close()
        except OSError:
            return False
        return True

    def _signal(self, number: int) -> None:
        try:
            os.killpg(self.process.pid, number)
        except ProcessLookupError:
            pass
