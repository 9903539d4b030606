import threading
from datetime import date, timedelta

from followup.answers.tokens import hash_token
from followup.clock import FixedClock
from followup.models import Contact, Invitation, Message, Participant, Token, Wave
from followup.sending.composing import compose
from followup.sending.dispatch import delete_unneeded_contacts, tick
from followup.sending.queueing import insert_messages, invitation_messages
from followup.sending.quiet_hours import parse_window
from followup.sending.sender import claim
from tests.factories import (
    STOCKHOLM,
    at,
    make_participants,
    make_programme,
    outbox_senders,
    run_tick,
    settings,
)


def setup_people(db, clock, rows=None):
    programme = make_programme(db, clock.now())
    make_participants(
        db,
        clock.now(),
        programme,
        rows
        or [
            "E1,2025-07-20,e1@example.org,,sv,G",
            "S1,2025-07-20,,0701740607,en,G",
            "B1,2025-07-20,b1@example.org,0701740608,sv,G",
        ],
    )
    return programme


def test_nothing_is_sent_before_the_wave_is_due(app, db, clock, outbox):
    setup_people(db, clock)
    report = run_tick(app, db, at(2026, 1, 20, 9, 59))
    assert report.sent == 0 and outbox.files() == []
    report = run_tick(app, db, at(2026, 1, 20, 10, 0))
    assert report.sent == 3


def test_each_invitation_goes_out_once_by_email_or_sms(app, db, clock, outbox):
    setup_people(db, clock)
    run_tick(app, db, at(2026, 1, 21))
    run_tick(app, db, at(2026, 1, 21, 12, 5))
    assert len(outbox.emails()) == 2 and len(outbox.sms()) == 1
    email = next(e for e in outbox.emails() if e["To"] == "e1@example.org")
    assert email["Message-ID"] and email["Subject"]
    plain = email.get_body(("plain",)).get_content()
    html = email.get_body(("html",)).get_content()
    link = outbox.link_for("e1@example.org")
    assert link in plain and link in html
    assert outbox.sms()[0].startswith("To: +46701740607\n")
    token = link.rsplit("/", 1)[1]
    assert len(token) == 43
    # Only the hash is stored, and it leads to the right invitation.
    assert Token.select().where(Token.token_hash == token).count() == 0
    found = Token.get(Token.token_hash == hash_token(token)).invitation
    assert found.participant.code == "E1" and found.state == "sent"
    assert Message.select().where(Message.state == "sent").count() == 3


