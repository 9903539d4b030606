"""The evaluator's results pages: published figures of a programme, its charts and its files; and the
admin's microdata for a research agreement."""

from __future__ import annotations

from flask import Flask


def init_app(app: Flask) -> None:
    """Register the results pages."""
    from followup.web.evaluator import microdata, routes

    app.register_blueprint(routes.bp)
    app.register_blueprint(microdata.bp)
