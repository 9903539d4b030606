"""The review of quotes: coordinators see consented comments alone, and only approved text reaches
the results (page, CSV, XLSX, JSON); comments without consent appear on no page and in no file."""

import csv
import io
import json

import openpyxl
import pytest

from followup.answers.responses import record_response
from followup.answers.surveys import load_surveys
from followup.models import AuditEvent, Invitation, Participant, Programme, Quote, Role, Wave
from tests.factories import at, csrf_of, make_participants, make_programme, make_user, sign_in

SURVEY = load_surveys()["standard"][3]
COMPLETE = {
    "main_activity": "studies",
    "social_assistance": "no",
    **{f"who5_{n}": 3 for n in range(1, 6)},
    "next_step_start": "within_a_month",
    "programme_helped": "very_much",
}
CODES = [f"QK-{i}-77" for i in range(1, 8)]
CONSENTED = "Anna på kontoret i Kiruna gav mig modet tillbaka."
EDITED = "[Handledaren] gav mig modet tillbaka."
LATER = "Tolv månader senare: tack för allt."
REFUSED = "HEMLIG-KOMMENTAR utan samtycke"
UNASKED = "OBESVARAD-KOMMENTAR utan svar om citat"
# At 6 months five people answer (enough to name the wave), at 12 months one (not enough).
GIVEN = {
    (CODES[0], 6): {"comment": CONSENTED, "quote_consent": "yes"},
    (CODES[1], 6): {"comment": REFUSED, "quote_consent": "no"},
    (CODES[2], 6): {"comment": UNASKED},
    (CODES[3], 6): {},
    (CODES[4], 6): {},
    (CODES[5], 12): {"comment": LATER, "quote_consent": "yes"},
}
SECRETS = [*CODES, REFUSED, UNASKED, "2026-01-21", "2026-07-21", "Grupp A"]


@pytest.fixture(autouse=True)
def english(app):
    app.config["LANGUAGE"] = "en"


@pytest.fixture
def steget(app, db, clock):
    """Steget with the answers of GIVEN; Basen; Cora coordinates Steget, Bert Basen, Eva evaluates Steget."""
    programme = make_programme(db, clock.now(), "Steget", offsets=[6, 12])
    rows = [f"{code},2025-07-20,p{i}@example.org,,sv,Grupp A" for i, code in enumerate(CODES)]
    make_participants(db, clock.now(), programme, rows)
    for (code, months), given in GIVEN.items():
        invitation = (
            Invitation.select()
            .join(Participant)
            .switch(Invitation)
            .join(Wave)
            .where(Participant.code == code, Wave.offset_months == months)
            .get()
        )
        moment = at(2026, 1, 21) if months == 6 else at(2026, 7, 21)
        record_response(db, invitation.id, SURVEY, {**COMPLETE, **given}, moment)
    basen = make_programme(db, clock.now(), "Basen")
    make_user(db, clock.now(), "cora@example.org", Role.COORDINATOR, programme)
    make_user(db, clock.now(), "bert@example.org", Role.COORDINATOR, basen)
    make_user(db, clock.now(), "eva@example.org", Role.EVALUATOR, programme)
    clock.set(at(2026, 9, 1))
    return programme


def client_of(app, email):
    client = app.test_client()
    assert sign_in(client, email).status_code == 303
    return client


def quote_of(text):
    return Quote.get(Quote.submitted_text == text)


def review_page(client, programme):
    return client.get(f"/staff/programmes/{programme.id}/quotes")


def approve(client, programme, quote_id, text, token=None):
    token = token or csrf_of(review_page(client, programme))
    return client.post(
        f"/staff/programmes/{programme.id}/quotes/{quote_id}/approve",
        data={"csrf_token": token, "text": text},
    )


def reject(client, programme, quote_id, token=None):
    token = token or csrf_of(review_page(client, programme))
    return client.post(
        f"/staff/programmes/{programme.id}/quotes/{quote_id}/reject", data={"csrf_token": token}
    )


def everything_the_evaluator_gets(app, programme) -> dict[str, str]:
    """The results page and every download, as text."""
    eva = client_of(app, "eva@example.org")
    base = f"/staff/results/{programme.id}"
    found = {"page": eva.get(f"{base}/").get_data(as_text=True)}
    for name, query in (("csv", "?language=sv"), ("csv-en", "?language=en&separator=comma")):
        found[name] = eva.get(f"{base}/download.csv{query}").data.decode("utf-8-sig")
    found["json"] = eva.get(f"{base}/download.json").get_data(as_text=True)
    book = openpyxl.load_workbook(io.BytesIO(eva.get(f"{base}/download.xlsx").data), read_only=True)
    found["xlsx"] = "\n".join(
        "\t".join("" if v is None else str(v) for v in row)
        for sheet in book
        for row in [(sheet.title,), *sheet.iter_rows(values_only=True)]
    )
    return found


def test_the_review_page_shows_consented_comments_alone(app, steget):
    page = review_page(client_of(app, "cora@example.org"), steget)
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert CONSENTED in html and LATER in html
    assert "Comment 1, 6 months after leaving" in html and "12 months after leaving" in html
    assert "Waiting for review (2)" in html and "No quote is approved yet." in html
    found = [secret for secret in SECRETS if secret in html]
    assert not found, f"the review page shows {found}"
    # No other answer of the same responses: the activity, WHO-5 or the programme's help.
    for answer in ("Studier", "Studies", "Very much", "Mycket", "Within a month"):
        assert answer not in html
    assert f'href="/staff/programmes/{steget.id}/quotes" aria-current="page"' in html


