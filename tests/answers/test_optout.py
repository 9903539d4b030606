from datetime import timedelta

import pytest

from followup.answers.optout import keyword
from followup.models import Message, Participant
from tests.factories import at, make_participants, make_programme, run_tick

NOW = at(2026, 1, 21)


@pytest.fixture
def sent(app, db, clock, outbox):
    programme = make_programme(db, clock.now())
    make_participants(db, clock.now(), programme, ["E1,2025-07-20,e1@example.org,,sv,G"])
    run_tick(app, db, NOW)
    return outbox.emails()[0]


def test_every_email_carries_a_one_click_opt_out(sent):
    assert sent["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    header = sent["List-Unsubscribe"]
    assert header.startswith("<http://localhost/u/") and header.endswith(">")
    assert header[1:-1] in sent.get_body(("plain",)).get_content()
    assert header[1:-1] in sent.get_body(("html",)).get_content()


def test_the_link_asks_first_then_stops_everything(app, db, client, sent, outbox):
    path = sent["List-Unsubscribe"][1:-1].removeprefix("http://localhost")
    page = client.get(path)
    assert page.status_code == 200 and "Ja, stoppa alla meddelanden" in page.get_data(as_text=True)
    assert Participant.get().opted_out_at is None
    done = client.post(path)
    assert done.status_code == 200 and "stoppade" in done.get_data(as_text=True)
    participant = Participant.get()
    assert participant.opted_out_at is not None and participant.opted_out_channel == "link"
    # No reminder and no later wave reaches an opted-out person.
    for days in (7, 14, 190):
        run_tick(app, db, NOW + timedelta(days=days))
    assert len(outbox.emails()) == 1
    assert "stoppade" in client.get(path).get_data(as_text=True)


def test_rfc8058_one_click_post_needs_no_form_token(client, sent):
    path = sent["List-Unsubscribe"][1:-1].removeprefix("http://localhost")
    done = client.post(path, data={"List-Unsubscribe": "One-Click"})
    assert done.status_code == 200
    assert Participant.get().opted_out_channel == "one-click"


def test_opting_out_cancels_what_is_queued(app, db, client, sent):
    Message.update(state=Message.PENDING).execute()
    client.post(sent["List-Unsubscribe"][1:-1].removeprefix("http://localhost"))
    assert Message.get().state == Message.CANCELLED


def test_an_unknown_opt_out_link_is_404(client, sent):
    assert client.get("/u/" + "B" * 43).status_code == 404
    assert client.post("/u/" + "B" * 43).status_code == 404


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        ("STOP", "stop"),
        ("stopp", "stop"),
        (" Avsluta ", "stop"),
        ("STOPP.", "stop"),
        ("start", "start"),
        ("HJÄLP", "help"),
        ("help me", "help"),
        ("Hej, tack för sist", None),
        ("", None),
    ],
)
def test_sms_keywords(body, expected):
    assert keyword(body) == expected


def _token(link: str) -> str:
    return link.rstrip(">").rsplit("/", 1)[1]


def test_the_opt_out_token_is_not_the_survey_token_and_opens_nothing_else(client, sent, outbox):
    optout = _token(sent["List-Unsubscribe"])
    survey = _token(outbox.links()[0])
    assert optout != survey
    assert client.get(f"/s/{optout}").status_code == 404
    assert client.get("/enkat").status_code == 403


def test_the_survey_token_cannot_opt_out(client, sent, outbox):
    survey = _token(outbox.links()[0])
    assert client.get(f"/u/{survey}").status_code == 404
    assert client.post(f"/u/{survey}", data={"List-Unsubscribe": "One-Click"}).status_code == 404
    assert Participant.get().opted_out_at is None
