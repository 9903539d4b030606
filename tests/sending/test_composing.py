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
