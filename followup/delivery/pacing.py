"""Keeping a channel under its rate limit (messages a second)."""

from __future__ import annotations

import time
from collections.abc import Callable


class Pacer:
    """Wait before each send so that no more than `per_second` messages start in any second."""

    def __init__(
        self,
        per_second: float,
        monotonic: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self.interval = 1.0 / per_second if per_second > 0 else 0.0
        self._monotonic = monotonic
        self._sleep = sleep
        self._next = 0.0

    def wait(self) -> None:
        """Block until the next message may start."""
        if not self.interval:
            return
        now = self._monotonic()
        if now < self._next:
            self._sleep(self._next - now)
            now = self._next
        self._next = now + self.interval
