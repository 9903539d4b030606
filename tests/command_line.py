"""Run the real `followup` entry point in a test, in the language asked for."""

import pytest
from click.testing import CliRunner

from followup.__main__ import main
from followup.db import bind, database
from tests.badinput.conftest import assert_no_traceback


@pytest.fixture
def app_db(app):
    return app.extensions["followup"].db


@pytest.fixture
def followup(app, database_url, tmp_path):
    """Run `followup ARGS` in a language; return (exit status, everything printed)."""

    def run(*args: str, language: str = "sv", **env: str):
        environment = {
            "FOLLOWUP_DATABASE_URL": database_url,
            "FOLLOWUP_INSTANCE_PATH": app.config["INSTANCE_PATH"],
            "FOLLOWUP_LANGUAGE": language,
            "FOLLOWUP_BASE_URL": "",
            **env,
        }
        original = database.obj
        try:
            result = CliRunner().invoke(main, list(args), env=environment)
        finally:
            # The command built an app of its own, bound to the same database: give the models back.
            used = database.obj
            if used is not original:
                used.close_all() if hasattr(used, "close_all") else used.close()
                bind(original)
        assert result.exception is None or isinstance(result.exception, SystemExit), repr(result.exception)
        assert_no_traceback(result.output)
        return result.exit_code, result.output

    return run
