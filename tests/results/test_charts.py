"""Charts: valid SVG with a title and the data table as its description."""

import re
import xml.etree.ElementTree as ET
from datetime import UTC, datetime

import pytest

from followup import create_app
from followup.results.charts import CHARTED, chart, text_alternative
from followup.results.disclosure import protect
from followup.results.measures import Assumptions, tabulate
from followup.results.tables import (
    ALL,
    COUNT,
    HIGH,
    LOW,
    MEAN,
    SHARE,
    Cell,
    Column,
    Publication,
    Row,
    Table,
)
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


SHARES = [
    Column("self_sufficient_share", {"en": "Self-sufficient", "sv": "Självförsörjande"}, SHARE),
    Column("self_sufficient", "People", COUNT),
    Column("work_or_studies_share", {"en": "Work or studies", "sv": "Arbete eller studier"}, SHARE),
]
MEANS = [
    Column("change", "Change", MEAN),
    Column("change_low", "Low", LOW),
    Column("change_high", "High", HIGH),
]


def _row(wave, group, values, label=None, since=None, hidden=(), columns=SHARES):
    cells = {c.id: Cell(v, hidden=c.id in hidden) for c, v in zip(columns, values, strict=True)}
    return Row(wave, group, cells, label, since)


def hand_made() -> Publication:
    """Two shares with a count between them, and a change between two waves."""
    shares = Table(
        "self_sufficiency",
        {"en": "Self-sufficiency", "sv": "Självförsörjning"},
        "",
        SHARES,
        [
            _row(6, "A", (0.5, 3.0, 0.25)),
            _row(
                6,
                ALL,
                (0.8, 12.0, 0.4),
                {"en": "All cohorts", "sv": "Alla grupper"},
                hidden=("work_or_studies_share",),
            ),
            _row(12, "A", (None, 3.0, 0.6)),
        ],
    )
    change = Table(
        "who5_change",
        {"en": "Change in well-being"},
        "",
        MEANS,
        [_row(12, "A", (-3.54, -0.123, 0.456), since=6, columns=MEANS)],
    )
    return Publication("Steget", datetime(2026, 9, 1, tzinfo=UTC), 5, [], [shares, change], [], {}, [])


def drawn(svg: str) -> list[str]:
    """Return the texts drawn in the chart, in order (matplotlib names each one in a comment)."""
    return re.findall(r"<!-- (.*?) -->", svg)


def bars(svg: str) -> list[dict]:
    """Return the chart's bars in drawing order: left, right, top and bottom, and the fill."""
    found = []
    for path in ET.fromstring(svg).iter(f"{SVG}path"):  # noqa: S314 - our own output
        if path.get("clip-path") and "stroke: #000000" in path.get("style", ""):
            numbers = [float(n) for n in re.findall(r"-?\d+(?:\.\d+)?", path.get("d"))]
            xs, ys = numbers[0::2], numbers[1::2]
            fill = re.search(r"fill: ([^;]+)", path.get("style")).group(1)
            found.append({"left": min(xs), "right": max(xs), "top": min(ys), "bottom": max(ys), "fill": fill})
    return found


def markers(svg: str) -> list[tuple[float, float, float]]:
    """Return where each `..` marker is drawn: x, y and its scale (the font size / 100)."""
    found = re.findall(
        r"<!--  \.\. -->\s*<g transform=\"translate\(([-\d.]+) ([-\d.]+)\) scale\(([\d.]+) [-\d.]+\)", svg
    )
    return [tuple(map(float, f)) for f in found]


