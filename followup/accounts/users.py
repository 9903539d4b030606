"""Staff users: created by an admin (or the first one from the command line), never deleted."""

from __future__ import annotations

from datetime import datetime

from peewee import Database

from followup.accounts.passwords import check_policy, hash_password
from followup.accounts.roles import grant_role
from followup.i18n import _l
from followup.models import Programme, Role, StaffSession, User


class UserError(ValueError):
    """A user cannot be created or changed as asked."""


def normalise_email(email: str) -> str:
    """Return the address as we store and compare it: trimmed and lowercased."""
    return email.strip().lower()


def create_user(
    db: Database,
    now: datetime,
    email: str,
    display_name: str = "",
    role: str = Role.COORDINATOR,
    programme: Programme | None = None,
) -> User:
    """Create an account without a password (it is set through a one-time link) and give it a role."""
    email = normalise_email(email)
    local, _, domain = email.partition("@")
    if not local or "." not in domain or "@" in domain or any(c.isspace() for c in email):
        raise UserError(str(_l("That is not an e-mail address.")))
    with db.atomic():
        if User.select().where(User.email == email).exists():
            raise UserError(str(_l("There is already an account for this address.")))
        user = User.create(email=email, display_name=(display_name or "").strip() or local, created_at=now)
        grant_role(db, user, role, programme)
    return user


def find_user(email: str) -> User | None:
    """Return the user with this e-mail address, active or not."""
    return User.get_or_none(User.email == normalise_email(email))


def list_users() -> list[User]:
    """Return every user, by e-mail address."""
    return list(User.select().order_by(User.email))


def set_password(db: Database, user: User, password: str) -> None:
    """Store a new password for `user` after checking the policy."""
    check_policy(password)
    with db.atomic():
        user.password_hash = hash_password(password)
        user.save(only=[User.password_hash])


def set_active(db: Database, user: User, active: bool) -> None:
    """Let `user` sign in, or not; deactivating also ends their sessions."""
    with db.atomic():
        user.active = active
        user.save(only=[User.active])
        if not active:
            StaffSession.delete().where(StaffSession.user == user).execute()
