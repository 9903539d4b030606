"""The status overview's domain functions: the next 14 days of sends and the counts per wave and cohort."""

from datetime import date, timedelta

import pytest

from followup.models import Contact, Invitation, Message, Participant, Wave
from followup.plan.overview import (
    PlannedDay,
    cohort_names,
    next_days,
    participant_page,
    status_rows,
    wave_months,
)
from followup.plan.status import contacts_to_fix
from followup.sending.quiet_hours import parse_window
from tests.factories import STOCKHOLM, at, make_participants, make_programme

# Monday 27 April 2026, 08:00 in Stockholm: before the send window opens. Friday 1 May is a public
# holiday; weekends are closed; sending hours are 09-19.
NOW = at(2026, 4, 27, 8)
WINDOW = parse_window("mon-fri", "09:00-19:00", "SE", STOCKHOLM)


def invitation(code: str, months: int = 6) -> Invitation:
    return (
        Invitation.select()
        .join(Participant)
        .switch(Invitation)
        .join(Wave)
        .where((Participant.code == code) & (Wave.offset_months == months))
        .get()
    )


def mark(code: str, state: str, sent_at=None) -> None:
    Invitation.update(state=state, sent_at=sent_at).where(Invitation.id == invitation(code).id).execute()


@pytest.fixture
def planned_programme(db):
    """Reminders 3 and 7 days after the invitation; each participant tests one rule (hand count below)."""
    programme = make_programme(db, NOW, "Plan", reminder_days=(3, 7))
    rows = {
        # 6 months due Sat 25 Apr: the window has been shut since, so it goes out Mon 27 at 09:00.
        "P1": "2025-10-25",
        # Due Thu 30 Apr; its 3-day reminder falls on Sunday 3 May (quiet) and goes out Mon 4 May.
        "P2": "2025-10-30",
        # Due Fri 1 May, a holiday: goes out Mon 4 May; its 7-day reminder (Mon 11, 09:00) is too late.
        "P3": "2025-11-01",
        # Sent Tue 21 Apr: the 3-day reminder is past; the 7-day one is Tue 28 Apr.
        "P4": "2025-10-21",
        # Sent Fri 24 Apr 16:00: reminders Mon 27 Apr 16:00 and Fri 1 May (holiday) -> Mon 4 May 09:00.
        "P5": "2025-10-24",
        # Answered: nothing more goes out.
        "P6": "2025-10-24",
        # Opted out: nothing goes out.
        "P7": "2025-10-25",
        # Only the 12-month wave is open: due Mon 4 May, reminders Thu 7 May and Mon 11 May (too late).
        "P8": "2025-05-04",
        # Sent late in a window closing Thu 30 Apr 10:00: the 3-day reminder (Mon 27) goes, the 7-day not.
        "P9": "2025-09-01",
        # Due Thu 30 Apr, but the only e-mail bounced: no channel, nothing goes out.
        "P10": "2025-10-30",
    }
    make_participants(
        db, NOW, programme, [f"{code},{exit},{code.lower()}@example.org,,sv," for code, exit in rows.items()]
    )
    mark("P4", Invitation.SENT, at(2026, 4, 21, 10))
    mark("P5", Invitation.SENT, at(2026, 4, 24, 16))
    mark("P6", Invitation.ANSWERED, at(2026, 4, 24, 16))
    mark("P9", Invitation.SENT, at(2026, 4, 24, 10))
    Participant.update(opted_out_at=NOW).where(Participant.code == "P7").execute()
    p10 = Participant.get(Participant.code == "P10")
    Contact.update(email_failed_at=NOW, email_problem="550").where(Contact.participant == p10).execute()
    return programme


def test_the_next_14_days_hold_invitations_and_reminders_by_the_scheduler_s_rules(planned_programme):
    assert next_days(planned_programme, NOW, STOCKHOLM, WINDOW) == [
        # P1's invitation; reminders of P5 (3 days) and P9 (3 days).
        PlannedDay(date(2026, 4, 27), 6, invitations=1, reminders=2),
        # P4's 7-day reminder.
        PlannedDay(date(2026, 4, 28), 6, invitations=0, reminders=1),
        # P2's invitation; P1's 3-day reminder.
        PlannedDay(date(2026, 4, 30), 6, invitations=1, reminders=1),
        # P3 (after the holiday); reminders: P1 (7), P2 (3, after the weekend), P5 (7, after the holiday).
        PlannedDay(date(2026, 5, 4), 6, invitations=1, reminders=3),
        PlannedDay(date(2026, 5, 4), 12, invitations=1, reminders=0),
        # P2's 7-day and P3's 3-day reminders.
        PlannedDay(date(2026, 5, 7), 6, invitations=0, reminders=2),
        PlannedDay(date(2026, 5, 7), 12, invitations=0, reminders=1),
    ]


