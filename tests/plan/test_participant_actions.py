"""A coordinator's changes to one participant, beside another participant and another programme."""

import re
from datetime import timedelta

import pytest
from peewee import SqliteDatabase

from followup.models import (
    AnswerPair,
    Contact,
    Draft,
    Invitation,
    Message,
    Outcome,
    Participant,
    Programme,
    Quote,
    Response,
    Wave,
)
from followup.plan.participant_actions import (
    ActionRefused,
    change_contact,
    change_language,
    erase_participant,
    open_follow_ups,
    resend_link,
)
from followup.sending.queueing import RESEND, RESEND_INTERVAL, message_row, reminder_messages
from tests.factories import at, make_two_programmes

NOW = at(2025, 7, 1)


def person(programme, code: str) -> Participant:
    return Participant.get((Participant.programme == programme) & (Participant.code == code))


def contacts() -> list[tuple]:
    query = Contact.select(Participant.code, Participant.programme, Contact.email, Contact.phone).join(
        Participant
    )
    return sorted(query.tuples())


def test_a_corrected_address_is_stored_as_typed_in_lower_case_for_this_person_only(db):
    two = make_two_programmes(db, NOW)
    mine = person(two.a, "P1")
    Contact.update(
        email_failed_at=NOW, email_problem="550", phone_failed_at=NOW, phone_problem="21211"
    ).execute()
    later = NOW + timedelta(days=1)
    change_contact(db, later, mine, "email", "  Ny.Adress@Example.ORG ")
    contact = Contact.get(Contact.participant == mine)
    assert (contact.email, contact.email_failed_at, contact.email_problem) == (
        "ny.adress@example.org",
        None,
        None,
    )
    assert (contact.phone_failed_at, contact.phone_problem) == (
        NOW,
        "21211",
    )  # the other channel's mark stays
    assert contact.updated_at == later
    # The same address in the other programme belongs to another person: it is left as it was.
    theirs = Contact.get(Contact.participant == person(two.b, "P1"))
    assert (theirs.email, theirs.email_failed_at) == ("shared@example.org", NOW)


def test_a_corrected_number_is_stored_in_e164_and_its_mark_cleared(db):
    two = make_two_programmes(db, NOW)
    p3 = person(two.b, "P3")
    Contact.update(phone_failed_at=NOW, phone_problem="21211").execute()
    change_contact(db, NOW, p3, "phone", " 070-174 06 09 ")
    contact = Contact.get(Contact.participant == p3)
    assert (contact.phone, contact.phone_failed_at, contact.phone_problem) == ("+46701740609", None, None)
    assert Contact.get(Contact.participant == person(two.b, "P1")).phone_failed_at == NOW


@pytest.mark.parametrize(
    ("field", "value", "reason"),
    [
        ("name", "Dana", "Choose the e-mail address or the phone number."),
        ("email", "   ", "Write the new e-mail address."),
        ("phone", "", "Write the new phone number."),
        ("email", "dana.example.org", "The e-mail address is not valid: write it like name@example.org."),
        (
            "phone",
            "070-ABC",
            "The phone number may hold only digits, spaces, -, ( ) and a leading + (no letters).",
        ),
    ],
)
def test_a_change_that_cannot_be_stored_is_refused_with_why(db, field, value, reason):
    two = make_two_programmes(db, NOW)
    before = contacts()
    with pytest.raises(ActionRefused, match=f"^{re.escape(reason)}$"):
        change_contact(db, NOW, person(two.a, "P2"), field, value)
    assert contacts() == before


def test_no_contact_is_stored_for_someone_whose_details_are_gone(db):
    two = make_two_programmes(db, NOW)
    p2 = person(two.a, "P2")
    Contact.delete().where(Contact.participant == p2).execute()
    with pytest.raises(ActionRefused, match=r"^No contact details are kept any more\.$"):
        change_contact(db, NOW, p2, "email", "p2.ny@example.org")
    assert Contact.select().where(Contact.participant == p2).count() == 0


