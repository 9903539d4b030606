"""The results pages: who may see them, that they show the publication's figures and hide the
suppressed ones, that the downloads carry the same figures, and that nothing names a participant."""

import csv
import io
import json
import re

import openpyxl
import pytest
from babel.numbers import format_percent

from followup.accounts.sessions import start_session
from followup.models import AuditEvent
from followup.results.charts import shown_rows
from followup.results.reporting import assumptions_for, make_report
from followup.results.tables import ALL
from tests.web.evaluator.conftest import CODES, EMAILS, MADE, PHONES


def client_of(app, db, clock, user, language="en"):
    app.config["LANGUAGE"] = language
    client = app.test_client()
    token = start_session(db, clock.now(), user, verified=True)
    with client.session_transaction("/staff/") as session:
        session["staff"] = token
    return client


def publication_of(app, db, programme):
    with app.app_context():
        config = app.config
        assumptions = assumptions_for(
            programme, config["SOCIAL_ASSISTANCE_NORM"], config["SOCIAL_ASSISTANCE_MONTHS"]
        )
        return make_report(db, programme, MADE, config["SUPPRESSION_THRESHOLD"], assumptions)


def section(page: str, table_id: str) -> str:
    start = page.index(f'<section id="{table_id}"')
    return page[start : page.index("</section>", start)]


def cells_of(html: str) -> list[list[str]]:
    """Return the body rows of the first table in `html` as text."""
    body = html[html.index("<tbody>") : html.index("</tbody>")]
    return [re.findall(r"<t[hd][^>]*>(.*?)</t[hd]>", row) for row in re.findall(r"<tr>(.*?)</tr>", body)]


@pytest.mark.parametrize("visitor", ["admin", "coordinator", "evaluator"])
def test_each_allowed_role_sees_the_list_and_the_overview(app, db, clock, programme, people, visitor):
    client = client_of(app, db, clock, people[visitor])
    listing = client.get("/staff/results/")
    assert listing.status_code == 200
    assert f'href="/staff/results/{programme.id}/"' in listing.get_data(as_text=True)
    page = client.get(f"/staff/results/{programme.id}/")
    assert page.status_code == 200
    text = page.get_data(as_text=True)
    for heading in ("Key figures", "Self-sufficiency and work or studies", "Method and definitions"):
        assert heading in text
    assert "Wilson score intervals" in text and "likely depression" in text
    assert "2026-09-01" in text  # the date the figures were made


def test_the_figures_are_the_publications(app, db, clock, programme, people):
    app.config["SUPPRESSION_THRESHOLD"] = 1
    publication = publication_of(app, db, programme)
    page = client_of(app, db, clock, people["evaluator"]).get(f"/staff/results/{programme.id}/")
    text = page.get_data(as_text=True)
    for table in publication.tables:
        with app.test_request_context():
            expected = shown_rows(table, "en")
        assert cells_of(section(text, table.id)) == [
            [v.replace("&", "&amp;") for v in row] for row in expected
        ]
    row = next(r for r in publication.table("self_sufficiency").rows if r.wave == 12 and r.group == ALL)
    share, low, high = (row.cells[f"self_sufficient_{k}"].value for k in ("share", "low", "high"))
    assert share == 4 / 9  # by hand: 9 answered at 12 months; three in work, one in studies
    sentence = (
        f"{format_percent(share, locale='en')} (95 % CI {format_percent(low, locale='en')}–"
        f"{format_percent(high, locale='en')}) were self-sufficient 12 months after leaving."
    )
    assert sentence in text


def test_suppressed_figures_are_shown_as_two_dots_with_the_legend(app, db, clock, programme, people):
    publication = publication_of(app, db, programme)  # the default threshold, 5
    hidden = [
        (table.id, i)
        for table in publication.tables
        for i, row in enumerate(table.rows)
        if any(cell.hidden for cell in row.cells.values())
    ]
    assert hidden
    text = (
        client_of(app, db, clock, people["evaluator"])
        .get(f"/staff/results/{programme.id}/")
        .get_data(as_text=True)
    )
    for table_id, i in hidden:
        assert ".." in cells_of(section(text, table_id))[i]
    assert ".. = suppressed to protect the people counted" in text


def test_the_overview_in_swedish(app, db, clock, programme, people):
    text = (
        client_of(app, db, clock, people["evaluator"], "sv")
        .get(f"/staff/results/{programme.id}/")
        .get_data(as_text=True)
    )
    assert "Nyckeltal" in text and "Metod och definitioner" in text
    assert "månader efter avslut" in text