def test_a_bar_per_row_and_share_in_per_cent_each_series_in_its_own_shade_and_hatch(app):
    with app.app_context():
        svg = chart(hand_made(), "self_sufficiency", "en")
    texts = drawn(svg)
    assert texts[texts.index("%") + 1 : texts.index("%") + 4] == [
        "A (6 mo.)",
        "All cohorts (6 mo.)",
        "A (12 mo.)",
    ]
    assert texts[:9] == ["0", "10", "20", "30", "40", "50", "60", "70", "80"]  # 80 per cent, not 0.8
    assert texts[-3:] == ["Self-sufficiency", "Self-sufficient", "Work or studies"]  # the title, the legend
    found = bars(svg)
    assert len(found) == 6  # two series of three rows; the count is not charted
    widths = [b["right"] - b["left"] for b in found]
    unit = widths[0] / 50
    assert widths == pytest.approx([50 * unit, 80 * unit, 0, 25 * unit, 0, 60 * unit])
    assert {b["fill"] for b in found[:3]} == {"#222222"}
    assert len({b["fill"] for b in found[3:]}) == 1 and found[3]["fill"].startswith("url(#h")  # hatched
    first, second = found[:3], found[3:]
    for r in range(3):
        assert first[r]["bottom"] == pytest.approx(second[r]["top"])  # side by side, the first above
        assert first[r]["bottom"] - first[r]["top"] == pytest.approx(second[r]["bottom"] - second[r]["top"])
        if r:
            assert first[r]["top"] > second[r - 1]["bottom"]  # rows apart


def ticks(svg: str) -> dict[str, float]:
    """Return where each tick of the value axis sits, by its label."""
    found = re.findall(r'<g id="xtick_\d+">.*?<use [^>]* x="([-\d.]+)".*?<!-- (.*?) -->', svg, re.DOTALL)
    return {label: float(x) for x, label in found}


def test_a_share_s_bar_ends_at_its_per_cent_on_the_axis(app):
    with app.app_context():
        svg = chart(hand_made(), "self_sufficiency", "en")
    where, found = ticks(svg), bars(svg)
    assert found[0]["left"] == pytest.approx(where["0"], abs=0.01)
    assert found[0]["right"] == pytest.approx(where["50"], abs=0.01)  # 0.5: half, at the 50 tick
    assert found[1]["right"] == pytest.approx(where["80"], abs=0.01)
    assert found[5]["right"] == pytest.approx(where["60"], abs=0.01)


def test_a_suppressed_or_missing_figure_is_marked_where_its_bar_would_be(app):
    with app.app_context():
        svg = chart(hand_made(), "self_sufficiency", "en")
    found, marked = bars(svg), markers(svg)
    empty = [b for b in found if b["right"] == b["left"]]
    assert len(marked) == len(empty) == 2
    for (x, y, scale), bar in zip(marked, empty, strict=True):
        # Centred on the row: the baseline of the dots a little below the middle of the bar's place.
        assert x == pytest.approx(bar["left"]) and 1 < y - (bar["top"] + bar["bottom"]) / 2 < 4
        assert scale == pytest.approx(0.08)  # 8 points, as the row labels


def test_one_series_has_no_legend_and_no_per_cent_and_a_comparison_names_both_waves(app):
    with app.app_context():
        svg = chart(hand_made(), "who5_change", "en")
    texts = drawn(svg)
    assert "A (6-12 mo.)" in texts and texts[-1] == "Change in well-being"
    assert "%" not in texts and "Change" not in texts
    found = bars(svg)
    assert len(found) == 1 and found[0]["fill"] == "#222222" and found[0]["right"] > found[0]["left"]


def test_the_chart_grows_with_its_rows(app):
    with app.app_context():
        three, one = chart(hand_made(), "self_sufficiency", "en"), chart(hand_made(), "who5_change", "en")
    size = {name: ET.fromstring(svg) for name, svg in (("three", three), ("one", one))}  # noqa: S314
    assert size["three"].get("width") == size["one"].get("width") == "504pt"  # 7 inches
    assert size["three"].get("height") == "183.6pt" and size["one"].get("height") == "133.2pt"


def test_the_text_alternative_shows_each_figure_as_the_table_does(app):
    with app.app_context():
        shares = text_alternative(hand_made().table("self_sufficiency"), "en")
        change = text_alternative(hand_made().table("who5_change"), "sv")
    assert shares.splitlines() == [
        "Wave (months after exit); Group; Self-sufficient; People; Work or studies",
        "6; A; 50%; 3; 25%",
        "6; All cohorts; 80%; 12; ..",
        "12; A; ; 3; 60%",
    ]
    assert change.splitlines()[1:] == ["12; 6; A; -3.5; -12%; 46%"]
    assert change.splitlines()[0].startswith("Uppföljning (månader efter avslut); Jämfört med")


