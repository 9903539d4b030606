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


# --- the organiser and the privacy notice -------------------------------------------------------

NOTICE = {
    "privacy_controller": "Samordningsförbundet Exempel, Box 1, 821 00 Bollnäs",
    "privacy_purpose": "To learn how participants are doing after the programme.",
    "privacy_legal_basis": "Public interest (GDPR art. 6.1 e).",
    "privacy_retention": "Contact details until the last follow-up; answers for ten years.",
    "privacy_rights": "You may ask to see, correct or erase your data.",
}


def test_details_are_cleaned_the_phone_kept_in_e164():
    from followup.plan.programmes import clean_details

    details = clean_details(
        {
            "organisation": " Samordningsförbundet Exempel ",
            "contact_email": "uppfoljning@example.org",
            "contact_phone": "0650-55 55 55",
            "sender_name": "Steget, Bollnäs",
            **NOTICE,
            "privacy_rights": "Line one\r\nline two",
        }
    )
    assert details.organisation == "Samordningsförbundet Exempel"
    assert details.contact_phone == "+46650555555"
    assert details.privacy_rights == "Line one\nline two"
    assert details.privacy_dpo == ""  # the officer is optional
    assert clean_details({}) == type(details)()  # nothing given: the instance's defaults apply


EMAIL = "E-postadressen är inte giltig. Skriv den som namn@example.org."
PHONE = "Telefonnumret är inte giltigt: skriv det som 0650-55 55 55 eller +46 650 55 55 55."
WHOSE = "Skriv namnet på organisationen som deltagarna når på den här e-postadressen eller det här numret."
PART = "Integritetsmeddelandet behöver också den här delen."


@pytest.mark.parametrize(
    ("given", "wrong", "swedish"),
    [
        ({"organisation": "X", "contact_email": "uppfoljning"}, {"contact_email"}, EMAIL),
        ({"organisation": "X", "contact_email": "a@b.se, c@d.se"}, {"contact_email"}, EMAIL),
        ({"organisation": "X", "contact_phone": "12"}, {"contact_phone"}, PHONE),
        ({"organisation": "X", "contact_phone": "ring mig"}, {"contact_phone"}, PHONE),
        ({"contact_email": "a@example.org"}, {"organisation"}, WHOSE),  # whose contact is it?
        ({"organisation": "Två\nrader"}, {"organisation"}, "Skriv en rad med högst 200 tecken."),
        ({"sender_name": "x" * 101}, {"sender_name"}, "Skriv en rad med högst 100 tecken."),
        ({"privacy_controller": "Kommunen"}, set(list(NOTICE)[1:]), PART),  # a notice needs every part
        ({"privacy_dpo": "dso@example.org"}, set(NOTICE), PART),
        ({**NOTICE, "privacy_purpose": "x" * 4001}, {"privacy_purpose"}, "Skriv högst 4000 tecken."),
    ],
)
def test_wrong_details_are_named_field_by_field_in_swedish(app, given, wrong, swedish):
    from followup.plan.programmes import DetailsError, clean_details

    with app.test_request_context(), pytest.raises(DetailsError) as raised:
        clean_details(given)
    assert raised.value.errors == dict.fromkeys(wrong, swedish)


def test_a_programme_is_created_with_its_details_and_renamed_with_them(db, clock):
    from followup.plan.programmes import DetailsError, clean_details, details_of, update_programme

    details = clean_details({"organisation": "Förbundet", "contact_phone": "070-174 06 05", **NOTICE})
    created = create_programme(db, clock.now(), "Steget", details=details)
    assert details_of(Programme.get_by_id(created.id)) == details
    create_programme(db, clock.now(), "Steget Fram")

    changed = clean_details({**details.__dict__, "contact_phone": "0701740606", "sender_name": "Steget"})
    change = update_programme(db, created, "Steget Bollnäs", changed)
    stored = Programme.get_by_id(created.id)
    assert (stored.name, stored.contact_phone, stored.sender_name) == (
        "Steget Bollnäs",
        "+46701740606",
        "Steget",
    )
    assert change["changed"] == ["name", "contact_phone", "sender_name"]
    assert change["before"] == {"name": "Steget", "sender_name": ""}
    assert change["after"] == {"name": "Steget Bollnäs", "sender_name": "Steget"}
    assert "0701740606" not in repr(change) and "+46" not in repr(change)  # never a phone number
    assert update_programme(db, created, "Steget Bollnäs", changed) == {}
    with pytest.raises(DetailsError) as taken:
        update_programme(db, created, "Steget Fram", changed)
    assert set(taken.value.errors) == {"name"}
    assert Programme.get_by_id(created.id).name == "Steget Bollnäs"


