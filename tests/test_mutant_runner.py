"""scripts/mutant_runner.py: mutmut's verdicts, with each mutant's tests run from one collection."""

import os
import re
import shutil
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
MUTMUT = Path(sys.executable).parent / "mutmut"
RESULT = re.compile(r"^\s+(\S+): (.+)$")

# A window that closes at its last instant, with no test at the instant it opens: mutating `<` to
# `<=` there survives, the other mutants are killed, and one of them loops for ever. The label's one
# test has an id pytest escapes (`två` is `tv\xe5`), and leaves the text for a single day untested.
PROJECT = {
    "pyproject.toml": """
        [tool.mutmut]
        source_paths = ["window"]
        pytest_add_cli_args_test_selection = ["tests"]
        pytest_add_cli_args = ["-p", "no:cacheprovider", "-p", "counting"]
        use_git_change_detection = false
        timeout_constant = 0.5
        timeout_multiplier = 2.0

        [tool.pytest.ini_options]
        pythonpath = ["."]
    """,
    "window/__init__.py": "",
    "window/rules.py": """
        def is_open(moment, opens, closes):
            if moment < opens:
                return False
            return moment <= closes


        def days_left(today, closes):
            left = 0
            while today + left < closes:
                left += 1
            return left


        def label(days):
            if days == 1:
                return "en dag kvar"
            return f"{days} dagar kvar"
    """,
    "tests/__init__.py": "",
    "tests/test_rules.py": """
        import pytest

        from window.rules import days_left, is_open, label


        def test_open_inside_and_at_the_closing_instant(tmp_path):
            (tmp_path / "scratch").write_text("a file in the test's own folder")
            assert is_open(5, 1, 9)
            assert is_open(9, 1, 9)


        def test_shut_before_and_after():
            assert not is_open(0, 1, 9)
            assert not is_open(10, 1, 9)


        def test_days_left():
            assert days_left(3, 7) == 4
            assert days_left(7, 7) == 0


        @pytest.mark.parametrize("days", [2], ids=["två"])
        def test_label(days):
            assert label(days) == "2 dagar kvar"
    """,
    # Counts the pytest sessions configured in any process: one per mutant when each has its own.
    "plugins/counting.py": """
        import os


        def pytest_configure(config):
            descriptor = os.open("configured.txt", os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644)
            os.write(descriptor, b"configured\\n")
            os.close(descriptor)
    """,
}


def make_project(folder: Path) -> Path:
    for name, text in PROJECT.items():
        path = folder / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(textwrap.dedent(text).lstrip())
    return folder


def verdicts(folder: Path, command: list) -> tuple[dict[str, str], int]:
    environment = {**os.environ, "PYTEST_DISABLE_PLUGIN_AUTOLOAD": "1", "PYTHONPATH": str(folder / "plugins")}
    environment.pop("MUTANT_UNDER_TEST", None)
    subprocess.run([*command, "run", "--max-children", "2"], cwd=folder, env=environment, check=True)
    listed = subprocess.run(
        [MUTMUT, "results", "--all", "true"], cwd=folder, env=environment, capture_output=True, text=True
    ).stdout
    found = {m.group(1): m.group(2) for m in map(RESULT.match, listed.splitlines()) if m}
    configured = len((folder / "mutants" / "configured.txt").read_text().splitlines())
    return found, configured


@pytest.fixture(scope="module")
def both(tmp_path_factory):
    """The same project run by mutmut's own sessions and by the runner."""
    own = make_project(tmp_path_factory.mktemp("own"))
    collected = shutil.copytree(own, own.parent / "collected")
    expected, sessions = verdicts(own, [MUTMUT])
    found, configured = verdicts(collected, [sys.executable, ROOT / "scripts" / "mutant_runner.py"])
    return expected, sessions, found, configured, collected


def test_the_runner_reaches_mutmut_s_verdicts_from_one_collection(both):
    expected, sessions, found, configured, collected = both

    labels = {name for name in found if ".x_label__" in name}
    assert {name: found[name] for name in found.keys() - labels} == {
        name: expected[name] for name in expected.keys() - labels
    }
    assert found["window.rules.x_is_open__mutmut_1"] == "survived"  # moment <= opens
    assert {"killed", "survived", "timeout"} <= set(found.values())
    assert len(found) > 10
    # mutmut configures a session per mutant run; the runner three in all: the pass that records
    # which test reaches what, the check that a mutant is noticed, and the one collection.
    assert sessions > len(found)
    assert configured == 3
    assert not list(collected.glob("mutants/**/scratch"))


def test_a_test_whose_id_pytest_escapes_is_run_for_its_mutants(both):
    found = both[2]

    labels = {name: status for name, status in found.items() if ".x_label__" in name}
    # The text for a single day is never checked: its mutants survive; the rest are killed.
    assert set(labels.values()) == {"killed", "survived"}
    assert all(status == "killed" for name, status in labels.items() if name.endswith(("_1", "_2")))
