"""Mutation testing of the domain folders: each module against the tests that cover it.

Run through scripts/mutants.sh. Modules covered by the same tests share one working folder under
.mutants/, with a pyproject.toml that tells mutmut to mutate those modules and to run only their
tests: mutmut runs each mutant against the tests that reached its function, so a module's figures
never depend on another module's tests, and the tests' passes before the mutants (one to record
who reaches what, one to check they pass) are paid once per group, not once per module. Two groups
run at once, so that one's passes (a single process) use the core the other's mutants leave. A
second run reuses what the first one learned, and tests its survivors again. Mutants listed in
docs/mutants-equivalent.md count as equivalent (they change no behaviour anyone could observe), those
in docs/mutants-accepted.md as accepted (they change behaviour, judged harmless, and count against
the score); neither is tested while its function is unchanged (scripts/equivalents.py).
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import subprocess
import sys
import time
import tomllib
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import equivalents

from followup.clock import SystemClock

ROOT = Path(__file__).resolve().parent.parent
WORK = ROOT / ".mutants"
EQUIVALENT = ROOT / "docs" / "mutants-equivalent.md"
# Survivors that change what the program does, judged harmless, each with why: not run while their
# function is unchanged, as the equivalents, but counted apart and not as killed.
ACCEPTED = ROOT / "docs" / "mutants-accepted.md"
DOMAIN_FOLDERS = ("plan", "answers", "sending", "results", "accounts")
# Network transports are exercised against real servers and are measured by their benchmarks.
NOT_MUTATED = {"followup/sending/delivery/email.py", "followup/sending/delivery/sms.py"}
# Minutes-long tests that cover everything; a mutant they alone kill is a gap in the focused tests.
TOO_SLOW = {"tests/sending/test_loop.py", "tests/sending/test_crash.py"}
# Single tests left out for the same reason: each forked mutant would pay their set-up again. The
# first starts Twilio's API description as a server (about 20 s) to check the configuration from the
# environment (the transports are not mutated); the second generates programmes for 20 s, where the
# hand-made cases beside it pin each rule.
DESELECTED = (
    "tests/sending/test_delivery_flow.py::test_the_loop_over_smtp_and_twilio_configured_by_environment",
    "tests/results/test_disclosure.py::test_no_generated_programme_leaks_a_sensitive_figure",
)
# Modules whose code differs by database: run on PostgreSQL when FOLLOWUP_TEST_DATABASE_URL is set
# (and SQLite), one mutant at a time, since two workers would contend for the same server-side lock.
ON_POSTGRESQL = {"followup/sending/scheduler_lock.py", "followup/answers/person_lock.py"}
# The tests that cover a folder's modules, and further tests for single modules.
FOLDER_TESTS = {
    "plan": ["tests/plan"],
    "answers": ["tests/answers", "tests/web/test_participant.py"],
    "sending": ["tests/sending"],
    "results": ["tests/results"],
    "accounts": ["tests/accounts"],
}
MODULE_TESTS = {
    "followup/plan/scheduling.py": ["tests/sending/test_dispatch.py", "tests/sending/test_queueing.py"],
    # The staff pages' programme details are where a programme's organiser and notice are checked.
    "followup/plan/programmes.py": ["tests/test_cli.py", "tests/web/staff/test_programmes.py"],
    "followup/plan/status.py": ["tests/test_cli.py"],
    # The import's refusals of hostile files and the staff pages' upload and preview.
    "followup/plan/importing.py": ["tests/badinput/test_imports.py", "tests/web/staff/test_import.py"],
    "followup/plan/import_preview.py": ["tests/web/staff/test_import.py"],
    # The staff pages show the calendar and change a plan; the participant pages name the organiser.
    "followup/plan/calendar.py": ["tests/web/staff/test_programmes.py"],
    "followup/plan/replanning.py": ["tests/web/staff/test_programmes.py"],
    # Erasure and a new language change what the results read: the pairs and the outcome's language.
    "followup/plan/participant_actions.py": ["tests/results/test_answer_pairs.py"],
    "followup/plan/organiser.py": [
        "tests/web/staff/test_programmes.py",
        "tests/web/test_participant.py",
        "tests/sending/test_composing.py",
    ],
    "followup/answers/tokens.py": ["tests/sending/test_dispatch.py"],
    # Storing a response writes the outcome's grouping columns and the pairs of waves the results read.
    "followup/answers/responses.py": ["tests/results/test_answer_pairs.py", "tests/results/test_counting.py"],
    "followup/sending/quiet_hours.py": ["tests/test_config.py"],
    # A fresh link asked for by staff is queued here, by the channels that still work.
    "followup/sending/queueing.py": ["tests/plan/test_participant_actions.py"],
    "followup/sending/tracking.py": ["tests/web/test_webhooks.py"],
    # The sign-in pages are where the second factor and the sessions are used (slower: a Flask client).
    "followup/accounts/totp.py": ["tests/web/staff/test_sign_in.py"],
    "followup/accounts/sessions.py": ["tests/web/staff/test_sign_in.py"],
    "followup/results/quotes.py": ["tests/answers/test_quotes.py"],
    # The cache is used by the results pages: one report for a page, its charts and its files.
    "followup/results/reporting.py": ["tests/web/evaluator/test_report_once_and_streamed.py"],
}
# Modules that only their own test files reach, besides the pages in MODULE_TESTS: the rest of the
# folder's tests would only lengthen the first pass, which records which test reaches what.
OWN_TESTS = {
    "followup/plan/calendar.py": ["tests/plan/test_calendar.py"],
    "followup/plan/import_preview.py": ["tests/plan/test_import_preview.py"],
    # Nearly every test builds its programme through the import: the folder's tests would each run for
    # every mutant of the reader. Its own tests, the messages' and (in MODULE_TESTS) the hostile files'.
    "followup/plan/importing.py": [
        "tests/plan/test_importing.py",
        "tests/plan/test_import_boundaries.py",
        "tests/plan/test_import_messages.py",
    ],
    "followup/plan/replanning.py": ["tests/plan/test_replanning.py", "tests/plan/test_status_counts.py"],
    "followup/sending/scheduler_lock.py": ["tests/sending/test_scheduler_lock.py"],
    # Two waves of one person answered at the same moment, on PostgreSQL: the lock's only work.
    "followup/answers/person_lock.py": ["tests/results/test_answer_pairs.py"],
    # The parser's own tests: every page of the participant's side loads the surveys, so the folder's
    # tests would each reach every line of the parser and run for every one of its mutants.
    "followup/answers/surveys.py": ["tests/answers/test_surveys.py"],
    # The files read back cell by cell; the auditor's tests also read the JSON, for minutes each.
    "followup/results/exports.py": ["tests/results/test_exports.py", "tests/results/test_export_cells.py"],
    "followup/results/microdata.py": [
        "tests/results/test_microdata.py",
        "tests/results/test_microdata_files.py",
    ],
    # The queries behind the measures: a programme built in a database, then counted.
    "followup/results/measures/counting.py": [
        "tests/results/test_counting.py",
        "tests/results/test_measures.py",
        "tests/results/test_answer_pairs.py",
        "tests/results/test_tabulating.py",
    ],
}
# A package whose modules are pinned by a few focused tests, used instead of its folder's tests: the
# measures' layout by hand counts from grouped counts and by the auditor's hand-made cases, not by
# the tests that build a programme in a database (test_measures.py pins counting's SQL), those of the
# exports, charts and microdata, nor the auditor's generated programmes: they reach every measure,
# pin other things and take most of the time (a survivor runs every test that reaches it).
PACKAGE_TESTS = {
    "followup/results/measures/": [
        "tests/results/test_tabulating.py",
        "tests/results/test_disclosure.py::test_parts_adding_to_a_published_total_force_further_suppression",
        "tests/results/test_disclosure.py::test_zeros_next_to_small_cells_and_one_small_cohort",
        "tests/results/test_disclosure.py::test_the_auditor_catches_ranges_taken_as_wide_without_solving",
        "tests/results/test_disclosure.py::test_the_auditor_catches_a_witness_whose_hides_are_left_out",
    ],
}
COPIED = ("templates", "static", "surveys", "migrations", "babel.cfg")
# Verdicts that tests added since could change: tested again on every run.
UNDECIDED = ("survived", "no tests")
RESULT = re.compile(r"^\s+(\S+): (.+)$")


def modules(target: str | None) -> list[str]:
    """Return the modules to mutate: all domain modules, one folder's, or one module."""
    if target and target.endswith(".py"):
        return [str(Path(target))]
    folders = [target.strip("/").removeprefix("followup/")] if target else DOMAIN_FOLDERS
    found = []
    for folder in folders:
        for path in sorted((ROOT / "followup" / folder).rglob("*.py")):
            name = str(path.relative_to(ROOT))
            if path.name != "__init__.py" and name not in NOT_MUTATED:
                found.append(name)
    return found


