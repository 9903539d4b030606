"""What every staff page shares: the blueprints, the signed-in user, limits, audit, errors."""

from __future__ import annotations

import hashlib
from datetime import timedelta

from flask import (
    Blueprint,
    Response,
    abort,
    current_app,
    g,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask_login import LoginManager, UserMixin, current_user

from followup.accounts import audit
from followup.accounts.roles import is_admin, may
from followup.accounts.sessions import (
    find_session,
)
from followup.accounts.users import normalise_email
from followup.i18n import _l
from followup.models import User
from followup.web.limits import client_address, limit_failures
from followup.web.roles import COORDINATOR
from followup.web.sessions import is_staff_request

bp = Blueprint("staff", __name__, url_prefix="/staff")
# The addresses a coordinator might guess lead to the workspace instead of the participant's
# "this link does not work".
doors = Blueprint("staff_doors", __name__)
login_manager = LoginManager()
login_manager.login_view = "staff.sign_in"
login_manager.login_message = _l("Please sign in to see that page.")
login_manager.session_protection = None  # the server-side session record does this job

# Failures per account from one address, and per address over all accounts. Only failures count,
# and the windows move, so a real user at another address is never held up by an attacker, and one
# behind the same address waits no longer than the window after the attacker stops. The values are
# settings (tests shorten them).
LIMITS = {
    "STAFF_SIGN_IN_PER_ACCOUNT": "5 per 5 minutes",
    "STAFF_SIGN_IN_PER_ADDRESS": "30 per 5 minutes",
    "STAFF_SECOND_FACTOR_PER_ACCOUNT": "5 per 5 minutes",
    "STAFF_MAIL_PER_ADDRESS": "5 per 15 minutes",
}


def _limit(name: str):
    return lambda: current_app.config.get(name, LIMITS[name])


class SignedIn(UserMixin):
    """The user behind a verified staff session, as Flask-Login sees it."""

    def __init__(self, user: User) -> None:
        self.user = user
        self.id = user.id


def _runtime():
    return current_app.extensions["followup"]


def _now():
    return _runtime().clock.now()


def _db():
    return _runtime().db


def _staff_session():
    """Return this request's staff session (verified or waiting for the second factor), or None."""
    if "staff_session" not in g:
        config = current_app.config
        g.staff_session = find_session(
            _db(),
            _now(),
            session.get("staff"),
            timedelta(minutes=config["STAFF_IDLE_MINUTES"]),
            timedelta(hours=config["STAFF_LIFETIME_HOURS"]),
        )
    return g.staff_session


@login_manager.request_loader
def _load_user(_request):
    found = _staff_session()
    if found is None or found.verified_at is None:
        return None
    return SignedIn(found.user)


@login_manager.unauthorized_handler
def _unauthorized():
    return redirect(url_for("staff.sign_in", next=request.full_path.rstrip("?")), code=303)


def _second_factor_required(user: User) -> bool:
    return user.totp_confirmed_at is not None or current_app.config["ENV"] == "production"


def _next_page() -> str:
    target = request.args.get("next", "")
    # Only the workspace's own paths: an open redirect would send a signed-in person anywhere.
    if target.startswith("/staff/") and not target.startswith("//"):
        return target
    found = _staff_session()
    if found is not None and not may(found.user, COORDINATOR):
        return url_for("results.programmes")  # an evaluator's workspace is the results
    return url_for("staff.dashboard")


def _failed() -> bool:
    return bool(g.get("attempt_failed"))


def _account_key() -> str:
    email = normalise_email(request.form.get("email", ""))
    return "account:" + hashlib.sha256(f"{email}|{client_address()}".encode()).hexdigest()


def _session_user_key() -> str:
    found = _staff_session()
    return f"second-factor:{found.user_id if found else client_address()}"


def submitted(form) -> bool:
    """Tell whether `form` was posted and is valid; a missing or forged CSRF token is a 400 page."""
    if request.method != "POST":
        return False
    valid = form.validate()
    if form.meta.csrf and form.csrf_token.errors:
        abort(400)
    return valid


def install_limits(app) -> None:
    """Count failed sign-ins, second factors and password links, and e-mails asked for."""
    per_address, failed = _limit("STAFF_SIGN_IN_PER_ADDRESS"), lambda _r: _failed()
    limit_failures(app, "staff.sign_in", per_address, failed, on_breach=_too_many)
    limit_failures(app, "staff.sign_in", _limit("STAFF_SIGN_IN_PER_ACCOUNT"), failed, _account_key, _too_many)
    limit_failures(
        app,
        "staff.second_factor",
        _limit("STAFF_SECOND_FACTOR_PER_ACCOUNT"),
        failed,
        _session_user_key,
        _too_many,
    )
    limit_failures(app, "staff.set_password", per_address, failed, on_breach=_too_many)
    limit_failures(app, "staff.forgot_password", _limit("STAFF_MAIL_PER_ADDRESS"), on_breach=_too_many)


def _too_many(_limit):
    return Response(render_template("staff/too_many.html"), status=429)


def record(action: str, programme=None, code=None, user=None, **details) -> None:
    """Add this staff action to the audit log."""
    actor = user or (current_user.user if current_user.is_authenticated else None)
    audit.record(_db(), _now(), action, actor, programme, code, **details)


@bp.app_context_processor
def _staff_globals():
    return {
        "staff_is_admin": lambda: current_user.is_authenticated and is_admin(current_user.user),
        "staff_coordinates": lambda: current_user.is_authenticated and may(current_user.user, COORDINATOR),
        "staff_home": _home,
    }


def _home() -> str:
    # An evaluator's workspace is the results; the dashboard would only refuse them.
    if current_user.is_authenticated and not may(current_user.user, COORDINATOR):
        return url_for("results.programmes")
    return url_for("staff.dashboard")


# --- errors ------------------------------------------------------------------------------------


def not_found(_error=None):
    """Say that a workspace page does not exist (or is not this user's to see)."""
    return render_template("staff/not_found.html"), 404


@bp.app_errorhandler(403)
def forbidden(error):
    """Say that this account may not use the page."""
    if not is_staff_request():
        return error
    return render_template("staff/forbidden.html"), 403


@bp.app_errorhandler(413)
def too_large(error):
    """Say that the file is larger than the workspace takes."""
    if not is_staff_request():
        return error
    return render_template("staff/too_large.html"), 413


@bp.app_errorhandler(400)
def bad_request(error):
    """Say that the form was stale or tampered with."""
    if not is_staff_request():
        return error
    return render_template("staff/bad_request.html"), 400