def test_the_language_changes_for_this_person_and_says_whether_it_did(db):
    two = make_two_programmes(db, NOW)
    # Their answers are grouped by the new language too (the non-response view); nobody else's.
    for one in (person(two.a, "P1"), person(two.a, "P2"), person(two.b, "P1")):
        answered = due(one, 12)
        Outcome.create(invitation=answered, who5=60, wave=answered.wave_id, language=one.language)
    assert change_language(db, person(two.a, "P1"), "en") is True
    assert change_language(db, person(two.a, "P1"), "en") is False
    languages = {(p.programme_id, p.code): p.language for p in Participant.select()}
    assert languages == {
        (two.a.id, "P1"): "en",
        (two.a.id, "P2"): "sv",
        (two.b.id, "P1"): "sv",
        (two.b.id, "P3"): "en",
    }
    answers = (
        Outcome.select(Participant.programme, Participant.code, Outcome.language)
        .join(Invitation)
        .join(Participant)
    )
    assert sorted(answers.tuples()) == sorted(
        [(two.a.id, "P1", "en"), (two.a.id, "P2", "sv"), (two.b.id, "P1", "sv")]
    )
    with pytest.raises(ActionRefused, match=r"^The language must be sv or en\.$"):
        change_language(db, person(two.a, "P2"), "de")
    assert person(two.a, "P2").language == "sv"


def due(participant: Participant, months: int) -> Invitation:
    return (
        Invitation.select()
        .join(Wave)
        .where((Invitation.participant == participant) & (Wave.offset_months == months))
        .get()
    )


def test_the_follow_ups_open_now_are_those_due_by_now_and_not_closed_or_answered(db):
    two = make_two_programmes(db, NOW)
    p1 = person(two.b, "P1")  # waves at 3 and 12 months, 30 days to answer
    three, twelve = due(p1, 3), due(p1, 12)
    assert open_follow_ups(p1, three.due_at - timedelta(seconds=1)) == []
    assert open_follow_ups(p1, three.due_at) == [3]  # from the instant it falls due
    assert open_follow_ups(p1, three.expires_at - timedelta(seconds=1)) == [3]
    assert open_follow_ups(p1, three.expires_at) == []  # from the instant it closes
    # Both open at once (the 3-month window moved on): listed by months.
    Invitation.update(expires_at=twelve.expires_at).where(Invitation.id == three.id).execute()
    assert open_follow_ups(p1, twelve.due_at) == [3, 12]
    Invitation.update(state=Invitation.SENT).where(Invitation.id == three.id).execute()
    assert open_follow_ups(p1, twelve.due_at) == [3, 12]
    Invitation.update(state=Invitation.ANSWERED).where(Invitation.id == twelve.id).execute()
    assert open_follow_ups(p1, twelve.due_at) == [3]
    assert open_follow_ups(person(two.a, "P1"), twelve.due_at) == [12]  # the other programme's P1: their own
    Participant.update(opted_out_at=NOW).where(Participant.id == p1.id).execute()
    assert open_follow_ups(Participant.get_by_id(p1.id), twelve.due_at) == []


@pytest.fixture
def sent(db):
    """Steget Fram's P1 (e-mail and SMS) at an hour after their 3-month invitation went out by e-mail."""
    two = make_two_programmes(db, NOW)
    p1 = person(two.b, "P1")
    three = due(p1, 3)
    Invitation.update(state=Invitation.SENT, sent_at=three.due_at).where(Invitation.id == three.id).execute()
    Message.create(**{**message_row(three.id, 0, "email", three.due_at), "state": Message.SENT})
    return p1, Invitation.get_by_id(three.id), three.due_at + timedelta(hours=1)


def resent() -> list[tuple]:
    return [
        (m.invitation_id, m.channel, m.state, m.created_at)
        for m in Message.select().where(Message.kind == RESEND)
    ]


def test_a_fresh_link_goes_again_now_by_each_working_channel(db, sent):
    p1, three, now = sent
    assert resend_link(db, now, p1, 3) == ["email", "sms"]
    assert resent() == [(three.id, "email", Message.PENDING, now), (three.id, "sms", Message.PENDING, now)]
    Message.update(state=Message.SENT).where(Message.kind == RESEND).execute()
    with pytest.raises(ActionRefused, match="less than 10 minutes ago; wait"):
        resend_link(db, now + RESEND_INTERVAL - timedelta(seconds=1), p1, 3)
    Contact.update(email_failed_at=now).where(Contact.participant == p1).execute()
    assert resend_link(db, now + RESEND_INTERVAL, p1, 3) == ["sms"]  # from that instant; the e-mail failed
    assert len(resent()) == 3


