"""Changing a programme's plan: what it would touch, what it refuses, and that it touches nothing else."""

from datetime import timedelta

import pytest

from followup.models import Invitation, Participant, Programme, Wave
from followup.plan.programmes import ProgrammeError
from followup.plan.replanning import Plan, affected_invitations, apply_plan, check_plan, current_plan
from followup.plan.scheduling import due_at
from tests.factories import STOCKHOLM, make_programme, programme_rows


def invitations_of(programme, state=None):
    query = Invitation.select().join(Wave).where(Wave.programme == programme)
    return query.where(Invitation.state == state) if state else query


def test_the_current_plan_is_read_from_the_programme_and_its_waves(db, clock, two_programmes):
    assert current_plan(two_programmes.a) == Plan("email_only", (7, 14), 60, (6, 12, 24))
    assert current_plan(two_programmes.b) == Plan("both", (3,), 30, (3, 12))
    quiet = make_programme(db, clock.now(), "Utan påminnelser", offsets=[24, 6], reminder_days=[])
    assert current_plan(quiet) == Plan("email_then_sms", (), 60, (6, 24))


BEFORE = Plan("both", (7, 14), 60, (6, 12, 24))
REFUSED = {
    "an unknown channel": (Plan("pigeon", (7,), 60, (6, 12, 24)), "Choose how messages are sent."),
    "no window": (Plan("both", (), 0, (6, 12, 24)), "The response window must be from 1 to 365 days."),
    "a window over a year": (Plan("both", (7,), 366, (6, 12, 24)), "The response window must be from 1"),
    "a reminder on day 0": (Plan("both", (0, 7), 60, (6, 12, 24)), "Reminder days must increase and fall"),
    "a reminder at the close": (Plan("both", (7, 60), 60, (6, 12, 24)), "Reminder days must increase"),
    "reminders backwards": (Plan("both", (14, 7), 60, (6, 12, 24)), "Reminder days must increase"),
    "a reminder twice": (Plan("both", (7, 7), 60, (6, 12, 24)), "Reminder days must increase"),
    "a wave removed": (
        Plan("both", (7,), 60, (6, 24)),
        "A wave cannot be removed once planned; add waves only.",
    ),
    "a wave at 0 months": (
        Plan("both", (7,), 60, (0, 6, 12, 24)),
        "Wave offsets must be whole months from 1",
    ),
    "a wave after 10 years": (Plan("both", (7,), 60, (6, 12, 24, 121)), "Wave offsets must be whole months"),
}


@pytest.mark.parametrize(("plan", "message"), list(REFUSED.values()), ids=list(REFUSED))
def test_a_plan_that_cannot_replace_the_current_one_is_refused_with_its_reason(plan, message):
    with pytest.raises(ProgrammeError) as caught:
        check_plan(plan, BEFORE)
    assert str(caught.value).startswith(message)


@pytest.mark.parametrize(
    "plan",
    [
        Plan("email_only", (), 1, (6, 12, 24)),
        Plan("sms_only", (1, 364), 365, (6, 12, 24)),
        Plan("email_then_sms", (59,), 60, (1, 6, 12, 24, 120)),
    ],
)
def test_the_edges_of_a_plan_are_accepted(plan):
    check_plan(plan, BEFORE)


def test_a_change_counts_the_programme_s_unsent_invitations_and_the_new_ones(db, clock, two_programmes):
    a, b = two_programmes.a, two_programmes.b
    first = invitations_of(a).order_by(Invitation.due_at).first()
    Invitation.update(state=Invitation.SENT).where(Invitation.id == first.id).execute()
    now = current_plan(a)
    assert invitations_of(a, Invitation.SCHEDULED).count() == 5
    assert affected_invitations(a, now) == 0
    assert affected_invitations(a, Plan("both", now.reminder_days, 60, now.offsets)) == 5
    assert affected_invitations(a, Plan(now.channel_policy, (7,), 60, now.offsets)) == 5
    assert affected_invitations(a, Plan(now.channel_policy, now.reminder_days, 30, now.offsets)) == 5
    # A wave added: one invitation for each of the programme's two participants.
    assert affected_invitations(a, Plan(now.channel_policy, now.reminder_days, 60, (6, 12, 24, 36))) == 2
    assert affected_invitations(a, Plan(now.channel_policy, (7,), 60, (6, 12, 24, 36, 48))) == 5 + 2 * 2
    assert affected_invitations(b, Plan("both", (3,), 20, (3, 12))) == invitations_of(b).count()