def test_charts_are_svg_images_with_their_data_as_text(app, db, clock, programme, people):
    client = client_of(app, db, clock, people["evaluator"])
    page = client.get(f"/staff/results/{programme.id}/").get_data(as_text=True)
    sources = re.findall(r'<img src="([^"]+)" alt="([^"]+)"', page)
    assert len(sources) == 6 and all(alt.startswith("Chart: ") for _src, alt in sources)
    for src, _alt in sources:
        chart = client.get(src)
        assert chart.status_code == 200 and chart.mimetype == "image/svg+xml"
        assert "script-src" not in chart.headers["Content-Security-Policy"]
        assert "<desc" in chart.get_data(as_text=True)
    assert client.get(f"/staff/results/{programme.id}/charts/activity.svg").status_code == 404


def test_downloads_carry_the_same_figures_and_are_audited(app, db, clock, programme, people):
    publication = publication_of(app, db, programme)
    client = client_of(app, db, clock, people["evaluator"])
    base = f"/staff/results/{programme.id}/download"

    swedish = client.get(f"{base}.csv?language=sv")
    assert swedish.mimetype == "text/csv"
    assert swedish.headers["Content-Disposition"] == 'attachment; filename="Steget_O-2026-09-01.csv"'
    lines = list(csv.reader(io.StringIO(swedish.get_data().decode("utf-8-sig")), delimiter=";"))
    assert ["Insats", "Steget Ö"] in lines
    assert any(line and line[0] == "Självförsörjning och arbete eller studier" for line in lines)

    english = client.get(f"{base}.csv?language=en&separator=comma")
    lines = list(csv.reader(io.StringIO(english.get_data().decode("utf-8-sig"))))
    assert ["Programme", "Steget Ö"] in lines and ["Suppression threshold", "5"] in lines

    workbook = openpyxl.load_workbook(io.BytesIO(client.get(f"{base}.xlsx").data), read_only=True)
    assert len(workbook.sheetnames) >= len(publication.tables)

    document = json.loads(client.get(f"{base}.json?language=en").data)
    table = next(t for t in document["tables"] if t["id"] == "self_sufficiency")
    expected = publication.table("self_sufficiency")
    for got, row in zip(table["rows"], expected.rows, strict=True):
        for column, cell in row.cells.items():
            if cell.hidden:
                assert got["cells"][column] is None and column in got["suppressed"]
            elif cell.value is not None:
                assert got["cells"][column] == pytest.approx(cell.value, abs=0.001)

    events = AuditEvent.select().where(AuditEvent.action == "results.downloaded")
    assert events.count() == 4
    assert {json.loads(e.details)["format"] for e in events} == {"csv", "xlsx", "json"}
    assert all(e.programme_id == programme.id and e.user_id == people["evaluator"].id for e in events)
    assert client.get(f"{base}.pdf").status_code == 404
    assert client.get(f"{base}.csv?language=de").status_code == 404


def test_no_page_or_file_names_a_participant(app, db, clock, programme, people):
    app.config["SUPPRESSION_THRESHOLD"] = 1  # as much as can be published
    client = client_of(app, db, clock, people["evaluator"])
    page = client.get(f"/staff/results/{programme.id}/").get_data(as_text=True)
    addresses = ["/staff/results/", f"/staff/results/{programme.id}/"]
    addresses += re.findall(r'(?:src|href)="(/staff/results/[^"]+)"', page)
    addresses = {a.replace("&amp;", "&") for a in addresses}
    assert len(addresses) >= 2 + 6 + 4
    secrets = [*CODES, *EMAILS, *PHONES, *(p.replace("-", "") for p in PHONES), "hemlig.person"]
    for address in addresses:
        response = client.get(address)
        assert response.status_code == 200, address
        if address.endswith(".xlsx"):
            workbook = openpyxl.load_workbook(io.BytesIO(response.data), read_only=True)
            body = "\n".join(
                str(v) for sheet in workbook for row in sheet.iter_rows(values_only=True) for v in row
            )
        else:
            body = response.get_data(as_text=True)
        found = [s for s in secrets if s in body]
        assert not found, f"{address} shows {found}"


def test_when_one_of_two_key_figures_must_go_self_sufficiency_stays(
    app, db, clock, programme, large_programme
):
    # docs/results.md: at 6 months the hidden counts of studies and sickness compensation are the
    # difference between self-sufficiency and work or studies, so only one of the two can be shown.
    made = publication_of(app, db, large_programme)
    figures = {t.id: {(r.wave, r.group): r.cells for r in t.rows} for t in made.tables}
    for wave in (6, 12):
        whole = figures["self_sufficiency"][(wave, ALL)]
        assert not whole["self_sufficient"].hidden and not whole["self_sufficient_share"].hidden
        assert not figures["reach"][(wave, ALL)]["response_share"].hidden
    assert figures["activity"][(6, ALL)]["studies"].hidden
    assert figures["activity"][(6, ALL)]["sickness_compensation"].hidden
    assert figures["self_sufficiency"][(6, ALL)]["work_or_studies"].hidden
    assert not figures["self_sufficiency"][(12, ALL)]["work_or_studies"].hidden
