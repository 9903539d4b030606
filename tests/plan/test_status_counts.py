"""The counts the database keeps for the status page (migration 0013's triggers) against a count made
directly from the rows, after what a follow-up goes through."""

from collections import defaultdict

from followup.answers.answering import decline
from followup.answers.optout import opt_out
from followup.answers.responses import record_response
from followup.answers.surveys import latest, load_surveys
from followup.models import Cohort, Contact, Invitation, Message, Participant, StatusCount, Wave
from followup.plan.overview import COUNTS, status_rows
from followup.plan.participant_actions import change_contact, erase_participant
from followup.plan.replanning import Plan, apply_plan
from followup.sending.queueing import insert_messages, message_row
from followup.sending.tracking import record_status
from tests.factories import STOCKHOLM, at, make_participants, make_programme, run_tick

ANSWERS = {
    "main_activity": "studies",
    "social_assistance": "no",
    **{f"who5_{n}": 3 for n in range(1, 6)},
    "next_step_start": "within_a_month",
    "programme_helped": "very_much",
}


def counted_directly() -> dict[tuple[int, int], dict[str, int]]:
    """Each wave and cohort's counts made from the invitations, messages, participants and contacts."""
    contacts = {c.participant_id: c for c in Contact.select()}
    messages = defaultdict(set)
    for invitation_id, state in Message.select(Message.invitation, Message.state).tuples():
        messages[invitation_id].add(state)
    found: dict[tuple[int, int], dict[str, int]] = defaultdict(lambda: dict.fromkeys(COUNTS, 0))
    for invitation in Invitation.select(Invitation, Participant).join(Participant):
        person = invitation.participant
        counts = found[(invitation.wave_id, person.cohort_id or 0)]
        states = messages[invitation.id]
        contact = contacts.get(person.id)
        for name, counted in (
            ("invited", True),
            ("scheduled", invitation.state == "scheduled"),
            ("sent", invitation.sent_at is not None),
            ("delivered", "delivered" in states),
            ("failed", "failed" in states and not states & {"sent", "delivered"}),
            ("bounced", contact is not None and bool(contact.email_failed_at or contact.phone_failed_at)),
            ("opted_out", bool(person.opted_out_at or person.sms_opted_out_at)),
            ("declined", invitation.state == "declined"),
            ("answered", invitation.state == "answered"),
            ("expired", invitation.state == "expired"),
        ):
            counts[name] += counted
    return dict(found)


def kept() -> dict[tuple[int, int], dict[str, int]]:
    return {
        (row.wave_id, row.cohort_id): {name: getattr(row, name) for name in COUNTS}
        for row in StatusCount.select()
        if row.invited
    }


def invitation_of(code: str, months: int) -> Invitation:
    return (
        Invitation.select()
        .join(Participant)
        .switch(Invitation)
        .join(Wave)
        .where((Participant.code == code) & (Wave.offset_months == months))
        .get()
    )


