from datetime import date, timedelta

import pytest

from followup.models import Contact, Invitation, Message, Participant
from followup.sending.queueing import insert_messages, invitation_messages, reminder_messages
from tests.factories import at, make_participant, make_participants, make_programme, run_tick

MICROSECOND = timedelta(microseconds=1)


def queued(rows):
    """Who gets what: (programme, code, reminder number, channel) of each message row."""
    found = []
    for row in rows:
        participant = Invitation.get_by_id(row["invitation"]).participant
        found.append((participant.programme.name, participant.code, row["sequence"], row["channel"]))
    return sorted(found)


def test_an_invitation_is_queued_from_the_instant_it_falls_due(db, clock):
    programme = make_programme(db, clock.now(), offsets=[6])
    make_participant(db, clock.now(), programme, exit_date=date(2025, 7, 20))
    due = Invitation.get().due_at
    assert invitation_messages(due - MICROSECOND) == []
    assert queued(invitation_messages(due)) == [("Steget", "P1", 0, "email")]
    row = invitation_messages(due)[0]
    assert (row["kind"], row["state"], row["attempts"], row["created_at"]) == (
        "invitation",
        "pending",
        0,
        due,
    )


def test_an_invitation_is_not_queued_from_the_instant_its_window_closes(db, clock):
    programme = make_programme(db, clock.now(), offsets=[6])
    make_participant(db, clock.now(), programme, exit_date=date(2025, 7, 20))
    expires = Invitation.get().expires_at
    assert len(invitation_messages(expires - MICROSECOND)) == 1
    assert invitation_messages(expires) == []


def sent_invitation(db, clock, reminders=(7, 14), window_days=60):
    programme = make_programme(db, clock.now(), offsets=[6], reminder_days=reminders, window_days=window_days)
    make_participant(db, clock.now(), programme, exit_date=date(2025, 7, 20))
    invitation = Invitation.get()
    insert_messages(db, invitation_messages(invitation.due_at))
    Invitation.update(state=Invitation.SENT, sent_at=invitation.due_at).execute()
    return Invitation.get()


def test_a_reminder_is_queued_from_the_instant_its_day_comes(db, clock):
    invitation = sent_invitation(db, clock)
    first = invitation.sent_at + timedelta(days=7)
    assert reminder_messages(first - MICROSECOND) == []
    rows = reminder_messages(first)
    assert queued(rows) == [("Steget", "P1", 1, "email")]
    assert rows[0]["kind"] == "reminder" and rows[0]["key"] == f"{invitation.id}:1:email"


def test_a_reminder_already_queued_is_not_queued_again_and_the_next_one_follows(db, clock):
    invitation = sent_invitation(db, clock)
    first = invitation.sent_at + timedelta(days=7)
    insert_messages(db, reminder_messages(first))
    assert reminder_messages(first + timedelta(days=1)) == []
    second = invitation.sent_at + timedelta(days=14)
    assert reminder_messages(second - MICROSECOND) == []
    assert queued(reminder_messages(second)) == [("Steget", "P1", 2, "email")]


def test_a_worker_down_for_two_weeks_queues_only_the_latest_reminder(db, clock):
    invitation = sent_invitation(db, clock)
    assert queued(reminder_messages(invitation.sent_at + timedelta(days=20))) == [
        ("Steget", "P1", 2, "email")
    ]


def test_no_reminder_after_the_window_closes_nor_for_an_answered_invitation(db, clock):
    invitation = sent_invitation(db, clock, reminders=(7,), window_days=8)
    assert len(reminder_messages(invitation.expires_at - MICROSECOND)) == 1
    assert reminder_messages(invitation.expires_at) == []
    Invitation.update(state=Invitation.ANSWERED).execute()
    assert reminder_messages(invitation.sent_at + timedelta(days=7)) == []


def test_no_message_for_a_person_who_opted_out(db, clock):
    invitation = sent_invitation(db, clock)
    Participant.update(opted_out_at=clock.now()).execute()
    assert reminder_messages(invitation.sent_at + timedelta(days=7)) == []
    assert invitation_messages(invitation.due_at) == []