def test_without_a_send_window_everything_goes_out_when_due(planned_programme):
    days = next_days(planned_programme, NOW, STOCKHOLM, None)
    # P1's invitation fell due on Saturday and would have gone then: with no window nothing waits.
    assert PlannedDay(date(2026, 4, 27), 6, invitations=0, reminders=2) in days  # P5's and P9's 3-day
    assert PlannedDay(date(2026, 5, 1), 6, invitations=1, reminders=1) in days  # P3; P5's 7-day reminder
    assert PlannedDay(date(2026, 5, 3), 6, invitations=0, reminders=1) in days  # P2's 3-day reminder


def test_only_those_a_channel_reaches_are_planned_for(db):
    # Both channels; all fall due on Wed 29 Apr. S1 by SMS, S2 stopped SMS and has no e-mail, S3 stopped
    # SMS but has an e-mail, S4 opted out of everything, S5's e-mail bounced and it has no phone.
    programme = make_programme(db, NOW, "Kanaler", channel_policy="both", reminder_days=())
    rows = [
        "S1,2025-10-29,,+46701740601,sv,",
        "S2,2025-10-29,,+46701740602,sv,",
        "S3,2025-10-29,s3@example.org,+46701740603,sv,",
        "S4,2025-10-29,s4@example.org,+46701740604,sv,",
        "S5,2025-10-29,s5@example.org,,sv,",
    ]
    make_participants(db, NOW, programme, rows)
    Participant.update(sms_opted_out_at=NOW).where(Participant.code.in_(["S2", "S3"])).execute()
    Participant.update(opted_out_at=NOW).where(Participant.code == "S4").execute()
    Contact.update(email_failed_at=NOW).where(
        Contact.participant == Participant.get(Participant.code == "S5")
    ).execute()
    assert next_days(programme, NOW, STOCKHOLM, None) == [PlannedDay(date(2026, 4, 29), 6, invitations=2)]


def test_a_reminder_still_waiting_when_the_next_falls_due_is_skipped(db):
    # Reminders 2 and 3 days after an invitation sent on Thursday fall on the weekend: both wait for
    # Monday, and only the later one goes, as the scheduler sends no burst.
    programme = make_programme(db, NOW, "Burst", reminder_days=(2, 3))
    make_participants(db, NOW, programme, ["B1,2025-10-23,b1@example.org,,sv,"])
    mark("B1", Invitation.SENT, at(2026, 4, 23, 18))
    assert next_days(programme, at(2026, 4, 24, 20), STOCKHOLM, WINDOW) == [
        PlannedDay(date(2026, 4, 27), 6, invitations=0, reminders=1)
    ]


def test_status_rows_count_states_messages_bounces_and_opt_outs_per_cohort(db):
    programme = make_programme(db, NOW, "Counts")
    rows = [f"C{n},2025-10-21,c{n}@example.org,,sv,{'A' if n <= 3 else 'B'}" for n in range(1, 6)]
    make_participants(db, NOW, programme, rows)
    for code in ("C1", "C2", "C4"):
        mark(code, Invitation.SENT, at(2026, 4, 21, 10))
    mark("C2", Invitation.ANSWERED, at(2026, 4, 21, 10))
    for code, states in (("C1", ["delivered", "delivered"]), ("C2", ["failed", "sent"]), ("C4", ["failed"])):
        for sequence, state in enumerate(states):
            Message.create(
                invitation=invitation(code),
                key=f"{code}:{sequence}",
                kind="invitation",
                channel="email",
                state=state,
                created_at=NOW,
                sequence=sequence,
            )
    Contact.update(email_failed_at=NOW).where(
        Contact.participant == Participant.get(Participant.code == "C4")
    ).execute()
    Participant.update(opted_out_at=NOW).where(Participant.code == "C5").execute()
    found = {(row.months, row.cohort): row.counts for row in status_rows(programme.id)}
    assert [key for key in found] == [
        (6, None),
        (6, "A"),
        (6, "B"),
        (12, None),
        (12, "A"),
        (12, "B"),
        (24, None),
        (24, "A"),
        (24, "B"),
    ]
    assert found[(6, "A")] == {
        "invited": 3,
        "scheduled": 1,
        "sent": 2,
        "delivered": 1,  # C1, counted once for two delivered messages
        "failed": 0,  # C2's failure was followed by a message that went out
        "bounced": 0,
        "opted_out": 0,
        "declined": 0,
        "answered": 1,
        "expired": 0,
    }
    assert found[(6, "B")] == {
        "invited": 2,
        "scheduled": 1,  # C5, opted out
        "sent": 1,
        "delivered": 0,
        "failed": 1,  # C4: its only message failed
        "bounced": 1,
        "opted_out": 1,
        "declined": 0,
        "answered": 0,
        "expired": 0,
    }
    assert found[(6, None)]["invited"] == 5 and found[(6, None)]["failed"] == 1
    # Bounces and opt-outs are the participant's: every wave of theirs counts them.
    assert found[(12, "B")]["bounced"] == 1 and found[(24, "B")]["opted_out"] == 1
    assert [p.code for p in contacts_to_fix(programme.id, NOW)] == ["C4"]


