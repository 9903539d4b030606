"""The translation layer: Swedish first, English second, catalogues in followup/translations."""

from __future__ import annotations

from flask import Flask, g, request
from flask_babel import Babel, get_locale, lazy_gettext, refresh

LANGUAGES = ("sv", "en")

_l = lazy_gettext


def select_locale() -> str:
    """Choose the page language: the one a view set (a participant's), else the browser's."""
    chosen = g.get("locale")
    if chosen in LANGUAGES:
        return chosen
    if request:
        return request.accept_languages.best_match(LANGUAGES) or LANGUAGES[0]
    return LANGUAGES[0]


def use_language(language: str | None) -> None:
    """Show the rest of this request in `language` (a participant's), if it is one we speak."""
    g.locale = language if language in LANGUAGES else None
    refresh()


def init_app(app: Flask) -> None:
    """Set up Flask-Babel with our catalogues and locale selector."""
    app.config.setdefault("BABEL_DEFAULT_LOCALE", LANGUAGES[0])
    app.config.setdefault("BABEL_TRANSLATION_DIRECTORIES", "translations")
    Babel(app, locale_selector=select_locale)
    app.jinja_env.globals["get_locale"] = get_locale
