"""Keeping a channel under its rate limit (messages a second)."""

from __future__ import annotations

import math
import time
from collections.abc import Callable

# The gap between two sends is this much longer than 1/rate: network jitter must not let two
# messages arrive at the provider closer together than the limit allows.
MARGIN = 1.05


class Pacer:
    """Wait before each send so that no more than `per_second` messages start in any second."""

    def __init__(
        self,
        per_second: float,
        monotonic: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self.interval = MARGIN / per_second if per_second > 0 else 0.0
        self._monotonic = monotonic
        self._sleep = sleep
        self._next = -math.inf  # the first message never waits, whatever the clock reads

    def wait(self) -> None:
        """Block until the next message may start."""
        if not self.interval:
            return
        now = self._monotonic()
        if now < self._next:
            self._sleep(self._next - now)
            # A sleep may overrun; the next gap counts from when this one really ended.
            now = max(self._monotonic(), self._next)
        self._next = now + self.interval
