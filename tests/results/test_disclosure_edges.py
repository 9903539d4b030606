"""Disclosure control at its edges: the information lost, suppression switched off, and silence."""

import subprocess
import sys
import textwrap
from datetime import UTC, datetime

from followup.results.disclosure import protect
from followup.results.measures import Assumptions, tabulate
from tests.factories import answers, counts_of, person


def made(people):
    return tabulate(counts_of(people), Assumptions(), "Steget", datetime(2026, 9, 1, tzinfo=UTC), ["v1"])


def a_small_cohort():
    people = [person("A", "job_seeking", False, w6=answers("work")) for _ in range(3)]
    return people + [person("B", "studies", True, w6=answers(a)) for a in ("work", "studies") * 5]


def test_the_information_lost_is_the_share_of_figures_hidden():
    report = protect(made(a_small_cohort()), 5)
    cells = [c for t in report.tables for r in t.rows for c in r.cells.values() if c.value is not None]
    hidden = [c for c in cells if c.hidden]
    assert 0 < len(hidden) < len(cells)
    assert report.information_loss == len(hidden) / len(cells)


def test_a_threshold_of_one_hides_nothing_not_even_a_whole_group():
    # Everyone in A works: the whole of a group, hidden at any threshold that protects anyone.
    report = protect(made(a_small_cohort()), 1)
    assert not any(c.hidden for t in report.tables for r in t.rows for c in r.cells.values())
    assert report.information_loss == 0.0


def test_protecting_prints_nothing_and_leaves_standard_output_where_it_was(capfd):
    # HiGHS prints a log when it solves, and a banner when a process makes its first model: in this
    # process that was long ago, so a new one is started as well.
    protect(made(a_small_cohort()), 5)
    assert capfd.readouterr().out == ""
    code = textwrap.dedent(
        """
        from tests.results.test_disclosure_edges import a_small_cohort, made
        from followup.results.disclosure import protect
        protect(made(a_small_cohort()), 5)
        print("the report")
        """
    )
    # From the working folder, as the tests are run: the code under test is the one imported here.
    ran = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert ran.stdout == "the report\n"
