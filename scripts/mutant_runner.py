"""`mutmut run`, with each mutant's tests run from one pytest session collected before the mutants.

mutmut forks a process for each mutant and starts a whole pytest session in it (`pytest.main`):
reading the configuration, loading the plugins and collecting the named tests takes as long as a
typical mutant's tests themselves. Here mutmut's main process collects the group's tests once, after
its passes over them and before the first mutant, and each forked process runs its mutant's tests
from that collection: the same tests in the same order, stopping at the first failure, under
mutmut's own time limits, with the verdicts saved by mutmut as before. Each process has its own
temporary folder, deleted when it ends.

Run by scripts/mutants.py in a run's folder as `python mutant_runner.py run --max-children N [NAME...]`.
It relies on mutmut 3.8.1's and pytest 9's insides (mutmut is pinned in the `mutation` extra);
with other versions it says so and leaves mutmut as it is.
"""

from __future__ import annotations

import shutil
import sys
import tempfile
import traceback
from pathlib import Path

import mutmut
import pytest
from mutmut.__main__ import cli
from mutmut.runners.harness import PytestRunner
from mutmut.utils.file_utils import change_cwd
from mutmut.workers.isolation import ForkRunner

SUPPORTED = {"mutmut": "3.8.1", "pytest": "9."}
# mutmut's exit code for a result it cannot trust: scripts/mutants.py tests such a mutant again.
SUSPICIOUS = 35
# Pytest's own exit code for an internal error, which mutmut counts as killed, as it does here.
INTERNAL_ERROR = 3

_collected: dict = {}
# Whether the pass that recorded which test reaches what ran every test and all passed.
_stats_passed = {"all": False}


def _supported() -> bool:
    return mutmut.__version__ == SUPPORTED["mutmut"] and pytest.__version__.startswith(SUPPORTED["pytest"])


def _collect(runner: PytestRunner) -> None:
    """Configure pytest and collect the group's tests in mutmut's main process, as its own run would."""
    from _pytest.config import _prepareconfig
    from _pytest.main import Session

    # Output is not captured: capturing would start in this process, which mutmut still prints from.
    arguments = [
        *("--rootdir=.", "--tb=native", "-x", "-q", "-s", "-p", "no:randomly", "-p", "no:random-order"),
        *runner._pytest_add_cli_args_test_selection,
        *runner._pytest_add_cli_args,
    ]
    with change_cwd("mutants"):
        _forget_test_modules(Path("tests").resolve())
        config = _prepareconfig(arguments, [])
        session = Session.from_config(config)
        config._do_configure()
        config.hook.pytest_sessionstart(session=session)
        config.hook.pytest_collection(session=session)
    if session.testsfailed:
        print("mutant_runner: the tests did not collect cleanly; mutmut runs as it is", file=sys.stderr)
        return
    _collected.update(config=config, session=session, items={item.nodeid: item for item in session.items})


def _forget_test_modules(tests: Path) -> None:
    r"""Drop the test modules that mutmut's earlier sessions in this process imported.

    A session that collects a test module an earlier one imported escapes its ids once more: an `ö`
    in an id is `\xf6` in the first session, `\\xf6` in the next. The names mutmut recorded in its
    first session would then not be found. (mutmut's own sessions, forked after three, do not find
    them either: pytest stops with a usage error, and mutmut counts the mutant as killed.)
    """
    for name, module in list(sys.modules.items()):
        path = getattr(module, "__file__", None)
        if path and Path(path).resolve().is_relative_to(tests):
            del sys.modules[name]


def _run_collected(tests: list[str]) -> int:
    """In a mutant's forked process: run its tests from the collection; 1 if one fails, else 0."""
    from _pytest.tmpdir import TempPathFactory

    config, session, by_id = _collected["config"], _collected["session"], _collected["items"]
    missing = [test for test in tests if test not in by_id]
    if missing:
        print(f"not collected: {missing}", file=sys.__stderr__)
        return SUSPICIOUS
    items = [by_id[test] for test in tests]
    # The same reordering a session gives its tests (the killers first: scripts/mutant_order.py).
    config.hook.pytest_collection_modifyitems(session=session, config=config, items=items)
    temporary = Path(tempfile.mkdtemp(prefix="mutant-"))
    config.option.basetemp = str(temporary)
    config._tmp_path_factory = TempPathFactory.from_config(config, _ispytest=True)
    try:
        with change_cwd("mutants"):
            for index, item in enumerate(items):
                following = items[index + 1] if index + 1 < len(items) else None
                item.config.hook.pytest_runtest_protocol(item=item, nextitem=following)
                if session.shouldfail or session.shouldstop:
                    break
    except BaseException:
        traceback.print_exc(file=sys.__stderr__)
        return INTERNAL_ERROR
    finally:
        shutil.rmtree(temporary, ignore_errors=True)
    return 1 if session.testsfailed else 0


def main() -> None:
    if not _supported():
        print(f"mutant_runner: needs mutmut {SUPPORTED['mutmut']} and pytest 9; mutmut runs as it is")
    else:
        original_startup = ForkRunner.startup
        original_run_tests = PytestRunner.run_tests
        original_collect_stats = ForkRunner.collect_stats
        original_run_clean_tests = ForkRunner.run_clean_tests
        original_execute_pytest = PytestRunner.execute_pytest

        def execute_pytest(self: PytestRunner, params: list[str], **kwargs) -> int:
            _forget_test_modules(Path("tests").resolve())
            return original_execute_pytest(self, params, **kwargs)

        def startup(self: ForkRunner) -> None:
            _collect(self.test_runner)
            original_startup(self)

        def run_tests(self: PytestRunner, *, mutant_name: str | None, tests) -> int:
            if mutant_name is None or "session" not in _collected:
                return original_run_tests(self, mutant_name=mutant_name, tests=tests)
            return _run_collected(list(tests))

        def collect_stats(self: ForkRunner, tests) -> int:
            tests = list(tests or [])
            exit_code = original_collect_stats(self, tests)
            _stats_passed["all"] = not tests and exit_code == 0
            return exit_code

        def run_clean_tests(self: ForkRunner, tests) -> int:
            tests = list(tests)
            if not tests and _stats_passed["all"]:
                return 0  # mutmut's check that the tests pass: they all did, moments ago
            return original_run_clean_tests(self, tests)

        PytestRunner.execute_pytest = execute_pytest
        ForkRunner.startup = startup
        ForkRunner.collect_stats = collect_stats
        ForkRunner.run_clean_tests = run_clean_tests
        PytestRunner.run_tests = run_tests
    # The tests import from the run's folder only, not from this script's.
    if Path(sys.path[0]).resolve() == Path(__file__).resolve().parent:
        del sys.path[0]
    cli()


if __name__ == "__main__":
    main()