def test_a_fresh_link_leaves_the_reminder_to_come_as_planned(db, sent):
    p1, three, now = sent
    resend_link(db, now, p1, 3)
    Message.update(state=Message.SENT).where(Message.kind == RESEND).execute()
    # Steget Fram reminds 3 days after the invitation: a fresh link meanwhile is no reminder.
    reminders = reminder_messages(three.sent_at + timedelta(days=3))
    assert [(r["invitation"], r["sequence"], r["channel"]) for r in reminders] == [
        (three.id, 1, "email"),
        (three.id, 1, "sms"),
    ]


def test_a_fresh_link_to_someone_who_stopped_sms_goes_by_e_mail_only(db, sent):
    p1, three, now = sent
    Participant.update(sms_opted_out_at=now).where(Participant.id == p1.id).execute()
    assert resend_link(db, now, p1, 3) == ["email"]
    assert [(channel, state) for _, channel, state, _ in resent()] == [("email", Message.PENDING)]


@pytest.mark.parametrize(
    ("situation", "reason"),
    [
        ("no wave", "This participant has no 6-month follow-up."),
        ("opted out", "This participant has opted out; no more messages go to them."),
        ("answered", "This follow-up is answered already; no new link is needed."),
        ("declined", "The participant chose to skip this follow-up; no new link is sent."),
        ("expired", "This follow-up has closed; a new link would not open the survey."),
        ("closed", "This follow-up has closed; a new link would not open the survey."),
        ("not open", "This follow-up has not opened yet; its invitation goes out when it does."),
        ("waiting", "A message for this follow-up is already waiting to go out."),
        ("sending", "A message for this follow-up is already waiting to go out."),
        ("no channel", "No working e-mail address or phone number: correct the contact details first."),
        ("no contact", "No working e-mail address or phone number: correct the contact details first."),
        ("not gone out", "The invitation has not gone out yet; it goes with the next send."),
    ],
)
def test_a_fresh_link_that_would_not_help_is_refused_with_why(db, sent, situation, reason):
    p1, three, now = sent
    months = {"no wave": 6, "not open": 12}.get(situation, 3)
    if situation in ("answered", "declined", "expired"):
        Invitation.update(state=situation).where(Invitation.id == three.id).execute()
    elif situation == "closed":
        now = three.expires_at
    elif situation == "opted out":  # meanwhile: the page's participant is older than the opt-out
        Participant.update(opted_out_at=now).where(Participant.id == p1.id).execute()
    elif situation in ("waiting", "sending"):
        state = Message.PENDING if situation == "waiting" else Message.SENDING
        Message.create(**{**message_row(three.id, 1, "email", now), "state": state})
    elif situation == "no channel":
        Contact.update(email_failed_at=now, phone_failed_at=now).where(Contact.participant == p1).execute()
    elif situation == "no contact":
        Contact.delete().where(Contact.participant == p1).execute()
    elif situation == "not gone out":
        Message.delete().execute()
        Invitation.update(state=Invitation.SCHEDULED).where(Invitation.id == three.id).execute()
    before = sorted(Message.select(Message.key, Message.state).tuples())
    with pytest.raises(ActionRefused, match=f"^{re.escape(reason)}$"):
        resend_link(db, now, p1, months)
    assert sorted(Message.select(Message.key, Message.state).tuples()) == before


def test_a_fresh_link_is_the_person_s_own_follow_up(db, sent):
    p1, three, now = sent
    other = person(Programme.get(Programme.name == "Steget"), "P1")  # the same address, another programme
    with pytest.raises(ActionRefused, match="no 3-month follow-up"):
        resend_link(db, now, other, 3)
    p3 = person(Programme.get(Programme.name == "Steget Fram"), "P3")
    with pytest.raises(ActionRefused, match="has not opened yet"):
        resend_link(db, now, p3, 3)  # P3's 3-month follow-up is later than P1's
    assert resent() == []


def kept_ids(participant: Participant) -> dict[str, list[int]]:
    invitations = [i.id for i in Invitation.select().where(Invitation.participant == participant)]
    return {
        "invitations": invitations,
        "responses": [r.id for r in Response.select().where(Response.invitation.in_(invitations))],
        "outcomes": [o.id for o in Outcome.select().where(Outcome.invitation.in_(invitations))],
    }


