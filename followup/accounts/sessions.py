"""Staff sessions held on the server: the browser keeps a random token, the database its hash.

A new token is made at every sign-in (so a session id planted before it is worthless), a session
ends after a spell of idleness or a fixed lifetime, and signing out deletes it here.
"""

from __future__ import annotations

import hashlib
import secrets
from datetime import datetime, timedelta

from peewee import Database

from followup.models import StaffSession, User

# Writing last_seen_at on every request would cost a write per page; once a minute is precise enough.
TOUCH_EVERY = timedelta(minutes=1)


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def start_session(db: Database, now: datetime, user: User, verified: bool) -> str:
    """Open a session for `user` (`verified` once the second factor, if any, is passed); return its token."""
    token = secrets.token_urlsafe(32)
    with db.atomic():
        StaffSession.create(
            user=user,
            token_hash=_digest(token),
            created_at=now,
            last_seen_at=now,
            verified_at=now if verified else None,
        )
    return token


def find_session(
    db: Database, now: datetime, token: str | None, idle: timedelta, lifetime: timedelta
) -> StaffSession | None:
    """Return the live session for `token` with its user, ending it if it has timed out."""
    if not token:
        return None
    session = (
        StaffSession.select(StaffSession, User)
        .join(User)
        .where(StaffSession.token_hash == _digest(token))
        .first()
    )
    if session is None:
        return None
    if not session.user.active or now - session.last_seen_at > idle or now - session.created_at > lifetime:
        end_session(db, session)
        return None
    if now - session.last_seen_at >= TOUCH_EVERY:
        with db.atomic():
            StaffSession.update(last_seen_at=now).where(StaffSession.id == session.id).execute()
    return session


def mark_verified(db: Database, now: datetime, session: StaffSession) -> None:
    """Record that this session passed the second factor."""
    with db.atomic():
        StaffSession.update(verified_at=now).where(StaffSession.id == session.id).execute()
    session.verified_at = now


def end_session(db: Database, session: StaffSession) -> None:
    """Delete the session: its token no longer signs anyone in."""
    with db.atomic():
        StaffSession.delete().where(StaffSession.id == session.id).execute()


def end_sessions_of(db: Database, user: User) -> None:
    """Sign `user` out everywhere (after a password reset, for example)."""
    with db.atomic():
        StaffSession.delete().where(StaffSession.user == user).execute()
