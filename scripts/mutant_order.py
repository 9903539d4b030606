"""A pytest plugin for mutmut's runs: a mutant's tests start with those that killed its siblings.

mutmut runs a mutant's tests fastest first and stops at the first failure, so a killed mutant costs
every test before the one that fails. Mutants of one function are mostly killed by the same few
tests: each test process here notes which test failed for its mutant (one line in the run's
`killers.txt`), and the next mutant of that function runs those tests first, the ones that killed
most first, then the rest in mutmut's order. Which tests run is unchanged (a survivor still runs
all of them), so a verdict changes only where a test's outcome depends on the tests run before it
in the same process (docs/mutation.md names the one case found). scripts/mutants.py copies this
file into each run's folder and loads it with `-p mutant_order`.
"""

from __future__ import annotations

import os
from collections import Counter
from pathlib import Path

KILLERS = Path(__file__).resolve().parent / "killers.txt"
SEPARATOR = "__mutmut_"


def _function() -> str | None:
    name = os.environ.get("MUTANT_UNDER_TEST", "")
    return name.rsplit(SEPARATOR, 1)[0] if SEPARATOR in name else None


def pytest_collection_modifyitems(items) -> None:
    function = _function()
    if function is None or not KILLERS.exists():
        return
    counts = Counter()
    for line in KILLERS.read_text().splitlines():
        killed, _, test = line.partition("\t")
        if killed == function:
            counts[test] += 1
    items.sort(key=lambda item: -counts[item.nodeid])


def pytest_runtest_logreport(report) -> None:
    function = _function()
    if function is not None and report.failed:
        # One short write with O_APPEND: lines from two test processes at once do not interleave.
        descriptor = os.open(KILLERS, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644)
        try:
            os.write(descriptor, f"{function}\t{report.nodeid}\n".encode())
        finally:
            os.close(descriptor)
