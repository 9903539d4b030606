import pytest

from followup.models import Contact, Invitation, Message, Participant
from followup.sending.tracking import record_status
from tests.factories import at, make_participants, make_programme, run_tick

NOW = at(2026, 1, 21)
LATER = at(2026, 1, 22)


@pytest.fixture
def texts(app, db, clock):
    """Two people with an SMS each, sent with the provider references SM-P1 and SM-P2."""
    programme = make_programme(db, clock.now(), channel_policy="both")
    make_participants(
        db,
        clock.now(),
        programme,
        ["P1,2025-07-20,p1@example.org,+46701740605,sv,G", "P2,2025-07-20,p2@example.org,+46701740606,sv,G"],
    )
    run_tick(app, db, NOW)
    for message in Message.select().where(Message.channel == "sms"):
        code = Participant.get_by_id(Invitation.get_by_id(message.invitation_id).participant_id).code
        Message.update(state=Message.SENT, provider_ref=f"SM-{code}").where(
            Message.id == message.id
        ).execute()


def sms(code):
    return Message.get(Message.provider_ref == f"SM-{code}")


def contact(code):
    return Contact.select().join(Participant).where(Participant.code == code).get()


def test_a_report_about_an_unknown_message_changes_nothing(app, db, texts):
    assert not record_status(db, "SM-unknown", "delivered", None, LATER)
    assert {m.state for m in Message.select().where(Message.channel == "sms")} == {Message.SENT}


def test_a_report_moves_that_message_only(app, db, texts):
    assert record_status(db, "SM-P1", "delivered", None, LATER)
    assert (sms("P1").state, sms("P1").delivery_status, sms("P1").status_at) == (
        Message.DELIVERED,
        "delivered",
        LATER,
    )
    assert (sms("P2").state, sms("P2").delivery_status) == (Message.SENT, None)


@pytest.mark.parametrize(
    ("status", "code", "error"),
    [("failed", "30008", "Twilio 30008: failed"), ("undelivered", None, "Twilio ?: undelivered")],
)
def test_a_failure_says_what_the_provider_said(app, db, texts, status, code, error):
    record_status(db, "SM-P1", status, code, LATER)
    assert (sms("P1").state, sms("P1").error) == (Message.FAILED, error)


def test_a_temporary_failure_leaves_the_number_in_use(app, db, texts):
    record_status(db, "SM-P1", "undelivered", "30008", LATER)
    assert contact("P1").phone_failed_at is None


def test_a_dead_number_is_marked_for_that_person_only(app, db, texts):
    record_status(db, "SM-P1", "failed", "30005", LATER)
    assert (contact("P1").phone_failed_at, contact("P1").phone_problem) == (LATER, "Twilio 30005")
    assert (contact("P2").phone_failed_at, contact("P2").phone_problem) == (None, None)
