"""Link tokens: issued per message, only a hash is stored, resolved to an invitation."""

from __future__ import annotations

import hashlib
import re
import secrets
from datetime import datetime

from peewee import Database

from followup.db import statement
from followup.models import Invitation, Token, window_open

TOKEN_BYTES = 32
_SHAPE = re.compile(r"[A-Za-z0-9_-]{43}")
# Written out rather than built by peewee, as it runs for every message sent.
_INSERT = "INSERT INTO {token} (invitation_id, token_hash, issued_at, purpose) VALUES ({p}, {p}, {p}, {p})"


class TokenError(Exception):
    """A link that cannot be used; subclasses say why."""


class UnknownToken(TokenError):
    """No invitation has this token (mistyped, forged or deleted)."""


class ExpiredToken(TokenError):
    """The invitation's response window has closed."""


class AlreadyAnswered(TokenError):
    """The invitation has been answered already."""


def hash_token(token: str) -> str:
    """Return the stored form of `token`: its SHA-256 in hex (tokens carry 256 random bits)."""
    return hashlib.sha256(token.encode("ascii")).hexdigest()


def issue(db: Database, invitation_id: int, now: datetime, purpose: str = Token.SURVEY) -> str:
    """Create a new token for one purpose of an invitation, store its hash, and return the token."""
    token = secrets.token_urlsafe(TOKEN_BYTES)
    db.execute_sql(
        statement(db, _INSERT, token=Token),
        (invitation_id, hash_token(token), Token.issued_at.db_value(now), purpose),
    )
    return token


def lookup(token: str, purpose: str = Token.SURVEY) -> Invitation | None:
    """Return the invitation behind `token` whatever its state, or None; only a token issued for
    `purpose` counts, so an opt-out token never opens the survey nor a survey token opts out."""
    if not _SHAPE.fullmatch(token):
        return None
    return (
        Invitation.select()
        .join(Token)
        .where((Token.token_hash == hash_token(token)) & (Token.purpose == purpose))
        .first()
    )


def resolve(token: str, now: datetime) -> Invitation:
    """Return the open invitation behind `token`, or raise the TokenError that says why not."""
    found = lookup(token)
    if found is None:
        raise UnknownToken()
    if found.state == Invitation.ANSWERED:
        raise AlreadyAnswered(found)
    if found.state == Invitation.EXPIRED or not window_open(found.expires_at, now):
        raise ExpiredToken(found)
    return found
