"""Rate limits against guessing (links now, staff sign-in later), with Flask-Limiter.

Counts are kept per client address: in this process's memory by default, or in Redis shared by
every worker and restart when FOLLOWUP_RATELIMIT_STORAGE_URL is set. The client address is the
socket's, or the one X-Forwarded-For names when FOLLOWUP_PROXY_COUNT says how many proxies to
trust (see create_app). A refused request gets 429 with Retry-After.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable

from flask import Flask, Response
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address

# Ten unknown links from one address within five minutes is not a person mistyping.
LINK_GUESSES = "10 per 5 minutes"
_HEADERS = ("Retry-After", "X-RateLimit-Limit", "X-RateLimit-Remaining", "X-RateLimit-Reset")


def init_app(app: Flask) -> Limiter:
    """Give the app its limiter (no limit until one is set with `count_failures`)."""
    # Registered before the limiter's own hook, so it runs after it (Flask runs them in reverse).
    app.after_request(_only_when_refused)
    limiter = Limiter(
        key_func=get_remote_address,
        storage_uri=app.config.get("RATELIMIT_STORAGE_URL") or "memory://",
        strategy="moving-window",
        headers_enabled=True,
        key_prefix="followup",
        # Redis down must not take the pages with it: count in memory until it is back.
        in_memory_fallback_enabled=True,
        swallow_errors=True,
    )
    limiter.init_app(app)
    app.extensions["followup_limiter"] = limiter
    return limiter


def count_failures(
    app: Flask, endpoints: Iterable[str], limit: str, scope: str, failed: Callable[[Response], bool]
) -> None:
    """Limit `endpoints` together to `limit` failed requests per client; successes are not counted."""
    shared = app.extensions["followup_limiter"].shared_limit(limit, scope=scope, deduct_when=failed)
    for endpoint in endpoints:
        app.view_functions[endpoint] = shared(app.view_functions[endpoint])


def _only_when_refused(response: Response) -> Response:
    # The limiter tells every limited response how much is left; only a refusal needs to know.
    if response.status_code != 429:
        for header in _HEADERS:
            response.headers.pop(header, None)
    return response
