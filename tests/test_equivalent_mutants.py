"""The kept list of equivalent mutants: which entries still hold, and how mutmut is told to skip them."""

import importlib.util
import json
import sys
import textwrap
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
SPEC = importlib.util.spec_from_file_location("equivalents", ROOT / "scripts" / "equivalents.py")
equivalents = importlib.util.module_from_spec(SPEC)
sys.modules.setdefault("equivalents", equivalents)
SPEC.loader.exec_module(equivalents)

SOURCE = textwrap.dedent(
    """
    def due(moment, closes):
        return moment <= closes

    class Window:
        def opens(self, day):
            return day.weekday() < 5
    """
)
MODULE = "followup/sending/window.py"


def entry_line(name, function_hash, reason="it changes nothing"):
    return f"- `followup.sending.window.{name}` `{function_hash}`: {reason}"


def listed(tmp_path, *lines):
    path = tmp_path / "mutants-equivalent.md"
    path.write_text("# Equivalent mutants\n\nSome prose with `code` in it.\n\n" + "\n".join(lines) + "\n")
    return equivalents.read(path)


def test_an_entry_holds_while_its_function_is_unchanged_and_goes_stale_when_it_changes(tmp_path):
    hashes = equivalents.function_hashes(SOURCE)
    entries = listed(
        tmp_path,
        entry_line("x_due__mutmut_2", hashes["x_due"]),
        entry_line("xǁWindowǁopens__mutmut_1", hashes["xǁWindowǁopens"]),
    )
    current, stale = equivalents.split(entries, MODULE, SOURCE)
    assert set(current) == set(entries) and not stale

    edited = SOURCE.replace("moment <= closes", "moment < closes")
    current, stale = equivalents.split(entries, MODULE, edited)
    assert list(current) == ["followup.sending.window.xǁWindowǁopens__mutmut_1"]
    assert list(stale) == ["followup.sending.window.x_due__mutmut_2"]
    assert stale["followup.sending.window.x_due__mutmut_2"].reason == "it changes nothing"


def test_a_comment_or_blank_line_does_not_make_an_entry_stale():
    commented = SOURCE.replace("return moment <= closes", "# inclusive\n    return moment <= closes\n")
    assert equivalents.function_hashes(commented) == equivalents.function_hashes(SOURCE)


def test_entries_of_other_modules_and_lines_without_a_hash_are_not_read(tmp_path):
    entries = listed(
        tmp_path,
        "- `followup.sending.window.x_due__mutmut_2`: no hash, so not an entry",
        "- `followup.sending.windowing.x_due__mutmut_2` `0123456789ab`: another module",
    )
    assert list(entries) == ["followup.sending.windowing.x_due__mutmut_2"]
    assert equivalents.split(entries, MODULE, SOURCE) == ({}, {})


@pytest.fixture
def entries(tmp_path):
    hashes = equivalents.function_hashes(SOURCE)
    found = listed(tmp_path, entry_line("x_due__mutmut_2", hashes["x_due"]))
    return equivalents.split(found, MODULE, SOURCE)[0]


def test_a_fresh_run_records_the_current_entries_as_survived_and_nothing_else(tmp_path, entries):
    meta_path = tmp_path / "mutants" / (MODULE + ".meta")
    equivalents.seed(meta_path, MODULE, entries)
    meta = json.loads(meta_path.read_text())
    assert meta["exit_code_by_key"] == {"followup.sending.window.x_due__mutmut_2": 0}
    assert meta["hash_by_function_name"] == {"x_due": equivalents.function_hashes(SOURCE)["x_due"]}
    assert meta["durations_by_key"] == {} and meta["estimated_durations_by_key"] == {}


def test_a_second_run_keeps_the_verdicts_of_unchanged_functions(tmp_path, entries):
    meta_path = tmp_path / (MODULE + ".meta")
    function_hash = equivalents.function_hashes(SOURCE)["x_due"]
    meta = {
        "exit_code_by_key": {
            "followup.sending.window.x_due__mutmut_1": 1,
            "followup.sending.window.x_due__mutmut_2": None,
            "followup.sending.window.xǁWindowǁopens__mutmut_1": 1,
        },
        "hash_by_function_name": {"x_due": function_hash, "xǁWindowǁopens": "000000000000"},
        "durations_by_key": {"followup.sending.window.x_due__mutmut_1": 0.4},
        "estimated_durations_by_key": {},
    }
    meta_path.parent.mkdir(parents=True)
    meta_path.write_text(json.dumps(meta))
    equivalents.seed(meta_path, MODULE, entries)
    seeded = json.loads(meta_path.read_text())
    assert seeded["exit_code_by_key"] == {
        "followup.sending.window.x_due__mutmut_1": 1,
        "followup.sending.window.x_due__mutmut_2": 0,
        "followup.sending.window.xǁWindowǁopens__mutmut_1": 1,
    }
    assert seeded["durations_by_key"] == meta["durations_by_key"]


def test_a_function_changed_since_the_last_run_loses_its_other_verdicts(tmp_path, entries):
    """mutmut would drop them itself; once the stored hash is the new one, it no longer could."""
    meta_path = tmp_path / (MODULE + ".meta")
    meta = {
        "exit_code_by_key": {
            "followup.sending.window.x_due__mutmut_1": 1,
            "followup.sending.window.x_due__mutmut_2": 1,
            "followup.sending.window.xǁWindowǁopens__mutmut_1": 1,
        },
        "hash_by_function_name": {"x_due": "000000000000"},
        "durations_by_key": {},
        "estimated_durations_by_key": {},
    }
    meta_path.parent.mkdir(parents=True)
    meta_path.write_text(json.dumps(meta))
    equivalents.seed(meta_path, MODULE, entries)
    seeded = json.loads(meta_path.read_text())["exit_code_by_key"]
    assert seeded == {
        "followup.sending.window.x_due__mutmut_1": None,
        "followup.sending.window.x_due__mutmut_2": 0,
        "followup.sending.window.xǁWindowǁopens__mutmut_1": 1,
    }