def test_the_participant_list_filters_and_pages_one_programme_by_code(db):
    programme = make_programme(db, NOW, "Lista")
    rows = [f"L{n},2025-10-21,l{n}@example.org,,sv,{'AB'[n % 2] if n < 5 else ''}" for n in (1, 4, 3, 2, 5)]
    make_participants(db, NOW, programme, rows)
    other = make_programme(db, NOW, "Annan")
    make_participants(
        db, NOW, other, ["L0,2025-10-21,l0@example.org,,sv,C", "L9,2025-10-21,l9@example.org,,sv,B"]
    )
    mark("L1", Invitation.SENT, NOW)
    mark("L2", Invitation.ANSWERED, NOW)
    Invitation.update(state=Invitation.ANSWERED).where(Invitation.id == invitation("L3", 12).id).execute()
    Participant.update(opted_out_at=NOW).where(Participant.code.in_(["L4", "L9"])).execute()
    Contact.update(phone_failed_at=NOW).where(
        Contact.email.in_(["l5@example.org", "l0@example.org"])
    ).execute()

    def codes(**filters) -> list[str]:
        return [p.code for p in participant_page(programme.id, **filters)]

    first = participant_page(programme.id, limit=2)
    assert [(p.code, p.cohort, p.exit_date, p.opted_out, p.contact_failed) for p in first] == [
        ("L1", "B", date(2025, 10, 21), False, False),
        ("L2", "A", date(2025, 10, 21), False, False),
    ]
    assert first[0].waves == {6: "sent", 12: "scheduled", 24: "scheduled"}
    assert first[0].id == Participant.get(Participant.code == "L1").id
    assert codes() == ["L1", "L2", "L3", "L4", "L5"]
    assert codes(after="L2", limit=2) == ["L3", "L4"]
    assert codes(cohort="A") == ["L2", "L4"]
    assert [(p.code, p.cohort) for p in participant_page(programme.id, after="L4")] == [("L5", None)]
    assert [(p.code, p.opted_out) for p in participant_page(programme.id, state="opted_out")] == [
        ("L4", True)
    ]
    found = participant_page(programme.id, state="contact_failed")
    assert [(p.code, p.contact_failed) for p in found] == [("L5", True)]
    assert codes(state="answered") == ["L2", "L3"]
    assert codes(state="answered", months=12) == ["L3"]
    assert codes(state="sent", months=6) == ["L1"]
    assert codes(state="scheduled", months=6, cohort="A") == ["L4"]
    assert cohort_names(programme.id) == ["A", "B"] and wave_months(programme.id) == [6, 12, 24]
    assert cohort_names(other.id) == ["B", "C"]


def test_a_participant_without_waves_or_contact_is_still_listed(db):
    programme = make_programme(db, NOW, "Tom", offsets=[12])
    make_participants(db, NOW, programme, ["T1,2025-10-21,t1@example.org,,sv,"])
    Contact.delete().execute()
    Invitation.delete().execute()
    [listed] = participant_page(programme.id)
    assert (listed.code, listed.contact_failed, listed.waves) == ("T1", False, {})
    assert wave_months(programme.id) == [12] and cohort_names(programme.id) == []


def set_invitation(code: str, months: int = 6, **changes) -> None:
    Invitation.update(**changes).where(Invitation.id == invitation(code, months).id).execute()


