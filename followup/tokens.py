"""Link tokens: issued per message, only a hash is stored, resolved to an invitation."""

from __future__ import annotations

import hashlib
import re
import secrets
from datetime import datetime

from peewee import Database

from followup.db import insert_rows
from followup.models import Invitation, Token

TOKEN_BYTES = 32
_SHAPE = re.compile(r"^[A-Za-z0-9_-]{43}$")


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


def issue(invitation_id: int, now: datetime) -> str:
    """Create a new token for an invitation, store its hash, and return the token."""
    token = secrets.token_urlsafe(TOKEN_BYTES)
    Token.create(invitation=invitation_id, token_hash=hash_token(token), issued_at=now)
    return token


def issue_many(db: Database, invitation_ids: list[int], now: datetime) -> list[str]:
    """Create one new token for each invitation (in order) with a single statement; return them."""
    issued = [secrets.token_urlsafe(TOKEN_BYTES) for _ in invitation_ids]
    rows = [(i, hash_token(token), now) for i, token in zip(invitation_ids, issued, strict=True)]
    insert_rows(db, Token, (Token.invitation, Token.token_hash, Token.issued_at), rows)
    return issued


def lookup(token: str) -> Invitation | None:
    """Return the invitation behind `token` whatever its state, or None."""
    if not _SHAPE.match(token or ""):
        return None
    return Invitation.select().join(Token).where(Token.token_hash == hash_token(token)).first()


def resolve(token: str, now: datetime) -> Invitation:
    """Return the open invitation behind `token`, or raise the TokenError that says why not."""
    found = lookup(token)
    if found is None:
        raise UnknownToken()
    if found.state == Invitation.ANSWERED:
        raise AlreadyAnswered(found)
    if found.state == Invitation.EXPIRED or found.expires_at <= now:
        raise ExpiredToken(found)
    return found
