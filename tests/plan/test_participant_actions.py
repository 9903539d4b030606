"""A coordinator's changes to one participant, beside another participant and another programme."""

from datetime import timedelta

import pytest

from followup.models import Contact, Invitation, Participant, Wave
from followup.plan.participant_actions import ActionRefused, change_contact, change_language, open_follow_ups
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
        ("email", "dana.example.org", "The e-mail address is not valid"),
        ("phone", "070-ABC", "may hold only digits"),
    ],
)
def test_a_change_that_cannot_be_stored_is_refused_with_why(db, field, value, reason):
    two = make_two_programmes(db, NOW)
    before = contacts()
    with pytest.raises(ActionRefused, match=reason):
        change_contact(db, NOW, person(two.a, "P2"), field, value)
    assert contacts() == before


def test_no_contact_is_stored_for_someone_whose_details_are_gone(db):
    two = make_two_programmes(db, NOW)
    p2 = person(two.a, "P2")
    Contact.delete().where(Contact.participant == p2).execute()
    with pytest.raises(ActionRefused, match="No contact details are kept any more"):
        change_contact(db, NOW, p2, "email", "p2.ny@example.org")
    assert Contact.select().where(Contact.participant == p2).count() == 0


def test_the_language_changes_for_this_person_and_says_whether_it_did(db):
    two = make_two_programmes(db, NOW)
    assert change_language(db, person(two.a, "P1"), "en") is True
    assert change_language(db, person(two.a, "P1"), "en") is False
    languages = {(p.programme_id, p.code): p.language for p in Participant.select()}
    assert languages == {
        (two.a.id, "P1"): "en",
        (two.a.id, "P2"): "sv",
        (two.b.id, "P1"): "sv",
        (two.b.id, "P3"): "en",
    }
    with pytest.raises(ActionRefused, match="sv or en"):
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
