"""Limits against guessing and flooding: rate limits with Flask-Limiter, and request body sizes.

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


def limit_failures(
    app: Flask,
    endpoint: str,
    limit: Callable[[], str],
    failed: Callable[[Response], bool] | None = None,
    key: Callable[[], str] | None = None,
    on_breach: Callable | None = None,
) -> None:
    """Limit POSTs to `endpoint` by `key` (the client address by default); with `failed`, only
    the requests it calls failed are counted."""
    limiter = app.extensions["followup_limiter"]
    limited = limiter.limit(limit, key_func=key, methods=["POST"], deduct_when=failed, on_breach=on_breach)
    app.view_functions[endpoint] = limited(app.view_functions[endpoint])


def client_address() -> str:
    """Return the address the request came from (the proxy's client with FOLLOWUP_PROXY_COUNT)."""
    return get_remote_address() or "unknown"


def accepts_body(size: int) -> Callable:
    """Let a view take request bodies up to `size` bytes instead of the site's MAX_CONTENT_LENGTH."""

    def mark(view: Callable) -> Callable:
        view.max_body = size
        return view

    return mark


def body_limit(app: Flask, endpoint: str | None) -> int:
    """Return how many bytes the view of `endpoint` accepts in a request body."""
    view = app.view_functions.get(endpoint or "")
    return getattr(view, "max_body", app.config["MAX_CONTENT_LENGTH"])


def _only_when_refused(response: Response) -> Response:
    # The limiter tells every limited response how much is left; only a refusal needs to know.
    if response.status_code != 429:
        for header in _HEADERS:
            response.headers.pop(header, None)
    return response
