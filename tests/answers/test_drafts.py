import threading
from datetime import timedelta

import pytest

from followup.answers.answering import decline, delete_closed_drafts, load_visit, save_draft, visit_ticket
from followup.answers.optout import opt_out
from followup.answers.responses import record_response
from followup.answers.surveys import latest, load_surveys
from followup.models import Draft, Invitation, Participant, Response
from tests.factories import at, make_participants, make_programme, run_tick

NOW = at(2026, 1, 21)
ANSWERS = {
    "main_activity": "studies",
    "social_assistance": "no",
    **{f"who5_{n}": 3 for n in range(1, 6)},
    "next_step_start": "within_a_month",
    "programme_helped": "very_much",
    "comment": "Fritext som kan bära ett namn",
}


@pytest.fixture
def invitation(app, db, clock):
    programme = make_programme(db, clock.now())
    make_participants(db, clock.now(), programme, ["E1,2025-07-20,e1@example.org,,sv,G"])
    run_tick(app, db, NOW)
    invitation = Invitation.get(Invitation.state == Invitation.SENT)
    assert save_draft(db, invitation.id, {"comment": "utkast"}, NOW)
    assert Draft.select().count() == 1
    return invitation


def test_a_save_after_the_final_submit_leaves_no_draft_beside_the_response(app, db, invitation):
    survey = latest(load_surveys(), "standard")
    record_response(db, invitation.id, survey, ANSWERS, NOW)
    # The page save that lost the race to the submit button.
    assert not save_draft(db, invitation.id, {"comment": "sent de"}, NOW)
    assert Response.select().count() == 1 and Draft.select().count() == 0


def test_skipping_deletes_the_draft(app, db, invitation):
    decline(db, invitation.id, NOW)
    assert Draft.select().count() == 0
    assert not save_draft(db, invitation.id, {"comment": "x"}, NOW)


def test_opting_out_deletes_the_drafts(app, db, invitation):
    opt_out(db, invitation.participant_id, NOW, "link")
    assert Draft.select().count() == 0


def test_a_draft_is_deleted_in_the_pass_that_expires_its_invitation(app, db, invitation):
    after = invitation.expires_at + timedelta(minutes=1)
    assert not save_draft(db, invitation.id, {"comment": "för sent"}, after)
    run_tick(app, db, after)
    assert Invitation.get_by_id(invitation.id).state == Invitation.EXPIRED
    assert Draft.select().count() == 0


def test_the_pass_removes_a_draft_left_beside_a_closed_invitation(app, db, invitation):
    Invitation.update(state=Invitation.ANSWERED).execute()  # as an older version could leave it
    run_tick(app, db, NOW + timedelta(minutes=1))
    assert Draft.select().count() == 0


def test_saves_racing_submits_never_leave_a_draft_beside_a_response(app, db, clock):
    programme = make_programme(db, clock.now())
    rows = [f"R{n},2025-07-20,r{n}@example.org,,sv,G" for n in range(12)]
    make_participants(db, clock.now(), programme, rows)
    run_tick(app, db, NOW)
    survey = latest(load_surveys(), "standard")
    for invitation in Invitation.select().where(Invitation.state == Invitation.SENT):
        start = threading.Barrier(2)

        def submit(invitation_id=invitation.id, start=start):
            with db.connection_context():
                start.wait()
                record_response(db, invitation_id, survey, ANSWERS, NOW)

        def save(invitation_id=invitation.id, start=start):
            with db.connection_context():
                start.wait()
                for _ in range(3):
                    save_draft(db, invitation_id, {"comment": "i sista stund"}, NOW)

        workers = [threading.Thread(target=submit), threading.Thread(target=save)]
        for worker in workers:
            worker.start()
        for worker in workers:
            worker.join(timeout=30)
    assert Response.select().count() == 12
    assert Draft.select().count() == 0


@pytest.fixture
def two(app, db, clock):
    """Two people, each with a sent invitation and a draft; the second speaks English."""
    programme = make_programme(db, clock.now())
    make_participants(
        db,
        clock.now(),
        programme,
        ["E1,2025-07-20,e1@example.org,,sv,G", "E2,2025-07-20,e2@example.org,,en,G"],
    )
    run_tick(app, db, NOW)
    first, second = Invitation.select().where(Invitation.state == Invitation.SENT).order_by(Invitation.id)
    for invitation in (first, second):
        assert save_draft(db, invitation.id, {"comment": "utkast"}, NOW)
    return first, second


def drafts():
    return sorted(d.invitation_id for d in Draft.select())


def test_skipping_one_follow_up_leaves_the_others_open(app, db, two):
    first, second = two
    assert decline(db, first.id, NOW)
    assert not decline(db, first.id, NOW)
    assert Invitation.get_by_id(second.id).state == Invitation.SENT
    assert drafts() == [second.id]


def test_opting_out_deletes_that_persons_drafts_only(app, db, two):
    first, second = two
    opt_out(db, first.participant_id, NOW, "link")
    assert drafts() == [second.id]


def test_the_pass_deletes_the_drafts_of_closed_invitations_and_opted_out_people_only(app, db, two):
    first, second = two
    assert delete_closed_drafts(NOW) == 0
    Participant.update(opted_out_at=NOW).where(Participant.id == first.participant_id).execute()
    assert delete_closed_drafts(NOW) == 1
    assert drafts() == [second.id]


def test_a_draft_is_closed_at_the_instant_its_invitation_expires(app, db, two):
    _, second = two
    expires = Invitation.get_by_id(second.id).expires_at
    assert save_draft(db, second.id, {"comment": "i sista sekund"}, expires - timedelta(microseconds=1))
    assert not save_draft(db, second.id, {"comment": "för sent"}, expires)
    assert delete_closed_drafts(expires - timedelta(microseconds=1)) == 0
    # Still open in the database (the pass has not expired them yet), but their time is up.
    assert delete_closed_drafts(expires) == 2


def test_a_visit_speaks_the_participants_language_and_sees_the_draft(app, db, two):
    _, second = two
    visit = load_visit(db, visit_ticket(Invitation.get_by_id(second.id)))
    assert (visit.language, visit.state, visit.answers) == ("en", Invitation.SENT, {"comment": "utkast"})
