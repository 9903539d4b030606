#!/usr/bin/env bash
# Run the whole test suite: venv, install with test extras, compile translations, lint, pytest.
# Tests run on SQLite always, and on PostgreSQL too when FOLLOWUP_TEST_DATABASE_URL is set.
# Extra arguments go to pytest, e.g. scripts/test.sh -k import
set -euo pipefail
cd "$(dirname "$0")/.."
[ -x .venv/bin/python ] || python3 -m venv .venv
.venv/bin/python -m pip install --quiet --disable-pip-version-check -e '.[test,mutation]'
out=$(PYBABEL=.venv/bin/pybabel scripts/translations.sh compile 2>&1) || { echo "$out" >&2; exit 1; }
.venv/bin/ruff format --check --quiet .
.venv/bin/ruff check --quiet .
exec .venv/bin/pytest "$@"