def test_a_programme_s_own_organiser_replaces_the_instance_s_as_a_whole(db, clock):
    from followup.plan.organiser import Organisation, organiser_for, organiser_of_participant
    from followup.plan.programmes import clean_details, update_programme
    from tests.factories import make_participant

    instance = Organisation("Instansen", "info@example.org", "08-123 456 78", "https://example.org/pu", None)
    own = create_programme(db, clock.now(), "Steget")
    plain = create_programme(db, clock.now(), "Steget Fram")
    make_participant(db, clock.now(), own, code="P1")
    make_participant(db, clock.now(), plain, code="P2")
    assert organiser_for(plain.id, instance, "https://f.example.org") == instance
    assert organiser_for(None, instance, "") == instance

    update_programme(
        db, own, "Steget", clean_details({"organisation": "Förbundet", "contact_phone": "0650555555"})
    )
    found = organiser_for(own.id, instance, "https://f.example.org")
    # Nothing of the instance's contact is mixed in; the privacy page is still the instance's.
    assert (found.name, found.email, found.phone) == ("Förbundet", None, "0650-55 55 55")
    assert found.tel == "0650555555" and found.privacy_url == "https://example.org/pu"

    update_programme(db, plain, "Steget Fram", clean_details({**NOTICE, "sender_name": "Steget Fram"}))
    found = organiser_for(plain.id, instance, "https://f.example.org")
    assert (found.name, found.email, found.sender) == ("Instansen", "info@example.org", "Steget Fram")
    assert found.privacy_url == f"https://f.example.org/integritet/{plain.id}"
    p2 = plain.participants.get()
    assert organiser_of_participant(p2.id, instance).privacy_url == f"/integritet/{plain.id}"
    assert organiser_of_participant(own.participants.get().id, instance).name == "Förbundet"


def test_the_list_counts_cohorts_and_participants_and_can_be_limited(db, clock):
    from followup.plan.programmes import list_programmes
    from tests.factories import make_participant

    a = create_programme(db, clock.now(), "A", offsets=[6, 12])
    b = create_programme(db, clock.now(), "B")
    make_participant(db, clock.now(), a, code="P1", cohort="G1")
    make_participant(db, clock.now(), a, code="P2", cohort="G2")
    make_participant(db, clock.now(), a, code="P3", cohort="G2")
    listed = {s.name: s for s in list_programmes()}
    assert (listed["A"].id, listed["A"].cohorts, listed["A"].participants) == (a.id, 2, 3)
    assert listed["A"].wave_months == [6, 12]
    assert (listed["B"].cohorts, listed["B"].participants) == (0, 0)
    assert [s.name for s in list_programmes({b.id})] == ["B"]
    assert list_programmes(set()) == []
    # A wave added later is listed in its place by months.
    Wave.create(programme=a, offset_months=3, survey="standard", window_days=30)
    assert {s.name: s for s in list_programmes()}["A"].wave_months == [3, 6, 12]