def test_two_ticks_at_once_never_send_twice(app, db, clock, outbox):
    rows = [f"C{n},2025-07-20,c{n}@example.org,,sv,G" for n in range(40)]
    setup_people(db, clock, rows)
    now = at(2026, 1, 21)
    errors = []

    def one_tick():
        try:
            db.connect(reuse_if_open=True)
            run_tick(app, db, now)
        except Exception as exc:  # noqa: BLE001 - the assertion below reports it
            errors.append(exc)
        finally:
            db.close()

    threads = [threading.Thread(target=one_tick) for _ in range(3)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    recipients = [e["To"] for e in outbox.emails()]
    assert len(recipients) == 40 and len(set(recipients)) == 40
    # The words are rendered once and shared, but every e-mail carries its own link.
    assert len({outbox.link_for(address) for address in recipients}) == 40


def test_queueing_the_same_messages_again_adds_none(app, db, clock):
    setup_people(db, clock)
    now = at(2026, 1, 21)
    rows = invitation_messages(now)
    insert_messages(db, rows)
    claim(Message.select().first().id, now)
    insert_messages(db, rows)
    assert Message.select().count() == len(rows) == 3
    assert Message.select().where(Message.state == "sending").count() == 1  # left as it was


def test_a_claim_is_taken_by_one_caller_only(app, db, clock):
    setup_people(db, clock)
    now = at(2026, 1, 21)
    insert_messages(db, invitation_messages(now))
    message = Message.select().first()
    assert claim(message.id, now) is True
    assert claim(message.id, now) is False


def test_a_message_left_in_flight_by_a_dead_sender_is_sent_later(app, db, clock, outbox):
    setup_people(db, clock, ["E1,2025-07-20,e1@example.org,,sv,G"])
    now = at(2026, 1, 21)
    insert_messages(db, invitation_messages(now))
    claim(Message.get().id, now)  # the sender "dies" here
    assert run_tick(app, db, now + timedelta(minutes=1)).sent == 0
    assert run_tick(app, db, now + timedelta(minutes=11)).sent == 1
    assert len(outbox.emails()) == 1


def test_opted_out_people_get_nothing(app, db, clock, outbox):
    setup_people(db, clock)
    Participant.update(opted_out_at=clock.now()).where(Participant.code == "E1").execute()
    run_tick(app, db, at(2026, 1, 21))
    assert "e1@example.org" not in [e["To"] for e in outbox.emails()]
    assert len(outbox.files()) == 2


def test_a_closed_window_expires_the_invitation(app, db, clock, outbox):
    setup_people(db, clock)
    report = run_tick(app, db, at(2026, 3, 21, 10, 1))
    assert report.sent == 0 and report.expired == 3
    six = Invitation.select().where(Invitation.state == "expired").count()
    assert six == 3


def test_a_worker_down_for_months_sends_each_open_invitation_once(app, db, clock, outbox):
    setup_people(db, clock, ["E1,2025-07-20,e1@example.org,,sv,G"])
    # Down from before the 6-month wave until inside its window, then two passes.
    run_tick(app, db, at(2026, 3, 1))
    run_tick(app, db, at(2026, 3, 1, 12, 1))
    assert len(outbox.emails()) == 1


def test_dry_run_lists_what_would_go_and_changes_nothing(app, db, clock, outbox):
    setup_people(db, clock)
    report = run_tick(app, db, at(2026, 1, 21), dry_run=True)
    assert sorted(report.would_send) == [
        ("B1", 6, "invitation", "email"),
        ("E1", 6, "invitation", "email"),
        ("S1", 6, "invitation", "sms"),
    ]
    assert outbox.files() == [] and Message.select().count() == 0
    assert Invitation.select().where(Invitation.state != "scheduled").count() == 0
    assert date(2025, 7, 20) == Participant.get(code="E1").exit_date


def test_a_tick_reports_what_it_planned_queued_and_deleted(app, db, clock, outbox):
    programme = setup_people(db, clock)
    Wave.create(programme=programme, offset_months=7, survey="standard", window_days=60)
    report = run_tick(app, db, at(2026, 1, 21))
    # The 7-month wave was added after the import: planned now for all three, due in February.
    assert (report.planned, report.queued, report.sent, report.contacts_deleted) == (3, 3, 3, 0)
    assert {i.due_at for i in Invitation.select().join(Wave).where(Wave.offset_months == 7)} == {
        at(2026, 2, 20, 10)
    }
    Participant.update(opted_out_at=clock.now()).where(Participant.code == "E1").execute()
    report = run_tick(app, db, at(2026, 1, 21, 13))
    assert (report.planned, report.queued, report.contacts_deleted) == (0, 0, 1)


def test_contact_details_are_kept_while_a_wave_is_open_then_for_the_retention_days(db, clock):
    programme = make_programme(db, clock.now(), offsets=[6])
    make_participants(db, clock.now(), programme, ["E1,2025-07-20,e1@example.org,,sv,G"])
    expires = Invitation.get().expires_at
    assert delete_unneeded_contacts(expires - timedelta(seconds=1), 0) == 0
    assert delete_unneeded_contacts(expires + timedelta(days=30) - timedelta(seconds=1), 30) == 0
    assert Contact.select().count() == 1
    assert delete_unneeded_contacts(expires + timedelta(days=30), 30) == 1
    assert Contact.select().count() == 0


def test_contact_details_go_when_the_person_answered_or_opted_out(db, clock):
    programme = make_programme(db, clock.now(), offsets=[6])
    make_participants(
        db,
        clock.now(),
        programme,
        ["A1,2025-07-20,a1@example.org,,sv,G", "O1,2025-07-20,o1@example.org,,sv,G"],
    )
    keep = make_participants(
        db, clock.now(), make_programme(db, clock.now(), "Other"), ["K1,2025-07-20,k1@example.org,,sv,G"]
    )
    assert keep.created == 1
    Invitation.update(state=Invitation.ANSWERED).where(
        Invitation.participant == Participant.get(code="A1").id
    ).execute()
    Participant.update(opted_out_at=clock.now()).where(Participant.code == "O1").execute()
    assert delete_unneeded_contacts(clock.now(), 0) == 2
    assert [c.participant.code for c in Contact.select()] == ["K1"]


def test_dry_run_says_the_window_is_closed_and_lists_new_waves_and_reminders(app, db, clock, outbox):
    programme = setup_people(db, clock, ["E1,2025-07-20,e1@example.org,,sv,G"])
    run_tick(app, db, at(2026, 1, 20, 10))
    Wave.create(programme=programme, offset_months=7, survey="standard", window_days=60)
    window = parse_window("mon-fri", "09:00-19:00", "none", STOCKHOLM)
    # Saturday 28 February 2026: the first reminder (after 7 days) and the new wave are due.
    report = run_tick(app, db, at(2026, 2, 28, 12), dry_run=True, window=window)
    assert report.window_closed
    assert sorted(report.would_send) == [("E1", 6, "reminder", "email"), ("E1", 7, "invitation", "email")]
    assert Message.select().count() == 1 and Invitation.select().count() == 3  # nothing stored
    report = run_tick(app, db, at(2026, 3, 2, 12), dry_run=True, window=window)
    assert not report.window_closed
    # The new wave is listed from the instant it falls due, 10:00 in Stockholm.
    listed = run_tick(app, db, at(2026, 2, 20, 10), dry_run=True).would_send
    assert ("E1", 7, "invitation", "email") in listed
    assert ("E1", 7, "invitation", "email") not in run_tick(
        app, db, at(2026, 2, 20, 9, 59), dry_run=True
    ).would_send


def test_a_tick_sends_unless_asked_for_a_dry_run(app, db, clock, outbox):
    setup_people(db, clock, ["E1,2025-07-20,e1@example.org,,sv,G"])
    with app.app_context():
        report = tick(db, FixedClock(at(2026, 1, 21)), outbox_senders(app), compose, settings())
    assert report.sent == 1 and len(outbox.emails()) == 1
