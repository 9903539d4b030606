"""Settings from FOLLOWUP_* environment variables, with safe defaults for the embedded mode."""

from __future__ import annotations

import os
import re
import secrets
from pathlib import Path
from urllib.parse import urlparse
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from followup.instance import private_folder, write_private
from followup.plan.organiser import Organisation
from followup.sending.delivery.email import check_sender

DEFAULT_BASE_URL = "http://127.0.0.1:5000"
PLACEHOLDER_SECRETS = {"", "dev", "change-me", "changeme", "secret", "placeholder"}

# name, default, parser; the README documents each one.
SETTINGS: list[tuple[str, object, type]] = [
    ("ENV", "development", str),
    ("INSTANCE_PATH", None, str),
    ("DATABASE_URL", None, str),
    ("SECRET_KEY", None, str),
    ("BASE_URL", None, str),
    ("TIMEZONE", "Europe/Stockholm", str),
    ("LANGUAGE", "sv", str),
    ("SEND_HOUR", 10, int),
    ("SUPPRESSION_THRESHOLD", 5, int),
    ("SOCIAL_ASSISTANCE_NORM", 4620, int),
    ("SOCIAL_ASSISTANCE_MONTHS", 12, int),
    ("CONTACT_RETENTION_DAYS", 0, int),
    ("EMAIL_TRANSPORT", "outbox", str),
    ("SMS_TRANSPORT", "outbox", str),
    ("MAIL_FROM", "followup@localhost", str),
    ("SMTP_HOST", "localhost", str),
    ("SMTP_PORT", 587, int),
    ("SMTP_SECURITY", "starttls", str),
    ("SMTP_USERNAME", None, str),
    ("SMTP_PASSWORD", None, str),
    ("TWILIO_ACCOUNT_SID", None, str),
    ("TWILIO_AUTH_TOKEN", None, str),
    ("TWILIO_MESSAGING_SERVICE_SID", None, str),
    ("TWILIO_FROM", None, str),
    ("TWILIO_API_URL", None, str),
    ("SEND_DAYS", "mon-fri", str),
    ("SEND_HOURS", "09:00-19:00", str),
    ("HOLIDAYS", "SE", str),
    ("EMAIL_PER_SECOND", 0.0, float),
    ("SMS_PER_SECOND", 1.0, float),
    ("OUTBOX_PATH", None, str),
    ("TICK_SECONDS", 60, int),
    ("RATELIMIT_STORAGE_URL", None, str),
    ("PROXY_COUNT", 0, int),
    ("ORGANISATION", None, str),
    ("CONTACT_EMAIL", None, str),
    ("CONTACT_PHONE", None, str),
    ("PRIVACY_URL", None, str),  # these four: the default for programmes that name no organiser
    ("STAFF_IDLE_MINUTES", 30, int),
    ("STAFF_LIFETIME_HOURS", 12, int),
]


class ConfigError(Exception):
    """A setting is missing or wrong; the message says which and how to fix it."""


def from_environment(environ: os._Environ | dict | None = None) -> dict:
    """Read every FOLLOWUP_* setting from `environ`, falling back to the defaults."""
    environ = os.environ if environ is None else environ
    config: dict = {}
    for name, default, parse in SETTINGS:
        raw = environ.get(f"FOLLOWUP_{name}")
        if raw is None or raw == "":
            config[name] = default
            continue
        try:
            config[name] = parse(raw)
        except ValueError as exc:
            raise ConfigError(f"FOLLOWUP_{name}={raw!r} is not a valid {parse.__name__}") from exc
    return config


