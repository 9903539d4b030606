"""One-time links to set a password: the first admin's, an invitation's or a reset's.

Only the SHA-256 of a link's token is stored; a link works once and until it expires.
"""

from __future__ import annotations

import hashlib
import secrets
from datetime import datetime, timedelta

from peewee import Database

from followup.i18n import _l
from followup.models import OneTimeLink, User

LIFETIMES = {
    OneTimeLink.SET_PASSWORD: timedelta(days=7),
    OneTimeLink.INVITATION: timedelta(days=7),
    OneTimeLink.RESET: timedelta(hours=1),
}


class LinkInvalid(ValueError):
    """The link is unknown, used or expired."""


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def issue_link(db: Database, now: datetime, user: User, purpose: str) -> str:
    """Make a one-time link token for `user`; earlier unused links of the same purpose stop working."""
    token = secrets.token_urlsafe(32)
    with db.atomic():
        OneTimeLink.update(used_at=now).where(
            OneTimeLink.user == user, OneTimeLink.purpose == purpose, OneTimeLink.used_at.is_null()
        ).execute()
        OneTimeLink.create(
            user=user,
            purpose=purpose,
            token_hash=_digest(token),
            created_at=now,
            expires_at=now + LIFETIMES[purpose],
        )
    return token


def find_link(now: datetime, token: str) -> OneTimeLink:
    """Return the link for `token` if it can still be used, or raise LinkInvalid."""
    link = (
        OneTimeLink.select(OneTimeLink, User)
        .join(User)
        .where(OneTimeLink.token_hash == _digest(token))
        .first()
    )
    if link is None or link.used_at is not None or link.expires_at <= now or not link.user.active:
        raise LinkInvalid(str(_l("This link does not work any more. Ask for a new one.")))
    return link


def use_link(db: Database, now: datetime, token: str) -> User:
    """Spend the link for `token` and return its user, or raise LinkInvalid (also when it was just spent)."""
    with db.atomic():
        link = find_link(now, token)
        # Conditional, so two requests racing with the same link cannot both spend it.
        spent = (
            OneTimeLink.update(used_at=now)
            .where(OneTimeLink.id == link.id, OneTimeLink.used_at.is_null())
            .execute()
        )
        if spent != 1:
            raise LinkInvalid(str(_l("This link does not work any more. Ask for a new one.")))
    return link.user