def test_the_kept_counts_equal_a_direct_count_through_a_follow_up(app, db):
    now = at(2026, 1, 15)
    programme = make_programme(db, now, "Räknat", channel_policy="both", reminder_days=(7,))
    rows = [
        f"K{n},2025-07-{10 + n % 5:02d},k{n}@example.org,+4670174{n:04d},sv,{('A', 'B', '')[n % 3]}"
        for n in range(1, 13)
    ]
    make_participants(db, now, programme, rows)
    assert kept() == counted_directly()
    assert sum(c["invited"] for c in kept().values()) == 36

    # The 6-month invitations go out; some are delivered, one fails, one number does not work.
    run_tick(app, db, at(2026, 1, 20, 10))
    Message.update(provider_ref=Message.key).where(Message.channel == "sms").execute()
    sms = dict(Message.select(Message.invitation, Message.key).where(Message.channel == "sms").tuples())
    for code, status, error in (
        ("K1", "delivered", None),
        ("K2", "failed", "30003"),
        ("K3", "undelivered", "21211"),
    ):
        record_status(db, sms[invitation_of(code, 6).id], status, error, at(2026, 1, 20, 11))
    assert kept() == counted_directly()

    # An e-mail bounces; one person answers, one declines, one opts out, a contact is corrected.
    Contact.update(email_failed_at=at(2026, 1, 21), email_problem="550").where(
        Contact.participant == Participant.get(Participant.code == "K4")
    ).execute()
    survey = latest(load_surveys(), "standard")
    with app.app_context():
        record_response(db, invitation_of("K5", 6).id, survey, ANSWERS, at(2026, 1, 22))
        decline(db, invitation_of("K6", 6).id, at(2026, 1, 22))
        opt_out(db, Participant.get(Participant.code == "K7").id, at(2026, 1, 22), "email")
    change_contact(db, at(2026, 1, 23), Participant.get(Participant.code == "K3"), "phone", "+46701749999")
    assert kept() == counted_directly()

    # A reminder goes out, a participant moves cohort, a cohort is deleted, another is erased.
    run_tick(app, db, at(2026, 1, 28, 10))
    Participant.update(cohort=Cohort.get(Cohort.name == "A")).where(Participant.code == "K2").execute()
    Cohort.delete().where(Cohort.name == "B").execute()
    erase_participant(db, Participant.get(Participant.code == "K8"), "K8")
    assert kept() == counted_directly()

    # The plan changes: a new wave, a shorter window; then the 6-month window closes.
    apply_plan(db, at(2026, 2, 1), programme, Plan("both", (7,), 60, (6, 12, 24, 36)), STOCKHOLM, 10)
    run_tick(app, db, at(2026, 4, 1, 10))
    assert kept() == counted_directly()
    # Eleven participants left, three waves each and the new one for all but K7, who opted out.
    assert sum(c["invited"] for c in kept().values()) == 11 * 3 + 10
    found = {(row.months, row.cohort): row.counts for row in status_rows(programme.id)}
    six = found[(6, None)]
    assert six["answered"] == 1 and six["declined"] == 1 and six["opted_out"] == 1 and six["bounced"] >= 1
    assert six["expired"] == 11 - 2 and six["sent"] == 11

    # A message and a whole wave deleted (as a programme's deletion cascades) take their counts along.
    Message.delete().where(Message.invitation == invitation_of("K1", 6)).execute()
    Wave.delete().where(Wave.offset_months == 36).execute()
    assert kept() == counted_directly()


def test_deleting_a_participant_through_its_programme_s_cascade_leaves_no_count(db):
    now = at(2026, 1, 15)
    programme = make_programme(db, now, "Borta")
    make_participants(
        db, now, programme, ["X1,2025-07-10,x1@example.org,,sv,A", "X2,2025-07-10,x2@example.org,,sv,"]
    )
    Contact.update(email_failed_at=now).execute()
    Participant.update(opted_out_at=now).where(Participant.code == "X2").execute()
    assert kept() == counted_directly() != {}
    Participant.delete().where(Participant.code == "X1").execute()
    assert kept() == counted_directly()
    programme.delete_instance()
    assert kept() == {} == counted_directly()


def test_a_message_queued_twice_is_counted_once(db):
    # INSERT OR IGNORE of a message that exists: on SQLite a BEFORE INSERT trigger fired for the
    # ignored row and took the invitation's counts away for good (migration 0015).
    now = at(2026, 1, 15)
    programme = make_programme(db, now, "Två gånger")
    make_participants(db, now, programme, ["Q1,2025-07-10,q1@example.org,,sv,A"])
    invitation = invitation_of("Q1", 6)
    row = message_row(invitation.id, 0, "email", now)
    insert_messages(db, [row])
    before = kept()
    insert_messages(db, [row])
    assert Message.select().count() == 1
    assert kept() == before == counted_directly()
    assert sum(counts["invited"] for counts in kept().values()) == 3
