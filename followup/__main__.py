"""The `followup` command: `python -m followup` or the installed script.

One language per run: FOLLOWUP_LANGUAGE (Swedish by default) chooses it for our own texts, for the
help, and for click's own words (Usage:, Error:, Missing option...), which click marks for gettext
and our catalogue translates. Only followup's own commands and options are offered: no Flask
options (--app, --env-file) and no python-dotenv hint.
"""

from __future__ import annotations

import sys
from types import ModuleType

import click
import click.core
import click.decorators
import click.exceptions
import click.formatting
import click.parser
import click.types
from flask import Flask
from flask.cli import ScriptInfo
from flask_babel import get_translations, lazy_ngettext

from followup import cli, create_app
from followup.answers.surveys import SurveyError
from followup.config import ConfigError
from followup.i18n import _l

CLICK_MODULES: tuple[ModuleType, ...] = (
    click.core,
    click.decorators,
    click.exceptions,
    click.formatting,
    click.parser,
    click.types,
)

# click's own words, exactly as click writes them, listed here so that our catalogue holds them.
CLICK_WORDS = (
    _l("Usage:"),
    _l("Options"),
    _l("Commands"),
    _l("Positional arguments"),
    _l("Show this message and exit."),
    _l("Error: {message}"),
    _l("Try '{command} {option}' for help."),
    _l("Missing argument"),
    _l("Missing option"),
    _l("Missing parameter"),
    _l("Missing command."),
    _l("No such option {name!r}."),
    _l("No such command {name!r}."),
    _l("Invalid value: {message}"),
    _l("Invalid value for {param_hint}: {message}"),
    _l("Option {name!r} does not take a value."),
    _l("{value!r} is not a valid {number_type}."),
    _l("{value} is not in the range {range}."),
    _l("default: {default}"),
    _l("required"),
    _l("Aborted!"),
    lazy_ngettext("Did you mean {possibility}?", "(Did you mean one of: {possibilities}?)", 1),
    lazy_ngettext("Got unexpected extra argument ({args})", "Got unexpected extra arguments ({args})", 1),
    lazy_ngettext("Option {name!r} requires an argument.", "Option {name!r} requires {nargs} arguments.", 1),
    lazy_ngettext("{value!r} is not {choice}.", "{value!r} is not one of {choices}.", 1),
)


def _click_gettext(message: str) -> str:
    return get_translations().ugettext(message)


def _click_ngettext(singular: str, plural: str, count: int) -> str:
    return get_translations().ungettext(singular, plural, count)


def speak_the_run_language() -> None:
    """Have click's own words translated by our catalogue, in the language of the app context."""
    for module in CLICK_MODULES:
        module._ = _click_gettext
        if hasattr(module, "ngettext"):
            module.ngettext = _click_ngettext


def _create_app() -> Flask:
    try:
        return create_app()
    except (ConfigError, SurveyError, ValueError) as exc:
        raise click.ClickException(str(exc)) from None


class FollowupGroup(cli.Group):
    """The top command: builds the app once, and runs every command inside its context."""

    def main(self, args=None, prog_name=None, complete_var=None, standalone_mode=True, **extra):
        try:
            app = _create_app()
        except click.ClickException as exc:
            if not standalone_mode:
                raise
            exc.show()
            sys.exit(exc.exit_code)
        speak_the_run_language()
        with app.app_context():
            return super().main(
                args,
                prog_name or "followup",
                complete_var,
                standalone_mode,
                obj=ScriptInfo(create_app=lambda: app, set_debug_flag=False),
                **extra,
            )


main = FollowupGroup(
    name="followup",
    commands=cli.commands(),
    help=_l("followup: anonymised follow-up surveys 6, 12 and 24 months after a programme."),
)


if __name__ == "__main__":
    sys.exit(main())