def test_the_next_14_days_start_at_this_instant_end_before_the_14th_day_and_go_by_local_day(db):
    programme = make_programme(db, NOW, "Gränser", reminder_days=(3,))
    make_participants(db, NOW, programme, [f"E{n},2025-10-21,e{n}@example.org,,sv," for n in range(1, 5)])
    other = make_programme(db, NOW, "Annan", reminder_days=(3,))
    make_participants(db, NOW, other, ["X1,2025-10-21,x1@example.org,,sv,"])
    set_invitation("E1", due_at=NOW)  # goes out now; its reminder Thu 30 Apr
    set_invitation("E2", due_at=NOW + timedelta(days=14))  # just past the 14 days
    # Due an hour ago: the scheduler has sent it already or never will, and so its reminder.
    set_invitation("E3", due_at=NOW - timedelta(hours=1))
    set_invitation("E4", due_at=at(2026, 5, 1, 0, 30))  # Thursday 22:30 UTC: Friday in Stockholm
    set_invitation("X1", due_at=NOW)  # another programme's
    assert next_days(programme, NOW, STOCKHOLM, None) == [
        PlannedDay(date(2026, 4, 27), 6, invitations=1),
        PlannedDay(date(2026, 4, 30), 6, reminders=1),
        PlannedDay(date(2026, 5, 1), 6, invitations=1),
        PlannedDay(date(2026, 5, 4), 6, reminders=1),
    ]


def test_reminders_of_invitations_sent_earlier_count_each_one_s_sending_and_closing(db):
    programme = make_programme(db, NOW, "Skickat", reminder_days=(7, 20))
    rows = {"G1": "2025-10-21", "G2": "2025-04-21", "G3": "2025-10-20", "G4": "2025-10-20"}
    rows |= {"G5": "2025-10-21", "G6": "2025-10-11"}
    make_participants(db, NOW, programme, [f"{c},{d},{c.lower()}@example.org,,sv," for c, d in rows.items()])
    # G1's 6-month and G2's 12-month invitations went out at the same moment and close the same day.
    set_invitation("G1", state=Invitation.SENT, sent_at=at(2026, 4, 21, 10))
    set_invitation("G2", 12, state=Invitation.SENT, sent_at=at(2026, 4, 21, 10))
    # The same wave and closing day, sent two days apart.
    set_invitation("G3", state=Invitation.SENT, sent_at=at(2026, 4, 20, 10))
    set_invitation("G4", state=Invitation.SENT, sent_at=at(2026, 4, 22, 10))
    # Sent with G1, but its window closes before the reminder.
    set_invitation("G5", state=Invitation.SENT, sent_at=at(2026, 4, 21, 10), expires_at=at(2026, 4, 28, 9))
    set_invitation("G6", state=Invitation.SENT, sent_at=at(2026, 4, 11, 10))  # the 20-day reminder is due
    assert next_days(programme, NOW, STOCKHOLM, None) == [
        PlannedDay(date(2026, 4, 27), 6, reminders=1),  # G3
        PlannedDay(date(2026, 4, 28), 6, reminders=1),  # G1
        PlannedDay(date(2026, 4, 28), 12, reminders=1),  # G2
        PlannedDay(date(2026, 4, 29), 6, reminders=1),  # G4
        PlannedDay(date(2026, 5, 1), 6, reminders=1),  # G6's 20-day reminder
        PlannedDay(date(2026, 5, 10), 6, reminders=1),  # G3's (the others' are past the 14 days)
    ]


def test_each_reminder_goes_unless_the_next_is_due_by_the_time_it_would(db):
    three = make_programme(db, NOW, "Tre", reminder_days=(2, 4, 6))
    make_participants(db, NOW, three, ["T1,2025-10-21,t1@example.org,,sv,"])
    set_invitation("T1", state=Invitation.SENT, sent_at=at(2026, 4, 26, 10))
    assert next_days(three, NOW, STOCKHOLM, None) == [
        PlannedDay(date(2026, 4, 28), 6, reminders=1),
        PlannedDay(date(2026, 4, 30), 6, reminders=1),
        PlannedDay(date(2026, 5, 2), 6, reminders=1),
    ]
    # Sent Thursday 09:00: the 2-day reminder waits for Monday 09:00, when the 4-day one falls due.
    two = make_programme(db, NOW, "Två", reminder_days=(2, 4))
    make_participants(db, NOW, two, ["U1,2025-10-21,u1@example.org,,sv,"])
    set_invitation("U1", state=Invitation.SENT, sent_at=at(2026, 4, 23, 9))
    assert next_days(two, NOW, STOCKHOLM, WINDOW) == [PlannedDay(date(2026, 4, 27), 6, reminders=1)]