def test_a_change_replans_the_programme_s_unsent_invitations_only(db, clock, two_programmes):
    a, b = two_programmes.a, two_programmes.b
    others = programme_rows(b)
    sent = invitations_of(a).order_by(Invitation.due_at).first()
    Invitation.update(state=Invitation.SENT).where(Invitation.id == sent.id).execute()
    told = Invitation.get_by_id(sent.id).expires_at
    before = current_plan(a)
    after = Plan("both", (5,), 45, (6, 12, 24, 36))
    change = apply_plan(db, clock.now(), a, after, STOCKHOLM, 10)
    assert change == {"before": before.__dict__, "after": after.__dict__}
    a = Programme.get_by_id(a.id)
    assert (a.channel_policy, a.reminder_days) == ("both", "5")
    assert [(w.offset_months, w.window_days, w.survey) for w in a.waves.order_by(Wave.offset_months)] == [
        (6, 45, "standard"),
        (12, 45, "standard"),
        (24, 45, "standard"),
        (36, 45, "standard"),
    ]
    assert Invitation.get_by_id(sent.id).expires_at == told
    for invitation in invitations_of(a, Invitation.SCHEDULED):
        assert invitation.expires_at - invitation.due_at == timedelta(days=45)
    added = invitations_of(a).where(Wave.offset_months == 36)
    exit_date = Participant.get((Participant.programme == a) & (Participant.code == "P1")).exit_date
    assert [i.due_at for i in added] == [due_at(exit_date, 36, STOCKHOLM, 10)] * 2
    assert programme_rows(b) == others


def test_a_change_without_new_waves_plans_no_invitation(db, clock, two_programmes):
    a = two_programmes.a
    missing = invitations_of(a).order_by(Invitation.due_at.desc()).first()
    Invitation.delete().where(Invitation.id == missing.id).execute()
    apply_plan(db, clock.now(), a, Plan("both", (7, 14), 60, (6, 12, 24)), STOCKHOLM, 10)
    assert invitations_of(a).count() == 5
    apply_plan(db, clock.now(), a, Plan("both", (7, 14), 60, (6, 12, 24, 36)), STOCKHOLM, 10)
    assert invitations_of(a).count() == 8


def test_a_refused_change_stores_nothing(db, clock, two_programmes):
    a = two_programmes.a
    kept = programme_rows(a)
    with pytest.raises(ProgrammeError):
        apply_plan(db, clock.now(), a, Plan("both", (7,), 60, (6, 12)), STOCKHOLM, 10)
    assert programme_rows(a) == kept


def test_a_wave_added_before_the_others_is_read_in_its_order(db, clock, two_programmes):
    a = two_programmes.a
    apply_plan(db, clock.now(), a, Plan("email_only", (7, 14), 60, (3, 6, 12, 24)), STOCKHOLM, 10)
    assert current_plan(a).offsets == (3, 6, 12, 24)


def test_a_change_saved_from_an_old_copy_keeps_the_name_given_meanwhile(db, clock, two_programmes):
    copy = Programme.get_by_id(two_programmes.a.id)
    Programme.update(name="Steget Bollnäs").where(Programme.id == copy.id).execute()
    apply_plan(db, clock.now(), copy, Plan("both", (7, 14), 60, (6, 12, 24)), STOCKHOLM, 10)
    stored = Programme.get_by_id(copy.id)
    assert (stored.name, stored.channel_policy) == ("Steget Bollnäs", "both")
