"""The staff workspace: sign-in, accounts, programmes, participants, status and the audit log."""

from __future__ import annotations

from flask import Flask


def init_app(app: Flask) -> None:
    """Register the staff pages, their sign-in and their rate limits."""
    from followup.web.staff import routes

    # Uploads larger than this are refused before they are read (a participant file is far smaller).
    if app.config.get("MAX_CONTENT_LENGTH") is None:
        app.config["MAX_CONTENT_LENGTH"] = 10 * 1024 * 1024
    routes.login_manager.init_app(app)
    app.register_blueprint(routes.bp)
    app.register_blueprint(routes.doors)
