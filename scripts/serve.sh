#!/usr/bin/env bash
# Set up and start followup on the embedded default (SQLite, outbox): venv, install, init, serve.
# Extra arguments go to `followup serve`, e.g. scripts/serve.sh --port 8000
set -euo pipefail
cd "$(dirname "$0")/.."
[ -x .venv/bin/python ] || python3 -m venv .venv
.venv/bin/python -m pip install --quiet --disable-pip-version-check -e .
out=$(PYBABEL=.venv/bin/pybabel scripts/translations.sh compile 2>&1) || { echo "$out" >&2; exit 1; }
.venv/bin/followup init
exec .venv/bin/followup serve "$@"
