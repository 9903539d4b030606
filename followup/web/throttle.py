"""Slowing down link guessing: too many unknown links from one client in a while gets a pause."""

from __future__ import annotations

from collections import defaultdict, deque
from datetime import datetime, timedelta
from threading import Lock


class FailureThrottle:
    """Count failed link look-ups per client; past `limit` within `window`, refuse for a while.

    Only failures count, so a participant with a real link is never locked out for long: the
    pause ends when the oldest failure leaves the window. Counts live in this process's memory.
    """

    def __init__(self, limit: int = 10, window: timedelta = timedelta(minutes=5)) -> None:
        self.limit = limit
        self.window = window
        self._failures: dict[str, deque[datetime]] = defaultdict(deque)
        self._lock = Lock()

    def blocked(self, client: str, now: datetime) -> bool:
        """Tell whether `client` must wait before trying another link."""
        with self._lock:
            failures = self._failures.get(client)
            if not failures:
                return False
            while failures and failures[0] <= now - self.window:
                failures.popleft()
            if not failures:
                del self._failures[client]
            return len(failures) >= self.limit

    def failed(self, client: str, now: datetime) -> None:
        """Record one failed look-up by `client`."""
        with self._lock:
            self._failures[client].append(now)
