from datetime import timedelta

import pytest

from followup.answers.optout import cancel_pending, keyword, opt_in_sms, opt_out, opt_out_sms, opted_out_at
from followup.models import Invitation, Message, Participant
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
        ("Jax här", None),  # a keyword only as a whole word: a name ending in X is not "ja"
        ("Xstop", None),
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


@pytest.fixture
def three(app, db, clock, outbox):
    """Three people with e-mail and SMS queued but not sent; P1 and P2 share a phone number."""
    programme = make_programme(db, clock.now(), channel_policy="both")
    make_participants(
        db,
        clock.now(),
        programme,
        [
            "P1,2025-07-20,a@example.org,+46701740605,sv,G",
            "P2,2025-07-20,b@example.org,+46701740605,sv,G",
            "P3,2025-07-20,c@example.org,+46701740606,sv,G",
        ],
    )
    run_tick(app, db, NOW)
    Message.update(state=Message.PENDING).execute()
    return {p.code: p.id for p in Participant.select()}


def pending(code):
    """Return the channels of a person's messages still waiting to be sent."""
    return sorted(
        m.channel
        for m in Message.select()
        .join(Invitation)
        .join(Participant)
        .where(Participant.code == code, Message.state == Message.PENDING)
    )


def test_opting_out_stops_that_person_only_and_only_once(app, db, three):
    assert pending("P1") == ["email", "sms"]
    assert opt_out(db, three["P1"], NOW, "link")
    assert not opt_out(db, three["P1"], NOW + timedelta(days=1), "one-click")
    assert opted_out_at(three["P1"]) == NOW and Participant.get_by_id(three["P1"]).opted_out_channel == "link"
    assert opted_out_at(three["P2"]) is None and opted_out_at(999_999) is None
    assert (pending("P1"), pending("P2")) == ([], ["email", "sms"])


def test_an_sms_stop_stops_sms_to_everyone_with_that_number_only(app, db, three):
    assert opt_out_sms(db, "+46701740605", NOW) == 2
    assert opt_out_sms(db, "+46701740605", NOW + timedelta(days=1)) == 0
    stopped = {p.code: p.sms_opted_out_at for p in Participant.select()}
    assert stopped == {"P1": NOW, "P2": NOW, "P3": None}
    assert (pending("P1"), pending("P2"), pending("P3")) == (["email"], ["email"], ["email", "sms"])
    assert opt_in_sms(db, "+46701740605") == 2
    assert [p.sms_opted_out_at for p in Participant.select()] == [None, None, None]


def test_an_sms_start_allows_that_number_only(app, db, three):
    opt_out_sms(db, "+46701740605", NOW)
    opt_out_sms(db, "+46701740606", NOW)
    assert opt_in_sms(db, "+46701740606") == 1
    assert {p.code: p.sms_opted_out_at for p in Participant.select()} == {"P1": NOW, "P2": NOW, "P3": None}


def test_only_messages_not_yet_sent_are_cancelled(app, db, three):
    Message.update(state=Message.SENT).where(Message.channel == "email").execute()
    assert cancel_pending(three["P1"]) == 1
    assert Message.select().where(Message.state == Message.SENT).count() == 3
