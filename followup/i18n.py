"""The translation layer: Swedish first, English second, catalogues in followup/translations."""

from __future__ import annotations

from flask import Flask, current_app, g, request
from flask_babel import Babel, get_locale, lazy_gettext, refresh

LANGUAGES = ("sv", "en")

_l = lazy_gettext


def select_locale() -> str:
    """Choose the language: a participant's, else the browser's, else FOLLOWUP_LANGUAGE."""
    chosen = g.get("locale")
    if chosen in LANGUAGES:
        return chosen
    if request and request.accept_languages:
        return request.accept_languages.best_match(LANGUAGES) or current_app.config["LANGUAGE"]
    return current_app.config["LANGUAGE"]


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