def test_each_programme_queues_by_its_own_channels_and_reminder_days(db, clock, two_programmes):
    # Both programmes' P1 and Steget's P2 fall due on 2026-06-30 (12 months after 2025-06-30).
    due = at(2026, 6, 30, 10)
    assert queued(invitation_messages(due)) == [
        ("Steget", "P1", 0, "email"),
        ("Steget", "P2", 0, "email"),
        ("Steget Fram", "P1", 0, "email"),
        ("Steget Fram", "P1", 0, "sms"),
    ]
    insert_messages(db, invitation_messages(due))
    Invitation.update(state=Invitation.SENT, sent_at=due).where(Invitation.due_at == due).execute()
    # Steget Fram reminds after 3 days, Steget after 7.
    assert queued(reminder_messages(due + timedelta(days=3))) == [
        ("Steget Fram", "P1", 1, "email"),
        ("Steget Fram", "P1", 1, "sms"),
    ]
    assert queued(reminder_messages(due + timedelta(days=7))) == [
        ("Steget", "P1", 1, "email"),
        ("Steget", "P2", 1, "email"),
        ("Steget Fram", "P1", 1, "email"),
        ("Steget Fram", "P1", 1, "sms"),
    ]


def test_one_person_opting_out_of_one_programme_is_still_asked_by_the_other(db, clock, two_programmes):
    a = two_programmes.a
    Participant.update(opted_out_at=clock.now()).where(Participant.programme == a).execute()
    due = at(2026, 6, 30, 10)
    assert queued(invitation_messages(due)) == [
        ("Steget Fram", "P1", 0, "email"),
        ("Steget Fram", "P1", 0, "sms"),
    ]


def test_a_failed_address_hands_over_to_sms_under_email_then_sms(db, clock):
    programme = make_programme(db, clock.now(), offsets=[6])
    make_participants(db, clock.now(), programme, ["P1,2025-07-20,p1@example.org,+46701740605,sv,G"])
    due = Invitation.get().due_at
    assert queued(invitation_messages(due)) == [("Steget", "P1", 0, "email")]
    Contact.update(email_failed_at=clock.now()).execute()
    assert queued(invitation_messages(due)) == [("Steget", "P1", 0, "sms")]
    Participant.update(sms_opted_out_at=clock.now()).execute()
    assert invitation_messages(due) == []


def test_a_message_goes_out_until_the_instant_its_window_closes(app, db, clock, outbox):
    programme = make_programme(db, clock.now(), offsets=[6])
    make_participants(
        db,
        clock.now(),
        programme,
        ["P1,2025-07-20,p1@example.org,,sv,G", "P2,2025-07-21,p2@example.org,,sv,G"],
    )
    first, second = Invitation.select().order_by(Invitation.due_at)
    insert_messages(db, invitation_messages(second.due_at))
    # Queued while open; sent a microsecond before the first one's window closes, cancelled at that instant.
    report = run_tick(app, db, first.expires_at - MICROSECOND)
    assert report.sent == 2 and report.cancelled == 0
    Message.update(state=Message.PENDING).execute()
    Invitation.update(state=Invitation.SCHEDULED, sent_at=None).execute()
    report = run_tick(app, db, first.expires_at)
    assert report.cancelled == 1 and report.sent == 1
    assert Message.get(Message.invitation == first).state == Message.CANCELLED


BOTH_WORK = {}
EMAIL_FAILED = {"email_failed_at": True}
PHONE_FAILED = {"phone_failed_at": True}
SMS_STOPPED = {"sms_opted_out_at": True}


