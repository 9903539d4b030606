"""The report is computed once for a page, its charts and its files, and again after a new answer;
the files are streamed, with the same content the writers produce."""

import io
import json

import openpyxl

from followup.answers.responses import record_response
from followup.models import AuditEvent, Invitation, Participant, Wave
from followup.results.charts import CHARTED
from followup.results.exports import as_json, write_csv, write_xlsx
from followup.results.reporting import ReportCache, assumptions_for, data_version, make_report
from tests.web.evaluator.conftest import CODES, SURVEY, answers_of
from tests.web.evaluator.test_results_pages import client_of, publication_of


def cache_of(app) -> ReportCache:
    return app.extensions["results_cache"]


def test_a_page_its_charts_and_its_files_compute_the_report_once(app, db, clock, programme, people):
    client = client_of(app, db, clock, people["evaluator"])
    base = f"/staff/results/{programme.id}"
    page = client.get(f"{base}/")
    assert page.status_code == 200
    for table_id in CHARTED:
        assert f"{base}/charts/{table_id}.svg" in page.get_data(as_text=True)
        assert client.get(f"{base}/charts/{table_id}.svg").status_code == 200
    for fmt in ("csv", "xlsx", "json"):
        for language in ("sv", "en"):
            with client.get(f"{base}/download.{fmt}?language={language}") as response:
                assert response.status_code == 200
    assert client.get(f"{base}/").status_code == 200
    assert cache_of(app).computed == 1


def test_a_new_answer_changes_the_figures_at_once(app, db, clock, programme, people):
    client = client_of(app, db, clock, people["evaluator"])
    url = f"/staff/results/{programme.id}/download.json?language=en"

    def figures(response) -> dict:
        with response:
            document = json.loads(response.get_data(as_text=True))
        document.pop("made_at")
        return document

    def fresh() -> dict:
        with app.test_request_context():
            document = json.loads(as_json(publication_of(app, db, programme), "en"))
        document.pop("made_at")
        return document

    before = figures(client.get(url))
    assert before == fresh()
    assert figures(client.get(url)) == before and cache_of(app).computed == 1
    # The one person who has answered neither wave answers the 12-month survey, still open.
    invitation = (
        Invitation.select()
        .join(Participant)
        .switch(Invitation)
        .join(Wave)
        .where(Participant.code == CODES[7], Wave.offset_months == 12)
        .get()
    )
    record_response(db, invitation.id, SURVEY, answers_of(("work", "no", 4)), clock.now())
    after = figures(client.get(url))
    assert cache_of(app).computed == 2
    assert after != before and after == fresh()


def test_the_cache_keeps_a_bounded_number_of_reports(app, db, clock, programme):
    cache = ReportCache(entries=2, seconds=60)
    with app.app_context():
        for threshold in (3, 4, 5, 3):
            cache.report(db, programme, clock.now(), threshold, assumptions_for(programme, 4620, 12))
    # 3 was pushed out by 4 and 5, so it was computed again.
    assert cache.computed == 4 and len(cache._found) == 2


def test_downloads_are_streamed_with_the_writers_content(app, db, clock, programme, people):
    client = client_of(app, db, clock, people["evaluator"])
    base = f"/staff/results/{programme.id}/download"
    with app.app_context():
        assumptions = assumptions_for(programme, 4620, 12)
        publication = make_report(
            db, programme, clock.now(), app.config["SUPPRESSION_THRESHOLD"], assumptions
        )

    for language, separator, query in (("sv", ";", ""), ("en", ",", "&separator=comma")):
        response = client.get(f"{base}.csv?language={language}{query}")
        assert response.is_streamed
        expected = io.StringIO()
        with app.test_request_context():
            write_csv(publication, expected, language, separator)
        assert response.get_data().decode("utf-8") == expected.getvalue()
        response.close()  # as a server does once a response is sent

    with client.get(f"{base}.json?language=en") as response:
        assert response.is_streamed
        streamed = response.get_data().decode("utf-8")
    with app.test_request_context():
        assert streamed == as_json(publication, "en")

    with client.get(f"{base}.xlsx?language=sv") as response:
        assert response.is_streamed
        streamed = response.get_data()
    expected = io.BytesIO()
    with app.test_request_context():
        write_xlsx(publication, expected, "sv")
    got = openpyxl.load_workbook(io.BytesIO(streamed), read_only=True)
    want = openpyxl.load_workbook(io.BytesIO(expected.getvalue()), read_only=True)
    assert got.sheetnames == want.sheetnames
    for name in want.sheetnames:
        assert list(got[name].values) == list(want[name].values), name


def test_the_data_version_sees_staff_actions_but_not_downloads(app, db, clock, programme, people):
    with app.app_context():
        before = data_version(db)
        AuditEvent.create(at=clock.now(), action="results.downloaded", programme=programme)
        assert data_version(db) == before
        AuditEvent.create(at=clock.now(), action="participant.erased", programme=programme)
        assert data_version(db) != before
