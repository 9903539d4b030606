"""The translation layer: Swedish first, English second, catalogues in followup/translations.

A further language needs only its catalogue (pybabel init -l xx): every folder found in
followup/translations is offered, and English, the language of the source texts, always is.
"""

from __future__ import annotations

from pathlib import Path

from flask import Flask, current_app, g, request, session
from flask_babel import Babel, get_locale, get_translations, lazy_gettext, refresh

LANGUAGES = ("sv", "en")
TRANSLATIONS = Path(__file__).resolve().parent / "translations"
NAMES = {"sv": "Svenska", "en": "English"}

_l = lazy_gettext


def available_languages() -> tuple[str, ...]:
    """Return the languages the pages can be shown in: Swedish, English, then any other catalogue."""
    found = sorted(p.name for p in TRANSLATIONS.iterdir() if (p / "LC_MESSAGES").is_dir())
    return LANGUAGES + tuple(code for code in found if code not in LANGUAGES)


def select_locale() -> str:
    """Choose the language: the one chosen for this visit, else the browser's, else FOLLOWUP_LANGUAGE."""
    offered = current_app.config["LANGUAGES"]
    chosen = g.get("locale")
    if chosen in offered:
        return chosen
    if request:
        if session.get("lang") in offered:
            return session["lang"]
        if request.accept_languages:
            return request.accept_languages.best_match(offered) or current_app.config["LANGUAGE"]
    return current_app.config["LANGUAGE"]


def use_language(language: str | None) -> None:
    """Show the rest of this request in `language`, if it is one we speak."""
    g.locale = language if language in current_app.config["LANGUAGES"] else None
    refresh()


def init_app(app: Flask) -> None:
    """Set up Flask-Babel with our catalogues and locale selector."""
    app.config.setdefault("BABEL_DEFAULT_LOCALE", LANGUAGES[0])
    app.config.setdefault("BABEL_TRANSLATION_DIRECTORIES", "translations")
    app.config["LANGUAGES"] = available_languages()
    Babel(app, locale_selector=select_locale)
    # Flask-Babel finds the catalogue anew for every string a template translates, which costs
    # more than the rest of printing it; the catalogues never change while the app runs.
    catalogues: dict[str, object] = {}

    def catalogue():
        locale = str(get_locale())
        found = catalogues.get(locale)
        if found is None:
            found = catalogues[locale] = get_translations()
        return found

    app.jinja_env.install_gettext_callables(
        gettext=lambda s: catalogue().ugettext(s),
        ngettext=lambda s, p, n: catalogue().ungettext(s, p, n),
        newstyle=True,
        pgettext=lambda c, s: catalogue().upgettext(c, s),
        npgettext=lambda c, s, p, n: catalogue().unpgettext(c, s, p, n),
    )
    app.jinja_env.globals["get_locale"] = get_locale
    app.jinja_env.globals["language_name"] = lambda code: NAMES.get(code, code)
