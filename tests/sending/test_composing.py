from datetime import date

import pytest

from followup.config import Organisation
from followup.sending.composing import compose

WHO = Organisation(
    name="Samordningsförbundet Exempel",
    email="uppfoljning@example.org",
    phone="0650-55 55 55",
    privacy_url="https://example.org/personuppgifter",
)
LINK, OPTOUT = "https://followup.example.org/s/abc", "https://followup.example.org/u/def"


def message(app, kind, channel, language):
    with app.app_context():
        return compose(kind, channel, language, LINK, OPTOUT, "Steget", date(2026, 3, 21))


@pytest.mark.parametrize("kind", ["invitation", "reminder"])
@pytest.mark.parametrize("language", ["sv", "en"])
def test_every_email_says_who_is_asking_and_how_to_reach_them(app, kind, language):
    app.config["WHO_IS_ASKING"] = WHO
    composed = message(app, kind, "email", language)
    for body in (composed.text, composed.html):
        assert "Steget, Samordningsförbundet Exempel" in body
        assert "uppfoljning@example.org" in body and "0650-55 55 55" in body
        assert "https://example.org/personuppgifter" in body
        assert "linked to your name" not in body and "kopplas till ditt namn" not in body
    assert "\n\n\n" not in composed.text


def test_an_email_without_an_organisation_has_no_empty_lines_for_it(app):
    composed = message(app, "invitation", "email", "en")
    assert "Thank you!\nSteget\n\n--" in composed.text
    assert "Questions?" not in composed.text and "Questions?" not in composed.html
    assert "stored under a code, apart from your contact details" in composed.text


@pytest.mark.parametrize(
    ("kind", "language", "start"),
    [
        ("invitation", "en", "Steget (Samordningsförbundet Exempel): How are you doing now?"),
        ("reminder", "en", "Steget (Samordningsförbundet Exempel): A reminder, 3 min"),
        ("invitation", "sv", "Steget (Samordningsförbundet Exempel): Hur går det för dig nu?"),
    ],
)
def test_an_sms_names_the_organisation_and_goes_on_in_capitals(app, kind, language, start):
    app.config["WHO_IS_ASKING"] = WHO
    assert message(app, kind, "sms", language).text.startswith(start)


def test_the_english_sms_without_an_organisation_goes_on_in_capitals(app):
    assert message(app, "invitation", "sms", "en").text.startswith("Steget: How are you doing now?")


def test_each_programme_s_messages_name_its_own_organiser_and_sender(app, db, clock, outbox):
    from followup.plan.programmes import clean_details, update_programme
    from tests.factories import at, make_participants, make_programme, run_tick

    app.config["WHO_IS_ASKING"] = WHO
    own = make_programme(db, clock.now(), "Steget", channel_policy="both")
    plain = make_programme(db, clock.now(), "Steget Fram", channel_policy="both")
    details = {
        "organisation": "Samordningsförbundet Norr",
        "contact_email": "norr@example.org",
        "sender_name": "Steget, Samordningsförbundet Norr",
        "privacy_controller": "Samordningsförbundet Norr",
        "privacy_purpose": "Uppföljning.",
        "privacy_legal_basis": "Allmänt intresse.",
        "privacy_retention": "Till sista uppföljningen.",
        "privacy_rights": "Se, rätta, radera.",
    }
    update_programme(db, own, "Steget", clean_details(details))
    make_participants(db, clock.now(), own, ["N1,2025-07-20,n1@example.org,0701740605,sv,G"])
    make_participants(db, clock.now(), plain, ["F1,2025-07-20,f1@example.org,0701740606,sv,G"])
    run_tick(app, db, at(2026, 1, 21), base_url="https://followup.example.org")

    emails = {e["To"]: e for e in outbox.emails()}
    north, other = emails["n1@example.org"], emails["f1@example.org"]
    assert north["From"].addresses[0].display_name == "Steget, Samordningsförbundet Norr"
    assert (
        north["From"].addresses[0].addr_spec == other["From"].addresses[0].addr_spec == "followup@example.org"
    )
    assert other["From"].addresses[0].display_name == ""  # as FOLLOWUP_MAIL_FROM has it
    for body in (north.get_body(("plain",)).get_content(), north.get_body(("html",)).get_content()):
        assert "Steget, Samordningsförbundet Norr" in body and "norr@example.org" in body
        assert f"https://followup.example.org/integritet/{own.id}" in body
        assert "Samordningsförbundet Exempel" not in body and "0650-55 55 55" not in body
    for body in (other.get_body(("plain",)).get_content(), other.get_body(("html",)).get_content()):
        assert "Steget Fram, Samordningsförbundet Exempel" in body
        assert "https://example.org/personuppgifter" in body and "/integritet/" not in body
    texts = {t.split("\n", 1)[0]: t for t in outbox.sms()}
    assert "Steget (Samordningsförbundet Norr): Hur går det för dig nu?" in texts["To: +46701740605"]
    assert "Steget Fram (Samordningsförbundet Exempel): Hur går det" in texts["To: +46701740606"]


@pytest.mark.parametrize("channel", ["email", "sms"])
def test_a_fresh_link_asked_for_by_a_coordinator_carries_the_invitation_s_words(app, channel):
    assert message(app, "resend", channel, "sv") == message(app, "invitation", channel, "sv")


@pytest.mark.parametrize("kind", ["invitation", "reminder"])
def test_each_message_carries_its_link_and_an_email_also_the_last_day_and_the_way_out(app, kind):
    email = message(app, kind, "email", "en")
    for body in (email.text, email.html):
        assert LINK in body and OPTOUT in body and "2026-03-21" in body
    assert "Steget" in email.subject and email.subject == email.subject.strip()
    sms = message(app, kind, "sms", "en").text
    assert LINK in sms and sms == sms.strip()