@pytest.mark.parametrize(
    ("given", "field", "says"),
    [
        ({"organisation": "x" * 201}, "organisation", "Write one line of at most 200 characters."),
        ({"sender_name": "Steget\x7f"}, "sender_name", "Write one line of at most 100 characters."),
        ({"organisation": "X", "contact_email": "uppfoljning"}, "contact_email", "like name@example.org."),
        (
            {"organisation": "X", "contact_phone": "12"},
            "contact_phone",
            "like 0650-55 55 55, or +46 650 55 55 55.",
        ),
        ({"contact_phone": "0650-55 55 55"}, "organisation", "Name the organisation that participants reach"),
        ({**NOTICE, "privacy_purpose": "x" * 4001}, "privacy_purpose", "Write at most 4000 characters."),
        ({"privacy_controller": "Kommunen"}, "privacy_rights", "A privacy notice needs this part too."),
    ],
)
def test_each_wrong_detail_says_what_to_write(given, field, says):
    from followup.plan.programmes import DetailsError, clean_details

    with pytest.raises(DetailsError) as raised:
        clean_details(given)
    assert says in raised.value.errors[field]
    assert str(raised.value) == " ".join(raised.value.errors.values())


def test_the_longest_details_and_names_allowed_are_kept(db, clock):
    from followup.plan.programmes import clean_details, update_programme

    longest = {"organisation": "x" * 200, "sender_name": "Steget\xa0" + "y" * 93, **NOTICE}
    details = clean_details({**longest, "privacy_purpose": "z" * 4000})
    programme = create_programme(db, clock.now(), "Steget")
    update_programme(db, programme, "n" * 199 + "~", details)
    stored = Programme.get_by_id(programme.id)
    assert (stored.name, stored.organisation, stored.sender_name) == (
        "n" * 199 + "~",
        "x" * 200,
        longest["sender_name"],
    )


@pytest.mark.parametrize(
    ("name", "says"),
    [
        ("  ", "A programme needs a name."),
        ("n" * 201, "Write one line of at most 200 characters."),
        ("Steget\x9f", "Write one line of at most 200 characters."),
        ("B", "There is already a programme called 'B'."),
    ],
)
def test_a_wrong_new_name_is_refused_with_what_to_write(db, clock, name, says):
    from followup.plan.programmes import Details, DetailsError, update_programme

    programme = create_programme(db, clock.now(), "Steget")
    create_programme(db, clock.now(), "B")
    with pytest.raises(DetailsError) as raised:
        update_programme(db, programme, name, Details())
    assert raised.value.errors == {"name": says}
    assert Programme.get_by_id(programme.id).name == "Steget"


def test_the_audit_log_keeps_the_names_shown_and_only_which_other_parts_were_given():
    from followup.plan.programmes import Details, details_audit

    kept = details_audit(Details(organisation="Förbundet", contact_email="a@example.org", privacy_dpo=""))
    assert kept == {"organisation": "Förbundet", "sender_name": "", "given": ["contact_email"]}


def test_the_list_shows_waves_in_order_each_programme_s_own_counts_and_organiser(db, clock):
    from followup.plan.programmes import list_programmes
    from tests.factories import make_participant

    a = create_programme(db, clock.now(), "A", offsets=[6, 12])
    b = create_programme(db, clock.now(), "B")
    empty = create_programme(db, clock.now(), "C")
    Wave.create(programme=a, offset_months=3, survey="standard", window_days=60)
    Wave.delete().where(Wave.programme == empty).execute()
    Programme.update(organisation="Förbundet").where(Programme.id == a.id).execute()
    make_participant(db, clock.now(), a, code="P1", cohort="G1")
    make_participant(db, clock.now(), a, code="P2", cohort="G2")
    make_participant(db, clock.now(), b, code="P1", cohort="G1")
    listed = {s.name: s for s in list_programmes()}
    assert (listed["A"].wave_months, listed["A"].organisation) == ([3, 6, 12], "Förbundet")
    assert (listed["A"].cohorts, listed["A"].participants) == (2, 2)
    assert (listed["B"].cohorts, listed["B"].participants) == (1, 1)
    assert (listed["C"].wave_months, listed["C"].cohorts, listed["C"].participants) == ([], 0, 0)
