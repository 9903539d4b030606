"""Who may use a route: every staff view names its requirement next to its route.

`requires(PUBLIC)` is a decision too, so the role-matrix test can tell a route that was decided
open from one that was forgotten. A route with a programme in its address looks the programme up
through the user's roles: another programme's id answers 404, as if it did not exist.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps

from flask import abort, current_app
from flask_login import current_user

from followup.accounts.roles import is_admin, may
from followup.models import Programme, Role

PUBLIC = "public"
SIGNED_IN = "signed_in"
ADMIN = Role.ADMIN
COORDINATOR = Role.COORDINATOR
# The results pages: evaluators of the programme, and its coordinators and admins.
EVALUATOR = Role.EVALUATOR


def may_see_results(user, programme_id: int | None = None) -> bool:
    """Tell whether `user` may see results (of `programme_id`): its evaluators, coordinators, admins."""
    return may(user, COORDINATOR, programme_id) or may(user, EVALUATOR, programme_id)


def _coordinates(user, programme_id: int | None = None) -> bool:
    return may(user, COORDINATOR, programme_id)


def requires(requirement: str) -> Callable:
    """Run the view only for users meeting `requirement` (PUBLIC, SIGNED_IN, ADMIN, COORDINATOR, ...)."""
    if requirement not in (PUBLIC, SIGNED_IN, ADMIN, COORDINATOR, EVALUATOR):
        raise ValueError(f"unknown requirement {requirement!r}")

    def decorate(view: Callable) -> Callable:
        @wraps(view)
        def guarded(*args, **kwargs):
            if requirement == PUBLIC:
                return view(*args, **kwargs)
            if not current_user.is_authenticated:
                return current_app.login_manager.unauthorized()
            user = current_user.user
            if requirement == ADMIN and not is_admin(user):
                abort(403)
            if requirement in (COORDINATOR, EVALUATOR):
                allowed = may_see_results if requirement == EVALUATOR else _coordinates
                programme_id = kwargs.pop("programme_id", None)
                if programme_id is None:
                    if not allowed(user):
                        abort(403)
                else:
                    programme = Programme.get_or_none(Programme.id == programme_id)
                    if programme is None or not allowed(user, programme.id):
                        abort(404)
                    kwargs["programme"] = programme
            return view(*args, **kwargs)

        guarded.requirement = requirement
        return guarded

    return decorate
