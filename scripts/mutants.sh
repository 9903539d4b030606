#!/usr/bin/env bash
# Mutation testing of the domain folders with mutmut, each module against the tests that cover it.
# Usage: scripts/mutants.sh [FOLDER|MODULE] [--survivors] [--fresh] [--check-equivalents] [--own-sessions]
#                           [--workers N] [--lanes N]
#   scripts/mutants.sh                               every domain module (30 minutes from scratch on 2 cores)
#   scripts/mutants.sh sending                       one folder
#   scripts/mutants.sh followup/plan/scheduling.py   one module
#   --fresh starts from scratch (a second run tests only changed functions and the last survivors)
#   --check-equivalents also tests the mutants listed as equivalent (docs/mutants-equivalent.md)
#   --own-sessions runs each mutant in a pytest session of its own, as mutmut does (scripts/mutant_runner.py)
# Runs at the lowest priority, two runs at once with at most 2 workers each; results are kept in .mutants/ and reused.
# Not part of .ci/run: too slow for every change. Figures: docs/mutation.md.
set -euo pipefail
cd "$(dirname "$0")/.."
[ -x .venv/bin/mutmut ] || .venv/bin/python -m pip install --quiet --disable-pip-version-check -e '.[test,mutation]'
exec nice -n 19 .venv/bin/python scripts/mutants.py "$@"