def tests_for(module: str) -> list[str]:
    """Return the test files that cover `module`, leaving out the slow end-to-end ones."""
    folder = module.split("/")[1]
    package = next((tests for prefix, tests in PACKAGE_TESTS.items() if module.startswith(prefix)), None)
    chosen = []
    own = OWN_TESTS.get(module, package or FOLDER_TESTS.get(folder, []))
    for entry in own + MODULE_TESTS.get(module, []):
        if "::" in entry:
            chosen.append(entry)  # one test of a file
            continue
        path = ROOT / entry
        files = sorted(path.rglob("test_*.py")) if path.is_dir() else [path] if path.exists() else []
        chosen += [str(f.relative_to(ROOT)) for f in files if str(f.relative_to(ROOT)) not in TOO_SLOW]
    return sorted(set(chosen))


def groups(found: list[str]) -> list[list[str]]:
    """Group the modules that the same tests cover: each group is one run of mutmut."""
    by_tests: dict[tuple[str, ...], list[str]] = {}
    for module in found:
        by_tests.setdefault(tuple(tests_for(module)), []).append(module)
    return list(by_tests.values())


def dotted(module: str) -> str:
    return module.removesuffix(".py").replace("/", ".")


def folder_of(group: list[str]) -> Path:
    """Return the group's working folder: the module's dotted name, or the package's and the names."""
    if len(group) == 1:
        return WORK / dotted(group[0])
    names = [dotted(module) for module in group]
    package = os.path.commonprefix([name.rsplit(".", 1)[0] + "." for name in names]).rstrip(".")
    return WORK / (package + "." + "+".join(name.removeprefix(package + ".") for name in names))


