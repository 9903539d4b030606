import threading
from datetime import timedelta

import pytest

from followup.answers.answering import decline, save_draft
from followup.answers.optout import opt_out
from followup.answers.responses import record_response
from followup.answers.surveys import latest, load_surveys
from followup.models import Draft, Invitation, Response
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