def complete(config: dict, default_instance: str) -> dict:
    """Fill in the settings derived from others and check the whole set."""
    config = dict(config)
    instance = Path(config.get("INSTANCE_PATH") or default_instance).resolve()
    config["INSTANCE_PATH"] = str(instance)
    if not config.get("DATABASE_URL"):
        config["DATABASE_URL"] = f"sqlite:///{instance / 'followup.sqlite3'}"
    if not config.get("OUTBOX_PATH"):
        config["OUTBOX_PATH"] = str(instance / "outbox")
    try:
        ZoneInfo(config["TIMEZONE"])
    except (ZoneInfoNotFoundError, ValueError) as exc:
        raise ConfigError(f"FOLLOWUP_TIMEZONE={config['TIMEZONE']!r} is not a known time zone") from exc
    if config["LANGUAGE"] not in ("sv", "en"):
        raise ConfigError("FOLLOWUP_LANGUAGE must be sv or en")
    if not 0 <= config["SEND_HOUR"] <= 23:
        raise ConfigError("FOLLOWUP_SEND_HOUR must be an hour from 0 to 23")
    if config["SMTP_SECURITY"] not in ("starttls", "tls", "none"):
        raise ConfigError("FOLLOWUP_SMTP_SECURITY must be starttls, tls or none")
    if config["SMS_PER_SECOND"] < 0 or config["EMAIL_PER_SECOND"] < 0:
        raise ConfigError("FOLLOWUP_SMS_PER_SECOND and FOLLOWUP_EMAIL_PER_SECOND cannot be negative")
    if config["SMS_TRANSPORT"] == "twilio" and not (
        config["TWILIO_ACCOUNT_SID"]
        and config["TWILIO_AUTH_TOKEN"]
        and (config["TWILIO_MESSAGING_SERVICE_SID"] or config["TWILIO_FROM"])
    ):
        raise ConfigError(
            "FOLLOWUP_SMS_TRANSPORT=twilio needs FOLLOWUP_TWILIO_ACCOUNT_SID, FOLLOWUP_TWILIO_AUTH_TOKEN "
            "and FOLLOWUP_TWILIO_MESSAGING_SERVICE_SID or FOLLOWUP_TWILIO_FROM"
        )
    if not 0 <= config["PROXY_COUNT"] <= 10:
        raise ConfigError("FOLLOWUP_PROXY_COUNT must be the number of proxies in front, 0 to 10")
    storage = config["RATELIMIT_STORAGE_URL"]
    if storage and urlparse(storage).scheme not in ("memory", "redis", "rediss", "redis+unix"):
        raise ConfigError(
            f"FOLLOWUP_RATELIMIT_STORAGE_URL={storage!r} must be redis://host:port/db (or memory://)"
        )
    if config["STAFF_IDLE_MINUTES"] < 1 or config["STAFF_LIFETIME_HOURS"] < 1:
        raise ConfigError("FOLLOWUP_STAFF_IDLE_MINUTES and FOLLOWUP_STAFF_LIFETIME_HOURS must be at least 1")
    if config["SUPPRESSION_THRESHOLD"] < 1:
        raise ConfigError("FOLLOWUP_SUPPRESSION_THRESHOLD must be at least 1")
    # Without a public address, `followup serve` links to the address it serves (see cli.serve).
    config["BASE_URL_GIVEN"] = bool(config.get("BASE_URL"))
    config["BASE_URL"] = (config.get("BASE_URL") or DEFAULT_BASE_URL).rstrip("/")
    base = urlparse(config["BASE_URL"])
    if base.scheme not in ("http", "https") or not base.netloc or not config["BASE_URL"].isascii():
        raise ConfigError(
            f"FOLLOWUP_BASE_URL={config['BASE_URL']!r} must be the service's public address, starting with "
            "https:// or http://, in ASCII (a domain with å, ä or ö in its xn-- form)"
        )
    try:
        check_sender(config["MAIL_FROM"])
    except ValueError as exc:
        raise ConfigError(f"FOLLOWUP_MAIL_FROM={config['MAIL_FROM']!r}: {exc}") from None
    config["SECRET_KEY"] = _secret_key(config, instance)
    config["WHO_IS_ASKING"] = _organisation(config)
    return config


def _organisation(config: dict) -> Organisation:
    values = {
        name: (config.get(name) or "").strip() or None
        for name in ("ORGANISATION", "CONTACT_EMAIL", "CONTACT_PHONE", "PRIVACY_URL")
    }
    for name, value in values.items():
        if value and (len(value) > 200 or any(ord(c) < 32 or 127 <= ord(c) < 160 for c in value)):
            raise ConfigError(f"FOLLOWUP_{name} must be one line of at most 200 characters")
    email, url = values["CONTACT_EMAIL"], values["PRIVACY_URL"]
    if email and not re.fullmatch(r"[^@\s<>]+@[^@\s<>]+\.[^@\s<>]+", email):
        raise ConfigError(f"FOLLOWUP_CONTACT_EMAIL={email!r} is not an e-mail address")
    if url and (urlparse(url).scheme not in ("http", "https") or not urlparse(url).netloc):
        raise ConfigError(f"FOLLOWUP_PRIVACY_URL={url!r} must be a web address starting with https://")
    return Organisation(values["ORGANISATION"], email, values["CONTACT_PHONE"], url)


def _secret_key(config: dict, instance: Path) -> str:
    key = config.get("SECRET_KEY") or ""
    if config["ENV"] == "production":
        if key.strip().lower() in PLACEHOLDER_SECRETS or len(key) < 32:
            raise ConfigError(
                "FOLLOWUP_SECRET_KEY must be set to a random value of at least 32 characters "
                "in production (for example: python -c 'import secrets; print(secrets.token_hex(32))')"
            )
        return key
    if key:
        return key
    # Local use: one generated key, kept in the instance folder so sessions survive restarts.
    path = instance / "secret_key"
    if path.exists():
        return path.read_text().strip()
    private_folder(instance)
    key = secrets.token_hex(32)
    write_private(path, key.encode())
    return key