def prepare(group: list[str]) -> Path:
    """Make the group's working folder: links to the sources and a pyproject.toml for mutmut."""
    folder = folder_of(group)
    folder.mkdir(parents=True, exist_ok=True)
    for name in ("followup", "tests", *COPIED):
        link = folder / name
        if not link.exists():
            link.symlink_to(ROOT / name)
    # The tests find the Twilio API description beside the repository, as in a worktree.
    shared = ROOT.parent / "shared"
    if shared.exists() and not (folder / "shared").exists():
        (folder / "shared").symlink_to(shared)
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())
    shared = project["tool"]["mutmut"]
    lines = ["[tool.mutmut]"]
    settings = {
        **shared,
        "source_paths": ["followup"],
        "only_mutate": group,
        "also_copy": [*COPIED],
        "pytest_add_cli_args_test_selection": tests_for(group[0]),
    }
    settings["pytest_add_cli_args"] = [
        *shared.get("pytest_add_cli_args", []),
        *(f"--deselect={test}" for test in DESELECTED),
        # Plugins by name only (PYTEST_DISABLE_PLUGIN_AUTOLOAD, below): each test process saves
        # looking through every installed package's entry points.
        *("-p", "_hypothesis_pytestplugin", "-p", "mutant_order"),
    ]
    for key, value in settings.items():
        lines.append(f"{key} = {_toml(value)}")
    pytest_options = project["tool"]["pytest"]["ini_options"]
    lines += ["", "[tool.pytest.ini_options]"]
    lines += [f"{key} = {_toml(value)}" for key, value in pytest_options.items()]
    text = "\n".join(lines) + "\n"
    (folder / "mutants").mkdir(exist_ok=True)
    shutil.copyfile(ROOT / "scripts" / "mutant_order.py", folder / "mutants" / "mutant_order.py")
    config = folder / "pyproject.toml"
    if not config.exists() or config.read_text() != text:
        config.write_text(text)
    return folder


def _toml(value) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, list):
        return "[" + ", ".join(_toml(item) for item in value) + "]"
    if isinstance(value, int | float):
        return str(value)
    return '"' + str(value).replace("\\", "\\\\").replace('"', '\\"') + '"'


