"""Roles per programme: admin everywhere, coordinator or evaluator of one programme each."""

from __future__ import annotations

from peewee import Database

from followup.i18n import _l
from followup.models import Programme, Role, User


class RoleError(ValueError):
    """A role cannot be given as asked."""


def grant_role(db: Database, user: User, name: str, programme: Programme | None = None) -> Role:
    """Give `user` the role `name` (on `programme` unless it is admin); giving it twice changes nothing."""
    if name not in Role.NAMES:
        raise RoleError(str(_l("Unknown role; use one of %(roles)s.", roles=", ".join(Role.NAMES))))
    if name == Role.ADMIN:
        programme = None
    elif programme is None:
        raise RoleError(str(_l("A coordinator or evaluator needs a programme.")))
    with db.atomic():
        existing = Role.get_or_none(
            Role.user == user,
            Role.name == name,
            Role.programme == programme,  # peewee writes `== None` as IS NULL
        )
        return existing or Role.create(user=user, name=name, programme=programme)


def is_admin(user: User) -> bool:
    """Tell whether `user` is an administrator."""
    return Role.select().where(Role.user == user, Role.name == Role.ADMIN).exists()


def programme_ids(user: User, *names: str) -> set[int]:
    """Return the ids of the programmes where `user` holds one of the roles `names`."""
    # Only the admin role has no programme, and may() never asks this for it.
    query = Role.select(Role.programme).where(Role.user == user, Role.name.in_(names))
    return {role.programme_id for role in query}


def programmes_for(user: User, *names: str) -> list[Programme]:
    """Return the programmes `user` may see with one of the roles `names`; an admin sees them all."""
    query = Programme.select().order_by(Programme.name)
    if not is_admin(user):
        query = query.where(Programme.id.in_(programme_ids(user, *names) or {0}))
    return list(query)


def may(user: User, name: str, programme_id: int | None = None) -> bool:
    """Tell whether `user` holds the role `name` (on `programme_id`); admins may do what coordinators may."""
    if is_admin(user):
        return name in (Role.ADMIN, Role.COORDINATOR)
    if name == Role.ADMIN:
        return False
    if programme_id is None:
        return bool(programme_ids(user, name))
    return programme_id in programme_ids(user, name)
