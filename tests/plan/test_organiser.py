"""Who is asking: an address fit for a mailto: link, a number as people read it, and whose details show."""

import pytest

from followup.models import Programme
from followup.plan.organiser import (
    Organisation,
    has_notice,
    is_email,
    organiser_for,
    organiser_of,
    shown_phone,
)

INSTANCE = Organisation(
    "Instansen", "info@example.org", "08-123 456 78", "https://example.org/pu", "Instansen"
)


@pytest.mark.parametrize(
    ("text", "valid"),
    [
        ("a@example.org", True),
        ("a" * 242 + "@example.org", True),  # 254 characters, the most an address may have
        ("a" * 243 + "@example.org", False),
        ("a@example", False),
        ("a@example.", False),
        ("a@example.org.", False),
        ("a@b@example.org", False),
        ("a b@example.org", False),
        ("<a@example.org>", False),
        ('"a"@example.org', False),
        ("a@example.org, b@example.org", False),
        ("a@example.org;b@example.org", False),
    ],
)
def test_an_e_mail_address_is_one_address_that_fits_in_a_mailto_link(text, valid):
    assert is_email(text) is valid


@pytest.mark.parametrize(
    ("stored", "shown"),
    [
        ("+46650555555", "0650-55 55 55"),
        ("+46701740605", "070-174 06 05"),
        ("+442079460000", "+44 20 7946 0000"),
        ("", ""),
        ("not a number", "not a number"),
    ],
)
def test_a_stored_number_is_shown_nationally_at_home_and_with_its_country_code_abroad(stored, shown):
    assert shown_phone(stored) == shown


def test_a_tel_link_keeps_the_digits_and_a_plus_only():
    assert Organisation(phone="+46 (0)650-55 55 55").tel == "+460650555555"
    assert Organisation().tel == ""


def test_a_notice_needs_its_controller_named():
    assert has_notice(Programme(privacy_controller="Förbundet, Box 1")) is True
    assert has_notice(Programme(privacy_controller="  ")) is False


def test_a_programme_s_organiser_never_mixes_in_the_instance_s_contact_details():
    own = Programme(organisation="Förbundet", contact_email="", contact_phone="", privacy_controller="F")
    found = organiser_of(own, INSTANCE, "https://f.example.org/integritet/3")
    assert found == Organisation("Förbundet", None, None, "https://f.example.org/integritet/3", None)
    without_notice = Programme(organisation="Förbundet", contact_email="f@example.org", sender_name="Steget")
    found = organiser_of(without_notice, INSTANCE, "https://f.example.org/integritet/3")
    assert found == Organisation("Förbundet", "f@example.org", None, "https://example.org/pu", "Steget")
    plain = Programme(privacy_controller="F")
    assert organiser_of(plain, INSTANCE, None) == INSTANCE
    assert organiser_of(plain, INSTANCE, "/integritet/4").privacy_url == "/integritet/4"
    assert organiser_of(None, INSTANCE, "/integritet/4") == INSTANCE


def test_no_programme_id_means_the_instance_s_organiser(db):
    assert organiser_for(0, INSTANCE, "https://f.example.org") == INSTANCE
    assert organiser_for(12345, INSTANCE, "https://f.example.org") == INSTANCE