def listed(group: list[str], entries: dict[str, equivalents.Entry]) -> tuple[dict, dict]:
    """Return the group's current and stale entries of the equivalent mutants' list."""
    current, stale = {}, {}
    for module in group:
        now, then = equivalents.split(entries, module, (ROOT / module).read_text())
        current.update(now)
        stale.update(then)
    return current, stale


def run(
    group: list[str], workers: int, fresh: bool, current: dict, check_all: bool, own_sessions: bool
) -> dict[str, str]:
    """Run mutmut on a group of modules and return each mutant's status (`fresh`: forget the last run's).

    Each mutant's tests run from one collection of the group's tests (scripts/mutant_runner.py), or,
    with `own_sessions`, in a pytest session of their own, as mutmut itself runs them.

    The current entries of the equivalent mutants' list are recorded as survived before mutmut runs,
    so it leaves them out (`check_all` tests them too). Mutants that survived or reached no test in
    an earlier run are tested again: mutmut keeps a verdict until the function changes, and tests
    added since may kill them now. So are mutants whose test process ended abnormally (on a busy
    machine, now and then). mutmut's own output goes to the folder's `run.log`.
    """
    if fresh:
        shutil.rmtree(folder_of(group), ignore_errors=True)
    folder = prepare(group)
    if not check_all:
        for module in group:
            mine = {
                name: entry for name, entry in current.items() if name.startswith(equivalents.dotted(module))
            }
            equivalents.seed(folder / "mutants" / (module + ".meta"), module, mine)
    mutmut = Path(sys.executable).parent / "mutmut"
    # SQLite only but where the code differs by database: the server is shared with other runs.
    environment = dict(os.environ)
    if ON_POSTGRESQL & set(group) and environment.get("FOLLOWUP_TEST_DATABASE_URL"):
        workers = 1
    else:
        environment.pop("FOLLOWUP_TEST_DATABASE_URL", None)
    # One thread each for NumPy's and SciPy's linear algebra: the workers already use every core, and
    # more threads than cores make a small matrix take a hundred times as long on shared cores.
    environment.update(OMP_NUM_THREADS="1", OPENBLAS_NUM_THREADS="1", MKL_NUM_THREADS="1")
    environment["PYTEST_DISABLE_PLUGIN_AUTOLOAD"] = "1"

    def statuses() -> dict[str, str]:
        listed = subprocess.run(
            [mutmut, "results", "--all", "true"], cwd=folder, env=environment, capture_output=True, text=True
        ).stdout
        return {m.group(1): m.group(2) for m in map(RESULT.match, listed.splitlines()) if m}

    skipped = set() if check_all else set(current)
    earlier = {name for name, status in statuses().items() if status in UNDECIDED and name not in skipped}
    runner = [mutmut] if own_sessions else [sys.executable, ROOT / "scripts" / "mutant_runner.py"]
    command = [*runner, "run", "--max-children", str(workers)]
    with open(folder / "run.log", "w") as log:
        subprocess.run(command, cwd=folder, env=environment, stdout=log, stderr=log, check=False)
        again = sorted(
            name
            for name, status in statuses().items()
            if (name in earlier and status in UNDECIDED) or status == "suspicious"
        )
        if again:
            subprocess.run(
                [*command, *again], cwd=folder, env=environment, stdout=log, stderr=log, check=False
            )
    return statuses()


def by_module(group: list[str], found: dict[str, str]) -> dict[str, dict[str, str]]:
    """Split a group's statuses by the module each mutant is in."""
    split: dict[str, dict[str, str]] = {module: {} for module in group}
    for name, status in found.items():
        module = max((m for m in group if name.startswith(dotted(m) + ".")), key=len)
        split[module][name] = status
    return split


def row(module: str, statuses: dict[str, str], listed_now: dict, accepted: dict) -> dict:
    """Count one module's mutants by outcome; `listed_now` holds the current entries of both lists."""
    killed = sum(s in ("killed", "timeout") for s in statuses.values())
    kept = {n for n, s in statuses.items() if s == "survived" and n in listed_now}
    same = [n for n in kept if n not in accepted]
    harmless = [n for n in kept if n in accepted]
    survived = [n for n, s in statuses.items() if s == "survived" and n not in listed_now]
    other = len(statuses) - killed - len(kept) - len(survived)
    judged = len(statuses) - len(same)
    score = f"{100 * killed / judged:.0f} %" if judged else "-"
    return {
        "module": module.removeprefix("followup/"),
        "mutants": len(statuses),
        "killed": killed,
        "equivalent": len(same),
        "accepted": len(harmless),
        "survived": len(survived),
        "not run": other,
        "score": score,
        "survivors": survived,
    }


