"""The overview's key figures: the whole programme's shares per wave, hidden as a whole or not at all."""

from datetime import UTC, datetime

import pytest
from flask_babel import force_locale

from followup import create_app
from followup.results.disclosure import protect
from followup.results.intervals import wilson
from followup.results.key_figures import key_figures
from followup.results.measures import Assumptions, tabulate
from followup.results.tables import ALL, Cell, Column, Publication, Row, Table
from tests.factories import answers, counts_of, person

MADE = datetime(2026, 9, 1, tzinfo=UTC)


@pytest.fixture(scope="module")
def app(tmp_path_factory):
    folder = tmp_path_factory.mktemp("key_figures")
    return create_app({"DATABASE_URL": "sqlite://", "INSTANCE_PATH": str(folder), "SECRET_KEY": "s" * 40})


def _people(cohort, activity, n, answering_later=0):
    return [
        person(
            cohort,
            "job_seeking",
            True,
            w6=answers(activity, "no"),
            w12=answers(activity, "no") if i < answering_later else None,
        )
        for i in range(n)
    ]


@pytest.fixture(scope="module")
def made(app):
    # Per cohort, 16 people all answering at 6 months: 6 in work, 5 on sickness compensation
    # (self-sufficient, not in work or studies), 5 looking for work. At 12 months 3 answer in each.
    people = []
    for cohort, working, looking in (("A", 3, 0), ("B", 0, 3)):
        people += _people(cohort, "work", 6, working)
        people += _people(cohort, "sickness_compensation", 5)
        people += _people(cohort, "job_seeking", 5, looking)
    with app.app_context():
        return protect(tabulate(counts_of(people), Assumptions(), "Steget", MADE, []), 5)


def test_each_wave_has_its_three_whole_programme_shares_with_their_intervals(app, made):
    found = key_figures(made)
    assert list(found) == [6, 12]
    six = found[6]
    assert [f.months for f in six] == [6, 6, 6]
    with app.app_context(), force_locale("en"):
        labels = [str(f.label) % {"months": f.months} for f in six]
        sentence = str(six[1].sentence) % {"share": "69 %", "low": "51 %", "high": "82 %", "months": 6}
    assert labels == [
        "Answered, 6 months after leaving",
        "Self-sufficient, 6 months after leaving",
        "In work or studies, 6 months after leaving",
    ]
    assert sentence == "69 % (95 % CI 51 %–82 %) were self-sufficient 6 months after leaving."
    expected = [(32, 32), (22, 32), (12, 32)]
    for figure, (k, n) in zip(six, expected, strict=True):
        assert not figure.hidden
        assert (figure.share, figure.low, figure.high) == pytest.approx((k / n, *wilson(k, n)))


def test_a_suppressed_share_is_hidden_with_its_interval(made):
    twelve = key_figures(made)[12]
    assert len(twelve) == 3
    assert all(f.hidden and (f.share, f.low, f.high) == (None, None, None) for f in twelve)


def _publication(hidden: str) -> Publication:
    kinds = ("share", "low", "high")
    tables = []
    for table_id, stems in (
        ("reach", ["response"]),
        ("self_sufficiency", ["self_sufficient", "work_or_studies"]),
    ):
        columns = [Column(f"{s}_{k}", f"{s} {k}", k) for s in stems for k in kinds]
        values = {"share": 0.5, "low": 0.3, "high": 0.7}
        rows = [
            Row(
                wave,
                group,
                {c.id: Cell(values[c.kind] + wave / 100, hidden=c.kind == hidden) for c in columns},
                since=since,
            )
            for wave, group, since in ((12, ALL, None), (6, "Grupp 1", None), (6, ALL, None), (12, ALL, 6))
        ]
        tables.append(Table(table_id, table_id, "", columns, rows))
    return Publication("Steget", MADE, 5, [], tables, [], {}, [])


@pytest.mark.parametrize("hidden", ["share", "low", "high"])
def test_one_hidden_bound_hides_the_whole_figure(hidden):
    found = key_figures(_publication(hidden))
    assert [f.hidden for figures in found.values() for f in figures] == [True] * 6
    assert all(f.share is None and f.low is None and f.high is None for f in found[6])


def test_only_the_whole_programme_and_no_comparison_of_two_waves_is_a_key_figure():
    found = key_figures(_publication("none"))
    assert list(found) == [6, 12]
    assert [(f.share, f.low, f.high) for f in found[6]] == [pytest.approx((0.56, 0.36, 0.76))] * 3
    assert [(f.share, f.low, f.high) for f in found[12]] == [pytest.approx((0.62, 0.42, 0.82))] * 3
