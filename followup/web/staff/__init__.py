"""The staff workspace: sign-in, accounts, programmes, participants, status and the audit log."""

from __future__ import annotations

from flask import Flask


def init_app(app: Flask) -> None:
    """Register the staff pages, their sign-in and their rate limits."""
    from followup.web.staff import audit, imports, participants, programmes, quotes, signin, users  # noqa: F401
    from followup.web.staff.common import bp, doors, install_limits, login_manager

    login_manager.init_app(app)
    app.register_blueprint(bp)
    app.register_blueprint(doors)
    install_limits(app)