def kept_about(participant: Participant, ids: dict | None = None) -> dict[str, int]:
    """Count what is kept about a person, by the ids their rows had (`ids`: taken before erasing)."""
    ids = ids or kept_ids(participant)
    counts = {
        m.__name__: m.select().where(m.invitation.in_(ids["invitations"])).count()
        for m in (Message, Draft, Outcome, Response)
    }
    counts["Quote"] = Quote.select().where(Quote.response.in_(ids["responses"])).count()
    outcomes = ids["outcomes"]
    pairs = AnswerPair.select().where(AnswerPair.earlier.in_(outcomes) | AnswerPair.later.in_(outcomes))
    counts["AnswerPair"] = pairs.count()
    counts["Invitation"] = Invitation.select().where(Invitation.id.in_(ids["invitations"])).count()
    counts["Contact"] = Contact.select().where(Contact.participant == participant).count()
    counts["Participant"] = Participant.select().where(Participant.id == participant.id).count()
    return counts


@pytest.fixture(params=["cascades", "no cascades"])
def cascades(request, db):
    """Whether the database deletes what hangs on a deleted row: erasure must not rest on it."""
    if request.param == "cascades":
        yield True
        return
    off, on = (
        ("PRAGMA foreign_keys = OFF", "PRAGMA foreign_keys = ON")
        if isinstance(db, SqliteDatabase)
        else ("SET session_replication_role = replica", "SET session_replication_role = DEFAULT")
    )
    db.execute_sql(off)
    yield False
    db.execute_sql(on)


def test_erasing_takes_everything_kept_about_the_person_and_nothing_else(db, cascades):
    two = make_two_programmes(db, NOW)
    people = [person(two.a, "P1"), person(two.b, "P1")]
    for one in people:
        first = due(one, 12)
        Message.create(**message_row(first.id, 0, "email", NOW))
        Draft.create(invitation=first, answers="{}", updated_at=NOW)
        Outcome.create(invitation=first, who5=60, wave=first.wave_id, language="sv")
        answered = Response.create(
            invitation=first, survey="standard", survey_version=3, submitted_at=NOW, answers="{}"
        )
        Quote.create(
            response=answered, programme=one.programme_id, wave=first.wave_id, submitted_text=one.code
        )
        second = Invitation.get((Invitation.participant == one) & (Invitation.id != first.id))
        later = Outcome.create(invitation=second, who5=68, wave=second.wave_id, language="sv")
        earlier = Outcome.get(Outcome.invitation == first)
        AnswerPair.create(
            earlier=earlier, later=later, first_wave=first.wave_id, second_wave=second.wave_id, change=8
        )
    erased, kept = people
    ids = kept_ids(erased)
    before = kept_about(kept)
    assert all(kept_about(erased).values()) and all(before.values())
    with pytest.raises(
        ActionRefused, match=r"^The code typed is not this participant's; nothing was erased\.$"
    ):
        erase_participant(db, erased, "P2")
    assert all(kept_about(erased).values())
    erase_participant(db, erased, " P1 ")
    assert not any(kept_about(erased, ids).values())
    assert kept_about(kept) == before


def test_a_fresh_link_may_follow_an_invitation_whose_message_failed(db, sent):
    p1, three, now = sent
    # The invitation never went out: its only message failed, and it is still scheduled.
    Message.update(state=Message.FAILED).execute()
    Invitation.update(state=Invitation.SCHEDULED, sent_at=None).where(Invitation.id == three.id).execute()
    assert resend_link(db, now, p1, 3) == ["email", "sms"]


def test_a_fresh_link_from_the_instant_its_follow_up_opens_whatever_waits_for_others(db, sent):
    p1, three, _now = sent
    # Another person's message waiting, and another's link resent a minute ago, hold nobody else's.
    other = due(person(Programme.get(Programme.name == "Steget Fram"), "P3"), 3)
    Message.create(**{**message_row(other.id, 0, "email", three.due_at), "state": Message.PENDING})
    Message.create(**{**message_row(other.id, 1, "sms", three.due_at), "kind": RESEND, "state": Message.SENT})
    assert resend_link(db, three.due_at, p1, 3) == ["email", "sms"]
