import pytest

from followup.models import Programme, Wave
from followup.plan.programmes import ProgrammeError, create_programme, find_programme


def test_a_programme_is_created_with_its_waves_and_contact_plan(db, clock):
    created = create_programme(
        db, clock.now(), " Steget ", offsets=[12, 3], window_days=30, survey="kort",
        channel_policy="sms_only", reminder_days=[3, 10],
    )  # fmt: skip
    programme = Programme.get_by_id(created.id)
    assert (programme.name, programme.channel_policy, programme.reminder_days) == (
        "Steget",
        "sms_only",
        "3,10",
    )
    assert programme.created_at == clock.now()
    waves = [(w.offset_months, w.window_days, w.survey) for w in Wave.select().order_by(Wave.id)]
    assert waves == [(3, 30, "kort"), (12, 30, "kort")]
    assert find_programme(" Steget ").id == programme.id


def test_the_defaults_are_three_waves_email_then_sms_and_two_reminders(db, clock):
    programme = Programme.get_by_id(create_programme(db, clock.now(), "Steget").id)
    assert (programme.channel_policy, programme.reminder_days) == ("email_then_sms", "7,14")
    assert [(w.offset_months, w.window_days, w.survey) for w in Wave.select().order_by(Wave.id)] == [
        (6, 60, "standard"),
        (12, 60, "standard"),
        (24, 60, "standard"),
    ]


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"name": "  "}, "needs a name"),
        ({"offsets": []}, "Wave offsets"),
        ({"offsets": [0, 6]}, "Wave offsets"),
        ({"offsets": [6, 6]}, "Wave offsets"),
        ({"window_days": 0}, "at least one day"),
        ({"channel_policy": "fax"}, "email_only, sms_only, both, email_then_sms"),
        ({"reminder_days": [0]}, "Reminder days"),
        ({"reminder_days": [60]}, "Reminder days"),
        ({"reminder_days": [14, 7]}, "Reminder days"),
        ({"reminder_days": [7, 7]}, "Reminder days"),
    ],
)
def test_a_plan_that_cannot_work_is_refused_and_nothing_is_stored(db, clock, changes, message):
    arguments = {"name": "Steget", **changes}
    with pytest.raises(ProgrammeError, match=message):
        create_programme(db, clock.now(), arguments.pop("name"), **arguments)
    assert Programme.select().count() == 0 and Wave.select().count() == 0


def test_the_edges_of_a_plan_are_accepted(db, clock):
    programme = create_programme(
        db, clock.now(), "Steget", offsets=[1], window_days=60, reminder_days=[1, 59]
    )
    assert Programme.get_by_id(programme.id).reminder_days == "1,59"
    create_programme(db, clock.now(), "Kort", offsets=[1], window_days=1, reminder_days=[])
    assert Wave.select().where(Wave.window_days == 1).count() == 1


def test_names_are_unique_and_unknown_ones_are_named(db, clock):
    create_programme(db, clock.now(), "Steget")
    with pytest.raises(ProgrammeError, match="already a programme called 'Steget'"):
        create_programme(db, clock.now(), " Steget")
    with pytest.raises(ProgrammeError, match="no programme called 'Steget Fram'"):
        find_programme("Steget Fram")
    assert Programme.select().count() == 1


@pytest.mark.parametrize(
    ("arguments", "swedish"),
    [
        ({"name": " "}, "En insats måste ha ett namn."),
        ({"name": "Steget", "offsets": [0]}, "Uppföljningarna måste ligga på olika hela månader"),
        ({"name": "Steget", "window_days": 0}, "Tiden att svara måste vara minst en dag."),
        ({"name": "Steget", "channel_policy": "fax"}, "Okänt sätt att skicka; använd ett av email_only"),
        ({"name": "Steget", "reminder_days": [0]}, "Påminnelsedagarna måste öka"),
        ({"name": "Finns", "offsets": [6]}, "Det finns redan en insats som heter 'Finns'."),
    ],
)
def test_refusals_are_in_swedish_by_default(app, db, clock, arguments, swedish):
    create_programme(db, clock.now(), "Finns")
    arguments = dict(arguments)
    with app.test_request_context(), pytest.raises(ProgrammeError) as caught:
        create_programme(db, clock.now(), arguments.pop("name"), **arguments)
    assert swedish in str(caught.value)


def test_an_unknown_programme_is_named_in_swedish_by_default(app, db):
    with app.test_request_context(), pytest.raises(ProgrammeError) as caught:
        find_programme("Steget Fram")
    assert str(caught.value) == "Det finns ingen insats som heter 'Steget Fram'."