@pytest.mark.parametrize(
    ("policy", "email", "phone", "problem", "expected"),
    [
        ("email_then_sms", "p1@example.org", "+46701740605", BOTH_WORK, ["email"]),
        ("email_then_sms", "", "+46701740605", BOTH_WORK, ["sms"]),
        ("email_then_sms", "p1@example.org", "+46701740605", EMAIL_FAILED, ["sms"]),
        ("email_then_sms", "p1@example.org", "+46701740605", {**EMAIL_FAILED, **SMS_STOPPED}, []),
        ("email_then_sms", "p1@example.org", "", EMAIL_FAILED, []),
        ("email_only", "p1@example.org", "+46701740605", BOTH_WORK, ["email"]),
        ("email_only", "", "+46701740605", BOTH_WORK, []),
        ("email_only", "p1@example.org", "+46701740605", EMAIL_FAILED, []),
        ("sms_only", "p1@example.org", "+46701740605", BOTH_WORK, ["sms"]),
        ("sms_only", "p1@example.org", "", BOTH_WORK, []),
        ("sms_only", "p1@example.org", "+46701740605", PHONE_FAILED, []),
        ("sms_only", "p1@example.org", "+46701740605", SMS_STOPPED, []),
        ("both", "p1@example.org", "+46701740605", BOTH_WORK, ["email", "sms"]),
        ("both", "p1@example.org", "+46701740605", PHONE_FAILED, ["email"]),
        ("both", "p1@example.org", "+46701740605", SMS_STOPPED, ["email"]),
        ("both", "p1@example.org", "+46701740605", EMAIL_FAILED, ["sms"]),
        ("both", "", "+46701740605", BOTH_WORK, ["sms"]),
    ],
)
def test_the_channel_policy_picks_the_channels_that_work(db, clock, policy, email, phone, problem, expected):
    programme = make_programme(db, clock.now(), offsets=[6], channel_policy=policy)
    make_participants(db, clock.now(), programme, [f"P1,2025-07-20,{email},{phone},sv,G"])
    failures = {name: clock.now() for name in ("email_failed_at", "phone_failed_at") if name in problem}
    if failures:
        Contact.update(failures).execute()
    if "sms_opted_out_at" in problem:
        Participant.update(sms_opted_out_at=clock.now()).execute()
    due = Invitation.get().due_at
    assert [row["channel"] for row in invitation_messages(due)] == expected
    # The reminders of a sent invitation go by the same rule.
    insert_messages(db, invitation_messages(due))
    Invitation.update(state=Invitation.SENT, sent_at=due).execute()
    assert [row["channel"] for row in reminder_messages(due + timedelta(days=7))] == expected


def test_a_participant_whose_contact_details_were_deleted_gets_no_message(db, clock):
    programme = make_programme(db, clock.now(), offsets=[6])
    make_participant(db, clock.now(), programme, exit_date=date(2025, 7, 20))
    Contact.delete().execute()
    assert invitation_messages(Invitation.get().due_at) == []


def test_each_invitation_keeps_its_own_count_of_reminders(db, clock):
    programme = make_programme(db, clock.now(), offsets=[6])
    make_participants(
        db,
        clock.now(),
        programme,
        ["P1,2025-07-20,p1@example.org,,sv,G", "P2,2025-07-27,p2@example.org,,sv,G"],
    )
    first, second = Invitation.select().order_by(Invitation.due_at)
    for invitation in (first, second):
        insert_messages(db, invitation_messages(invitation.due_at))
        Invitation.update(state=Invitation.SENT, sent_at=invitation.due_at).where(
            Invitation.id == invitation.id
        ).execute()
    # Two weeks after the first was sent: its second reminder and the other's first are due.
    moment = first.due_at + timedelta(days=14)
    assert queued(reminder_messages(moment)) == [("Steget", "P1", 2, "email"), ("Steget", "P2", 1, "email")]
    insert_messages(db, reminder_messages(moment))
    assert reminder_messages(moment + timedelta(days=1)) == []


def test_what_fell_due_first_is_queued_first(db, clock):
    programme = make_programme(db, clock.now(), offsets=[6])
    make_participants(
        db,
        clock.now(),
        programme,
        [
            "P3,2025-07-20,p3@example.org,,sv,G",
            "P1,2025-07-21,p1@example.org,,sv,G",
            "P2,2025-07-20,p2@example.org,,sv,G",
        ],
    )
    rows = invitation_messages(at(2026, 1, 22))
    codes = [Invitation.get_by_id(row["invitation"]).participant.code for row in rows]
    assert codes == ["P3", "P2", "P1"]