def test_in_swedish_the_rows_and_months_are_labelled_in_swedish(app):
    with app.app_context():
        texts = drawn(chart(hand_made(), "self_sufficiency", "sv"))
        change = drawn(chart(hand_made(), "who5_change", "sv"))
    assert ["A (6 mån.)", "Alla grupper (6 mån.)", "A (12 mån.)"] == [t for t in texts if "mån." in t]
    assert "A (6-12 mån.)" in change
    assert texts[-3:] == ["Självförsörjning", "Självförsörjande", "Arbete eller studier"]


def test_one_series_fills_the_same_part_of_each_row_as_two_together(app):
    publication = hand_made()
    mean = [Column("mean", "Mean", MEAN)]
    rows = [_row(6, "A", (52.0,), columns=mean), _row(12, "A", (48.0,), columns=mean)]
    publication.tables.append(Table("who5", "WHO-5", "", mean, rows))
    with app.app_context():
        svg = chart(publication, "who5", "en")
        one, two = bars(svg), bars(chart(publication, "self_sufficiency", "en"))
    ticks = [float(t) for t in drawn(svg) if t.isdigit()]
    assert max(ticks) in (50, 60)  # a mean of 52 drawn as 52, not scaled as a share is
    row = one[1]["top"] - one[0]["top"]
    assert one[0]["bottom"] - one[0]["top"] == pytest.approx(0.8 * row)
    assert two[3]["bottom"] - two[0]["top"] == pytest.approx(0.8 * (two[1]["top"] - two[0]["top"]))


def placed(svg: str) -> dict[str, tuple[float, float, float]]:
    """Return each drawn text with where it is: x, y (its baseline) and its scale (font size / 100)."""
    found = re.findall(
        r"<!-- (.*?) -->\s*<g transform=\"translate\(([-\d.]+) ([-\d.]+)\) scale\(([\d.]+) [-\d.]+\)", svg
    )
    return {text: (float(x), float(y), float(scale)) for text, x, y, scale in found}


def test_row_labels_sit_in_the_middle_of_their_bars_in_small_print_under_a_larger_title(app):
    with app.app_context():
        svg = chart(hand_made(), "self_sufficiency", "en")
    where, found = placed(svg), bars(svg)
    for r, label in enumerate(["A (6 mo.)", "All cohorts (6 mo.)", "A (12 mo.)"]):
        middle = (found[r]["top"] + found[3 + r]["bottom"]) / 2
        assert 1 < where[label][1] - middle < 4, label
        assert where[label][2] == pytest.approx(0.08)
    assert where["Self-sufficiency"][2] == pytest.approx(0.1)  # the title, 10 points
    assert where["Self-sufficient"][2] == where["Work or studies"][2] == pytest.approx(0.08)  # the legend


def test_a_chart_without_shares_has_no_axis_label_and_no_chart_carries_a_date(app):
    with app.app_context():
        change, shares = chart(hand_made(), "who5_change", "en"), chart(hand_made(), "self_sufficiency", "en")
    texts = drawn(change)
    assert texts[texts.index("A (6-12 mo.)") - 1][-1].isdigit()  # after the axis' numbers, no unit
    assert texts[texts.index("A (6-12 mo.)") :] == ["A (6-12 mo.)", "Change in well-being"]
    assert "<dc:date>" not in change and "<dc:date>" not in shares


def test_the_swedish_text_alternative_has_swedish_headings_and_groups(app):
    with app.app_context():
        lines = text_alternative(hand_made().table("self_sufficiency"), "sv").splitlines()
    assert lines[0].endswith("; Grupp; Självförsörjande; People; Arbete eller studier")
    assert lines[2] == "6; Alla grupper; 80%; 12; .."
