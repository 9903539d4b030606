import re

import pytest

from followup import create_app
from followup.config import ConfigError, complete, from_environment


def test_defaults_put_local_state_in_the_instance_folder(tmp_path):
    config = complete(from_environment({}), str(tmp_path))
    assert config["DATABASE_URL"] == f"sqlite:///{tmp_path / 'followup.sqlite3'}"
    assert config["OUTBOX_PATH"] == str(tmp_path / "outbox")
    assert config["TIMEZONE"] == "Europe/Stockholm"
    assert config["SUPPRESSION_THRESHOLD"] == 5


def test_a_generated_secret_is_kept_for_the_next_start(tmp_path):
    first = complete(from_environment({}), str(tmp_path))["SECRET_KEY"]
    second = complete(from_environment({}), str(tmp_path))["SECRET_KEY"]
    assert first == second and len(first) == 64
    assert (tmp_path / "secret_key").stat().st_mode & 0o777 == 0o600


@pytest.mark.parametrize("secret", [None, "dev", "change-me", "short"])
def test_production_refuses_a_missing_or_placeholder_secret(tmp_path, secret):
    environ = {"FOLLOWUP_ENV": "production"}
    if secret:
        environ["FOLLOWUP_SECRET_KEY"] = secret
    with pytest.raises(ConfigError, match="FOLLOWUP_SECRET_KEY"):
        complete(from_environment(environ), str(tmp_path))
    assert not (tmp_path / "secret_key").exists()


def test_production_takes_a_real_secret_and_secures_the_cookie(tmp_path):
    app = create_app({"ENV": "production", "SECRET_KEY": "x" * 40, "INSTANCE_PATH": str(tmp_path)})
    assert app.config["SECRET_KEY"] == "x" * 40
    assert app.config["SESSION_COOKIE_SECURE"] is True


@pytest.mark.parametrize(
    ("name", "value", "message"),
    [
        ("TIMEZONE", "Mars/Olympus", "not a known time zone"),
        ("SEND_HOUR", "25", "FOLLOWUP_SEND_HOUR"),
        ("SEND_HOUR", "ten", "not a valid int"),
        ("SUPPRESSION_THRESHOLD", "0", "FOLLOWUP_SUPPRESSION_THRESHOLD"),
        ("BASE_URL", "followup.example.org", "FOLLOWUP_BASE_URL='followup.example.org' must be"),
        ("BASE_URL", "https://uppföljning.example.org", "in its xn-- form"),
        ("MAIL_FROM", "Uppföljning followup.example.org", "FOLLOWUP_MAIL_FROM=.*one ASCII e-mail address"),
        ("MAIL_FROM", "uppföljning@example.org", "FOLLOWUP_MAIL_FROM"),
        ("MAIL_FROM", "Uppföljning <followup@example.org>\nBcc: x@example.org", "FOLLOWUP_MAIL_FROM"),
    ],
)
def test_bad_settings_are_named(tmp_path, name, value, message):
    with pytest.raises(ConfigError, match=message):
        complete(from_environment({f"FOLLOWUP_{name}": value}), str(tmp_path))


def test_a_sender_with_a_name_and_an_ascii_public_address_are_taken(tmp_path):
    environ = {
        "FOLLOWUP_MAIL_FROM": "Uppföljning <followup@example.org>",
        "FOLLOWUP_BASE_URL": "https://xn--uppfljning-r8a.example.org/",
    }
    config = complete(from_environment(environ), str(tmp_path))
    assert config["BASE_URL"] == "https://xn--uppfljning-r8a.example.org"


def test_an_unsupported_database_url_is_refused(tmp_path):
    with pytest.raises(ValueError, match="unsupported database URL scheme 'mysql'"):
        create_app({"DATABASE_URL": "mysql://localhost/x", "INSTANCE_PATH": str(tmp_path)})


def test_who_is_asking_comes_from_four_settings(tmp_path):
    environ = {
        "FOLLOWUP_ORGANISATION": " Samordningsförbundet Exempel ",
        "FOLLOWUP_CONTACT_EMAIL": "uppfoljning@example.org",
        "FOLLOWUP_CONTACT_PHONE": "0650-55 55 55",
        "FOLLOWUP_PRIVACY_URL": "https://example.org/personuppgifter",
    }
    who = complete(from_environment(environ), str(tmp_path))["WHO_IS_ASKING"]
    assert (who.name, who.email, who.phone, who.privacy_url) == (
        "Samordningsförbundet Exempel",
        "uppfoljning@example.org",
        "0650-55 55 55",
        "https://example.org/personuppgifter",
    )
    nobody = complete(from_environment({}), str(tmp_path))["WHO_IS_ASKING"]
    assert (nobody.name, nobody.email, nobody.phone, nobody.privacy_url) == (None, None, None, None)


@pytest.mark.parametrize(
    ("name", "value", "message"),
    [
        ("CONTACT_EMAIL", "uppfoljning", "FOLLOWUP_CONTACT_EMAIL='uppfoljning' is not an e-mail address"),
        (
            "PRIVACY_URL",
            "javascript:alert(1)",
            "FOLLOWUP_PRIVACY_URL='javascript:alert(1)' must be a web address",
        ),
        ("ORGANISATION", "Två\nrader", "FOLLOWUP_ORGANISATION must be one line"),
        ("CONTACT_PHONE", "0" * 201, "FOLLOWUP_CONTACT_PHONE must be one line of at most 200 characters"),
    ],
)
def test_who_is_asking_is_checked_at_start(tmp_path, name, value, message):
    with pytest.raises(ConfigError, match=re.escape(message)):
        complete(from_environment({f"FOLLOWUP_{name}": value}), str(tmp_path))


def test_the_base_url_is_marked_as_given_or_not(tmp_path):
    assert complete(from_environment({}), str(tmp_path))["BASE_URL_GIVEN"] is False
    given = complete(from_environment({"FOLLOWUP_BASE_URL": "https://f.example.org/"}), str(tmp_path))
    assert (given["BASE_URL"], given["BASE_URL_GIVEN"]) == ("https://f.example.org", True)
