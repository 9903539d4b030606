"""Charts: valid SVG with a title and the data table as its description."""

import xml.etree.ElementTree as ET
from datetime import UTC, datetime

import pytest

from followup import create_app
from followup.results.charts import CHARTED, chart
from followup.results.disclosure import protect
from followup.results.measures import Assumptions, tabulate
from tests.factories import answers, counts_of, person

SVG = "{http://www.w3.org/2000/svg}"


@pytest.fixture(scope="module")
def app(tmp_path_factory):
    folder = tmp_path_factory.mktemp("charts")
    return create_app({"DATABASE_URL": "sqlite://", "INSTANCE_PATH": str(folder), "SECRET_KEY": "s" * 40})


@pytest.fixture(scope="module")
def made(app):
    people = [
        person("A", "job_seeking", True, w6=answers("work", "no", 60), w12=answers("work", "no", 72))
        for _ in range(8)
    ]
    people += [
        person(
            "B", "sick_leave", True, w6=answers("studies", "yes", 40), w12=answers("job_seeking", "yes", 28)
        )
        for _ in range(7)
    ]
    people += [person("B", "sick_leave", False, w6=answers("sick_leave", "no", 20)) for _ in range(2)]
    with app.app_context():
        return protect(
            tabulate(counts_of(people), Assumptions(), "Steget", datetime(2026, 9, 1, tzinfo=UTC), []), 5
        )


@pytest.mark.parametrize("table_id", sorted(CHARTED))
def test_each_measure_has_an_svg_with_its_data_as_text(app, made, table_id):
    with app.app_context():
        svg = chart(made, table_id, "en")
    root = ET.fromstring(svg)  # noqa: S314 - our own output
    assert root.tag == f"{SVG}svg" and root.get("role") == "img"
    title, desc = root.find(f"{SVG}title"), root.find(f"{SVG}desc")
    assert title.text == made.table(table_id).title
    lines = desc.text.splitlines()
    assert len(lines) == len(made.table(table_id).rows) + 1  # the heading and every row
    assert "All cohorts" in desc.text
    assert "<script" not in svg


def test_suppressed_figures_show_as_dots_in_the_chart_and_its_text(app, made):
    with app.app_context():
        svg = chart(made, "self_sufficiency", "sv")
    desc = ET.fromstring(svg).find(f"{SVG}desc").text  # noqa: S314 - our own output
    assert ".." in desc and "Självförsörjande" in desc