def test_the_programme_s_channels_decide_who_is_planned_for(db):
    rows = [
        "C1,2025-10-29,,+46701740601,sv,",  # SMS only
        "C2,2025-10-29,,+46701740602,sv,",  # SMS only, stopped SMS
        "C3,2025-10-29,c3@example.org,,sv,",
        "C4,2025-10-29,,+46701740604,sv,",  # SMS only
    ]
    both = make_programme(db, NOW, "Båda", channel_policy="both", reminder_days=())
    make_participants(db, NOW, both, rows)
    email = make_programme(db, NOW, "E-post", channel_policy="email_only", reminder_days=())
    make_participants(db, NOW, email, [row.replace("C", "D", 1) for row in rows])
    Participant.update(sms_opted_out_at=NOW).where(Participant.code.in_(["C2", "D2"])).execute()
    assert next_days(both, NOW, STOCKHOLM, None) == [PlannedDay(date(2026, 4, 29), 6, invitations=3)]
    assert next_days(email, NOW, STOCKHOLM, None) == [PlannedDay(date(2026, 4, 29), 6, invitations=1)]


def test_status_rows_are_the_programme_s_own_with_cohorts_by_name_after_the_total(db):
    programme = make_programme(db, NOW, "Rader", offsets=[6])
    rows = ["R1,2025-10-21,r1@example.org,,sv,B", "R2,2025-10-21,r2@example.org,,sv,B"]
    rows += ["R3,2025-10-21,r3@example.org,,sv,", "R4,2025-10-21,r4@example.org,,sv,A"]
    make_participants(db, NOW, programme, rows)
    other = make_programme(db, NOW, "Andra", offsets=[6])
    make_participants(db, NOW, other, ["R1,2025-10-21,x1@example.org,,sv,C"])

    def invited(programme_id):
        return [(row.months, row.cohort, row.counts["invited"]) for row in status_rows(programme_id)]

    assert invited(programme.id) == [(6, None, 4), (6, "", 1), (6, "A", 1), (6, "B", 2)]
    assert invited(other.id) == [(6, None, 1), (6, "C", 1)]
    Participant.delete().where(Participant.code == "R4").execute()  # A's count stays, at 0
    assert invited(programme.id) == [(6, None, 3), (6, "", 1), (6, "B", 2)]


def test_what_the_send_window_holds_until_the_14th_day_is_left_out(db):
    programme = make_programme(db, NOW, "Helg", reminder_days=())
    make_participants(db, NOW, programme, ["H1,2025-10-21,h1@example.org,,sv,"])
    set_invitation("H1", due_at=at(2026, 5, 10, 10))  # a Sunday: it goes out on Monday 11 May at 09:00
    assert next_days(programme, at(2026, 4, 27, 9), STOCKHOLM, WINDOW) == []  # 14 days end then
    assert next_days(programme, at(2026, 4, 27, 9, 1), STOCKHOLM, WINDOW) == [
        PlannedDay(date(2026, 5, 11), 6, invitations=1)
    ]


def test_what_fell_due_exactly_14_days_ago_behind_a_shut_window_is_still_counted(db):
    # Sent on Thursdays only: Christmas Eve and New Year's Eve fall on Thursdays in 2026, so what fell
    # due after hours on 17 December waits three weeks, until 7 January.
    thursdays = parse_window("thu", "09:00-19:00", "SE", STOCKHOLM)
    programme = make_programme(db, NOW, "Jul", reminder_days=())
    make_participants(db, NOW, programme, ["J1,2026-06-17,j1@example.org,,sv,"])
    set_invitation("J1", due_at=at(2026, 12, 17, 19), expires_at=at(2027, 2, 1, 0))
    assert next_days(programme, at(2026, 12, 31, 19), STOCKHOLM, thursdays) == [
        PlannedDay(date(2027, 1, 7), 6, invitations=1)
    ]


def test_status_rows_list_cohorts_by_name_whatever_order_they_were_imported_in(db):
    programme = make_programme(db, NOW, "Ordning")
    make_participants(
        db, NOW, programme, ["O1,2025-10-21,o1@example.org,,sv,Vår", "O2,2025-10-21,o2@example.org,,sv,"]
    )
    # A later import brings an earlier name: its cohort is made after Vår.
    make_participants(db, NOW, programme, ["O3,2025-10-21,o3@example.org,,sv,Höst"])
    assert [(row.cohort, row.counts["invited"]) for row in status_rows(programme.id) if row.months == 6] == [
        (None, 3),
        ("", 1),
        ("Höst", 1),
        ("Vår", 1),
    ]
    # The page's filters list them by name, and the waves by months, a wave added later among them.
    Wave.create(programme=programme, offset_months=3, survey="standard", window_days=30)
    assert (cohort_names(programme.id), wave_months(programme.id)[:2]) == (["Höst", "Vår"], [3, 6])