def test_an_approved_edit_is_what_the_evaluator_sees_everywhere_and_the_audit_keeps_no_text(app, steget):
    cora = client_of(app, "cora@example.org")
    quote = quote_of(CONSENTED)
    response = approve(cora, steget, quote.id, f"  {EDITED}  ")
    assert response.status_code == 303 and response.headers["Location"].endswith(f"/{steget.id}/quotes")
    after = cora.get(response.headers["Location"]).get_data(as_text=True)
    assert "The quote is approved: it appears in the results." in after
    assert "Waiting for review (1)" in after and "Approved quotes (1)" in after and EDITED in after
    event = AuditEvent.get(AuditEvent.action == "quote.approved")
    assert event.programme_id == steget.id and event.participant_code is None
    assert json.loads(event.details) == {"quote": quote.id, "edited": True}
    assert "Kiruna" not in event.details and "Handledaren" not in event.details

    files = everything_the_evaluator_gets(app, steget)
    page = files["page"]
    section = page[
        page.index('<section id="quotes"') : page.index("</section>", page.index('<section id="quotes"'))
    ]
    assert EDITED in section and "6 months after leaving" in section
    assert "In their own words" in page and 'href="#quotes"' in page
    assert json.loads(files["json"])["quotes"] == [{"wave": 6, "text": EDITED}]
    rows = list(csv.reader(io.StringIO(files["csv"]), delimiter=";"))
    at_title = rows.index(["Med egna ord"])
    assert rows[at_title + 2][1] == "Citat"
    assert rows[at_title + 3] == ["6", EDITED]
    assert ["6", EDITED] in list(csv.reader(io.StringIO(files["csv-en"])))
    assert "In their own words\n" in files["xlsx"] and f"6\t{EDITED}" in files["xlsx"]
    for name, body in files.items():
        assert "Kiruna" not in body, name  # the words as written stay with the review
        found = [secret for secret in SECRETS if secret in body]
        assert not found, f"{name} shows {found}"


def test_a_wave_with_too_few_answers_is_not_named(app, steget):
    cora = client_of(app, "cora@example.org")
    assert approve(cora, steget, quote_of(LATER).id, LATER).status_code == 303
    event = AuditEvent.get(AuditEvent.action == "quote.approved")
    assert json.loads(event.details) == {"quote": quote_of(LATER).id, "edited": False}
    files = everything_the_evaluator_gets(app, steget)
    assert json.loads(files["json"])["quotes"] == [{"wave": None, "text": LATER}]
    page = files["page"]
    section = page[
        page.index('<section id="quotes"') : page.index("</section>", page.index('<section id="quotes"'))
    ]
    assert LATER in section and "months after leaving" not in section


def test_a_rejected_quote_appears_nowhere_and_an_approved_one_can_be_withdrawn(app, steget):
    cora = client_of(app, "cora@example.org")
    assert approve(cora, steget, quote_of(LATER).id, LATER).status_code == 303
    for text in (CONSENTED, LATER):
        response = reject(cora, steget, quote_of(text).id)
        assert response.status_code == 303
    after = cora.get(f"/staff/programmes/{steget.id}/quotes").get_data(as_text=True)
    assert "The quote is rejected: it appears nowhere." in after
    assert CONSENTED not in after and LATER not in after and "No comment is waiting for review." in after
    assert [
        json.loads(e.details) for e in AuditEvent.select().where(AuditEvent.action == "quote.rejected")
    ] == [
        {"quote": quote_of(CONSENTED).id},
        {"quote": quote_of(LATER).id},
    ]
    for name, body in everything_the_evaluator_gets(app, steget).items():
        assert CONSENTED not in body and LATER not in body, name
    page = everything_the_evaluator_gets(app, steget)["page"]
    assert "No quote has been approved yet." in page


def test_an_empty_text_is_refused_with_the_coordinators_words_kept(app, steget):
    cora = client_of(app, "cora@example.org")
    quote = quote_of(CONSENTED)
    refused = approve(cora, steget, quote.id, "   ")
    assert refused.status_code == 400
    html = refused.get_data(as_text=True)
    assert "Write the text to publish, or reject the quote." in html
    assert f'aria-describedby="quote-{quote.id}-text-error"' in html
    assert Quote.get_by_id(quote.id).state == Quote.WAITING
    assert not AuditEvent.select().where(AuditEvent.action.startswith("quote.")).exists()


def test_only_the_programmes_coordinators_review_its_quotes(app, steget):
    quote = quote_of(CONSENTED)
    bert, eva = client_of(app, "bert@example.org"), client_of(app, "eva@example.org")
    for outsider in (bert, eva):
        token = csrf_of(outsider.get("/staff/sign-in"))
        assert review_page(outsider, steget).status_code == 404
        assert approve(outsider, steget, quote.id, "Kapat", token).status_code == 404
        assert reject(outsider, steget, quote.id, token).status_code == 404
    basen = Programme.get(Programme.name == "Basen").id
    cora = client_of(app, "cora@example.org")
    token = csrf_of(review_page(cora, steget))
    assert cora.get(f"/staff/programmes/{basen}/quotes").status_code == 404
    # Steget's quote under Bert's own programme: not found there either.
    bert_token = csrf_of(bert.get(f"/staff/programmes/{basen}/quotes"))
    assert (
        bert.post(
            f"/staff/programmes/{basen}/quotes/{quote.id}/approve",
            data={"csrf_token": bert_token, "text": "x"},
        ).status_code
        == 404
    )
    assert approve(cora, steget, quote.id + 100, "x", token).status_code == 404
    assert approve(cora, steget, quote.id, "x", "forged").status_code == 400
    assert (
        Quote.get_by_id(quote.id).state == Quote.WAITING and Quote.get_by_id(quote.id).approved_text is None
    )
