"""The staff workspace: sign-in, accounts, programmes, participants, status and the audit log."""

from __future__ import annotations

from flask import Flask


def init_app(app: Flask) -> None:
    """Register the staff pages, their sign-in and their rate limits."""
    from followup.web.staff import routes

    routes.login_manager.init_app(app)
    app.register_blueprint(routes.bp)
    app.register_blueprint(routes.doors)
    routes.install_limits(app)
