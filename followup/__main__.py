"""The `followup` command: `python -m followup` or the installed script."""

from __future__ import annotations

import sys

import click
from flask.cli import FlaskGroup

from followup import create_app
from followup.answers.surveys import SurveyError
from followup.config import ConfigError


def _create_app():
    try:
        return create_app()
    except (ConfigError, SurveyError, ValueError) as exc:
        raise click.ClickException(str(exc)) from None


@click.group(cls=FlaskGroup, create_app=_create_app, add_default_commands=False, add_version_option=False)
def main() -> None:
    """followup: anonymised follow-up surveys 6, 12 and 24 months after a programme."""


if __name__ == "__main__":
    sys.exit(main())
