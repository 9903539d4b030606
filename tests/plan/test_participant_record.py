"""One participant as a coordinator sees them: masked contact details and the timeline."""

from datetime import timedelta

import pytest

from followup.models import Contact, Invitation, Message, Participant, Wave
from followup.plan.participant_record import (
    TimelineEntry,
    contact_of,
    find_participant,
    mask_email,
    mask_phone,
    timeline,
)
from followup.sending.queueing import message_row
from tests.factories import at, make_two_programmes

NOW = at(2025, 7, 1)


@pytest.mark.parametrize(
    ("email", "shown"),
    [("dana@example.org", "d***@example.org"), ("x@y.se", "x***@y.se"), (None, ""), ("", "")],
)
def test_an_address_shows_its_first_letter_and_domain_only(email, shown):
    assert mask_email(email) == shown


@pytest.mark.parametrize(
    ("phone", "shown"),
    [
        ("+46701740606", "+46 70-*** ** 06"),
        ("+46701234", "+46 70-*** ** 34"),  # the shortest Swedish number shown as one
        ("+4670123", "+46 *** 23"),
        ("+447700900123", "+44 *** 23"),
        (None, ""),
        ("", ""),
    ],
)
def test_a_number_shows_its_country_code_first_digits_and_last_two_only(phone, shown):
    assert mask_phone(phone) == shown


def test_a_code_finds_its_own_programme_s_participant_and_their_contact(db):
    two = make_two_programmes(db, NOW)
    mine, theirs = find_participant(two.a.id, "P1"), find_participant(two.b.id, "P1")
    assert mine.programme_id == two.a.id and theirs.programme_id == two.b.id and mine.id != theirs.id
    assert find_participant(two.a.id, "P3") is None and find_participant(two.b.id, "P2") is None
    assert contact_of(theirs).phone == "+46701740605" and contact_of(mine).phone is None
    Contact.delete().where(Contact.participant == mine).execute()
    assert contact_of(mine) is None and contact_of(theirs) is not None


def follow_up(participant: Participant, months: int) -> Invitation:
    return (
        Invitation.select()
        .join(Wave)
        .where((Invitation.participant == participant) & (Wave.offset_months == months))
        .get()
    )


def test_the_timeline_holds_the_person_s_own_follow_ups_and_messages_oldest_first(db):
    two = make_two_programmes(db, NOW)
    p1 = find_participant(two.b.id, "P1")
    three, twelve = follow_up(p1, 3), follow_up(p1, 12)
    sent = three.due_at + timedelta(hours=2)
    Invitation.update(state=Invitation.ANSWERED, sent_at=sent, answered_at=sent + timedelta(days=2)).where(
        Invitation.id == three.id
    ).execute()
    Invitation.update(state=Invitation.DECLINED, declined_at=twelve.due_at + timedelta(days=1)).where(
        Invitation.id == twelve.id
    ).execute()
    delivered = {**message_row(three.id, 0, "sms", three.due_at), "state": Message.SENT}
    Message.create(**delivered, sent_at=sent, delivery_status="delivered")
    Message.create(**message_row(three.id, 1, "email", sent + timedelta(days=1)))  # waiting: when queued
    other = find_participant(two.a.id, "P1")
    Message.create(**message_row(follow_up(other, 6).id, 0, "email", NOW))
    assert timeline(p1) == [
        TimelineEntry(three.due_at, 3, "planned", None, "answered"),
        TimelineEntry(sent, 3, "invitation", "sms", "delivered"),
        TimelineEntry(sent + timedelta(days=1), 3, "reminder", "email", "pending"),
        TimelineEntry(sent + timedelta(days=2), 3, "answered", None, "answered"),
        TimelineEntry(twelve.due_at, 12, "planned", None, "declined"),
        TimelineEntry(twelve.due_at + timedelta(days=1), 12, "declined", None, "declined"),
    ]


def test_a_participant_without_follow_ups_has_an_empty_timeline(db):
    two = make_two_programmes(db, NOW)
    p3 = find_participant(two.b.id, "P3")
    Invitation.delete().where(Invitation.participant == p3).execute()
    for invitation in Invitation.select():  # everyone else's messages, whatever their invitations' ids
        Message.create(**message_row(invitation.id, 0, "email", NOW))
    assert timeline(p3) == []