def expected_minutes(group: list[str], last: dict[str, float]) -> float:
    """How long the group's run took last time, or, never run, a guess from the size of its code."""
    return last.get(folder_of(group).name, sum((ROOT / m).stat().st_size for m in group) / 10_000)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("target", nargs="?", help="a folder (plan, sending, ...) or a module's path")
    parser.add_argument("--workers", type=int, default=2, help="mutants tested at once by each run")
    parser.add_argument(
        "--lanes", type=int, default=2, help="runs at once: one's set-up beside another's mutants"
    )
    parser.add_argument("--survivors", action="store_true", help="list the surviving mutants")
    # Survivors are tested again on every run; a killed mutant keeps its verdict until its function changes.
    parser.add_argument("--fresh", action="store_true", help="start from scratch: after weakening a test")
    parser.add_argument("--check-equivalents", action="store_true", help="test the listed equivalents too")
    parser.add_argument(
        "--own-sessions", action="store_true", help="a pytest session per mutant, as mutmut runs them"
    )
    options = parser.parse_args()
    accepted = equivalents.read(ACCEPTED)
    entries = equivalents.read(EQUIVALENT) | accepted
    timings = WORK / "minutes.json"
    last = json.loads(timings.read_text()) if timings.exists() else {}
    # The longest runs first, so that no long run is left alone at the end.
    planned = sorted(groups(modules(options.target)), key=lambda g: -expected_minutes(g, last))
    started = time.monotonic()

    def one(group: list[str]) -> tuple[list[dict], dict, dict]:
        group_started = time.monotonic()
        current, stale = listed(group, entries)
        found = run(
            group, options.workers, options.fresh, current, options.check_equivalents, options.own_sessions
        )
        split = by_module(group, found)
        minutes = (time.monotonic() - group_started) / 60
        timing = {"run": folder_of(group).name, "mutants": len(found), "minutes": minutes}
        print(f"{timing['run']}: {timing['mutants']} mutants in {minutes:.1f} minutes", flush=True)
        return [row(module, split[module], current, accepted) for module in group], timing, stale

    with ThreadPoolExecutor(max_workers=options.lanes) as pool:
        done = list(pool.map(one, planned))
    rows = [found for group_rows, _, _ in done for found in group_rows]
    runs = [timing for _, timing, _ in done]
    WORK.mkdir(exist_ok=True)
    timings.write_text(json.dumps(last | {r["run"]: r["minutes"] for r in runs}, indent=1))
    rows.sort(key=lambda found: (DOMAIN_FOLDERS.index(found["module"].split("/")[0]), found["module"]))
    columns = ("module", "mutants", "killed", "equivalent", "accepted", "survived", "not run", "score")
    print(
        f"\nMutation testing, {SystemClock().now():%Y-%m-%d} (score: killed of the non-equivalent mutants)\n"
    )
    print("| " + " | ".join(columns) + " |")
    print("|" + "|".join("---" for _ in columns) + "|")
    for found in rows:
        print("| " + " | ".join(str(found[c]) for c in columns) + " |")
    print("\n| run (modules covered by the same tests) | mutants | minutes |\n|---|---|---|")
    for found in sorted(runs, key=lambda r: r["run"]):
        print(f"| {found['run']} | {found['mutants']} | {found['minutes']:.1f} |")
    print(f"\n{sum(r['mutants'] for r in rows)} mutants in {(time.monotonic() - started) / 60:.1f} minutes")
    for _, _, stale in done:
        for name, entry in stale.items():
            print(f"stale entry (its function changed since it was judged): {name}: {entry.reason}")
    if options.survivors:
        for found in rows:
            source = (ROOT / ("followup/" + found["module"])).read_text()
            hashes = equivalents.function_hashes(source)
            prefix = equivalents.dotted("followup/" + found["module"])
            for name in found["survivors"]:
                function = name.rsplit(equivalents.SEPARATOR, 1)[0].removeprefix(prefix)
                print(f"survived: `{name}` `{hashes.get(function, '?')}`")


if __name__ == "__main__":
    main()
