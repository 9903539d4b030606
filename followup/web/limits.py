"""Rate limits with Flask-Limiter: in this process's memory by default, shared between processes
when FOLLOWUP_RATELIMIT_STORAGE_URL points at Redis (redis://host:6379/0)."""

from __future__ import annotations

from flask import Flask, render_template, request
from flask_limiter import Limiter


def client_address() -> str:
    """Return the address the request came from (behind a proxy, configure ProxyFix to make it real)."""
    return request.remote_addr or "unknown"


# A moving window: a pause ends as soon as the oldest counted attempt is older than the window,
# never at a fixed boundary an attacker could time.
limiter = Limiter(client_address, strategy="moving-window", headers_enabled=False)


def init_app(app: Flask) -> None:
    """Point the limiter at the configured storage and answer a breached limit with a page."""
    app.config.setdefault("RATELIMIT_STORAGE_URI", app.config["RATELIMIT_STORAGE_URL"])
    app.config.setdefault("RATELIMIT_STRATEGY", "moving-window")
    limiter.init_app(app)

    @app.errorhandler(429)
    def too_many(error):
        # A limit may bring its own page (on_breach); otherwise a plain "wait a few minutes".
        if getattr(error, "response", None) is not None:
            return error.response
        return render_template("too_many.html"), 429
