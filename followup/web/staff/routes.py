"""The staff workspace's pages. Every view names who may use it (followup.web.roles.requires)."""

from __future__ import annotations

import hashlib
import io
import os
import secrets
from datetime import date, timedelta
from pathlib import Path

from flask import (
    Blueprint,
    Response,
    abort,
    current_app,
    flash,
    g,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask_login import LoginManager, UserMixin, current_user
from markupsafe import Markup
from werkzeug.utils import secure_filename
from wtforms.fields.choices import SelectChoice

from followup.accounts import audit
from followup.accounts.links import LinkInvalid, find_link, issue_link, use_link
from followup.accounts.passwords import hash_password, needs_rehash, verify_password
from followup.accounts.roles import RoleError, grant_role, is_admin, may, programme_ids, programmes_for
from followup.accounts.sessions import (
    end_session,
    end_sessions_of,
    find_session,
    mark_verified,
    start_session,
)
from followup.accounts.totp import (
    check_second_factor,
    confirm_totp,
    new_secret,
    provisioning_uri,
    qr_svg,
    remaining_recovery_codes,
)
from followup.accounts.users import UserError, create_user, find_user, list_users, normalise_email, set_active
from followup.answers.optout import opt_out
from followup.i18n import _l
from followup.models import OneTimeLink, Programme, Role, User, day_list
from followup.plan.calendar import preview
from followup.plan.import_preview import preview_import, rows_from_upload
from followup.plan.importing import ImportRejected, import_participants
from followup.plan.overview import (
    PAGE_SIZE as PARTICIPANT_PAGE,
)
from followup.plan.overview import (
    PERSON_STATES,
    WAVE_STATES,
    cohort_names,
    next_days,
    participant_page,
    status_rows,
    wave_months,
)
from followup.plan.participant_actions import (
    ActionRefused,
    change_contact,
    change_language,
    erase_participant,
)
from followup.plan.participant_record import contact_of, find_participant, mask_email, mask_phone, timeline
from followup.plan.programmes import ProgrammeError, create_programme
from followup.plan.replanning import Plan, affected_invitations, apply_plan, check_plan, current_plan
from followup.plan.status import contacts_to_fix
from followup.results.measures import ACTIVITIES
from followup.web.limits import accepts_body, client_address, limit_failures
from followup.web.roles import ADMIN, COORDINATOR, PUBLIC, requires
from followup.web.sessions import is_staff_request
from followup.web.staff.forms import (
    CHANNEL_LABELS,
    ROLE_LABELS,
    ActionForm,
    AuditFilterForm,
    ContactChangeForm,
    EraseForm,
    ForgotPasswordForm,
    InviteForm,
    LanguageForm,
    NewPasswordForm,
    PlanForm,
    PreviewForm,
    ProgrammeForm,
    SecondFactorForm,
    SignInForm,
    TotpSetUpForm,
)
from followup.web.staff.mail import send_staff_mail

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


# --- doors -------------------------------------------------------------------------------------


@doors.get("/login")
@doors.get("/admin")
@requires(PUBLIC)
def door():
    """Lead a guessed address to the staff workspace."""
    return redirect(url_for("staff.dashboard"), code=303)


@bp.get("/language/<language>")
@requires(PUBLIC)
def switch_language(language: str):
    """Show the workspace in another language from now on."""
    if language in current_app.config["LANGUAGES"]:
        session["lang"] = language
    target = request.args.get("next", "")
    if not target.startswith("/staff") or target.startswith("//"):
        target = url_for("staff.dashboard")
    return redirect(target, code=303)


# --- signing in and out ------------------------------------------------------------------------


@bp.route("/sign-in", methods=["GET", "POST"])
@requires(PUBLIC)
def sign_in():
    """Sign in with e-mail address and password."""
    form = SignInForm()
    error = None
    if submitted(form):
        user = find_user(form.email.data)
        known = user is not None and user.active
        if known and verify_password(user.password_hash, form.password.data):
            return _signed_in(user, form.password.data)
        if not known:
            verify_password(None, form.password.data)  # the same time as a real check
        g.attempt_failed = True
        record("sign_in.failed", user=user if known else None)
        error = _l("The e-mail address or the password is not right.")
    elif request.method == "POST":
        g.attempt_failed = True
    return render_template("staff/sign_in.html", form=form, error=error)


def _signed_in(user: User, password: str):
    db, now = _db(), _now()
    if needs_rehash(user.password_hash):
        user.password_hash = hash_password(password)
        user.save(only=[User.password_hash])
    previous = _staff_session()
    if previous is not None:
        end_session(db, previous)
    language = session.get("lang")
    # A new session id at every sign-in: whatever the cookie held before is dropped.
    session.clear()
    if language:
        session["lang"] = language
    verified = not _second_factor_required(user)
    session["staff"] = start_session(db, now, user, verified=verified)
    g.pop("staff_session", None)
    if not verified:
        record("sign_in.password", user=user)
        step = "staff.second_factor" if user.totp_confirmed_at else "staff.set_up_second_factor"
        return redirect(url_for(step, next=_next_page()), code=303)
    _complete_sign_in(user)
    return redirect(_next_page(), code=303)


def _complete_sign_in(user: User) -> None:
    user.last_sign_in_at = _now()
    user.save(only=[User.last_sign_in_at])
    record("sign_in", user=user)


@bp.route("/second-factor", methods=["GET", "POST"])
@requires(PUBLIC)
def second_factor():
    """Ask a signed-in user for the code from their app (or a recovery code)."""
    found = _staff_session()
    if found is None:
        return redirect(url_for("staff.sign_in"), code=303)
    if found.verified_at is not None:
        return redirect(_next_page(), code=303)
    if found.user.totp_confirmed_at is None:
        return redirect(url_for("staff.set_up_second_factor", next=_next_page()), code=303)
    form = SecondFactorForm()
    error = None
    if submitted(form):
        if check_second_factor(_db(), _now(), found.user, form.code.data):
            mark_verified(_db(), _now(), found)
            _complete_sign_in(found.user)
            return redirect(_next_page(), code=303)
        g.attempt_failed = True
        record("sign_in.second_factor_failed", user=found.user)
        error = _l("That code is not right, or it has been used already.")
    return render_template("staff/second_factor.html", form=form, error=error)


@bp.route("/second-factor/set-up", methods=["GET", "POST"])
@requires(PUBLIC)
def set_up_second_factor():
    """Set up the authenticator app: scan the QR code, type the code it shows."""
    found = _staff_session()
    if found is None:
        return redirect(url_for("staff.sign_in", next=request.full_path.rstrip("?")), code=303)
    user = found.user
    # Someone who has not passed an existing second factor cannot replace it.
    if found.verified_at is None and user.totp_confirmed_at is not None:
        return redirect(url_for("staff.second_factor"), code=303)
    secret = session.get("totp_secret") or new_secret()
    session["totp_secret"] = secret
    form = TotpSetUpForm()
    error = None
    if submitted(form):
        codes = confirm_totp(_db(), _now(), user, secret, form.code.data)
        if codes is not None:
            session.pop("totp_secret", None)
            record("second_factor.set_up", user=user)
            if found.verified_at is None:
                mark_verified(_db(), _now(), found)
                _complete_sign_in(user)
            return render_template("staff/recovery_codes.html", codes=codes, next=_next_page())
        error = _l("That code is not right. Check the time on the phone and type the newest code.")
    uri = provisioning_uri(secret, user.email)
    # segno writes the SVG from the QR matrix alone; no outside text reaches it.
    qr = Markup(qr_svg(uri).replace("<svg ", '<svg role="img" aria-labelledby="qr-title" ', 1))  # noqa: S704
    return render_template("staff/set_up_second_factor.html", form=form, qr=qr, secret=secret, error=error)


@bp.post("/sign-out")
@requires(PUBLIC)
def sign_out():
    """Sign out: the session ends on the server, not only in this browser."""
    if not submitted(ActionForm()):
        abort(400)
    found = _staff_session()
    if found is not None:
        record("sign_out", user=found.user)
        end_session(_db(), found)
    language = session.get("lang")
    session.clear()
    if language:
        session["lang"] = language
    flash(_l("You have signed out."))
    return redirect(url_for("staff.sign_in"), code=303)


# --- passwords ---------------------------------------------------------------------------------


@bp.route("/password/<token>", methods=["GET", "POST"])
@requires(PUBLIC)
def set_password(token: str):
    """Choose a password through a one-time link (first admin, invitation or reset)."""
    now = _now()
    try:
        link = find_link(now, token)
    except LinkInvalid:
        g.attempt_failed = True
        return render_template("staff/link_invalid.html"), 404
    form = NewPasswordForm()
    if submitted(form):
        db = _db()
        try:
            with db.atomic():
                user = use_link(db, now, token)
                user.password_hash = hash_password(form.password.data)
                user.save(only=[User.password_hash])
                end_sessions_of(db, user)
                record("password.set", user=user, via=link.purpose)
        except LinkInvalid:
            return render_template("staff/link_invalid.html"), 404
        session.clear()
        flash(_l("Your password is saved. Sign in with it now."))
        return redirect(url_for("staff.sign_in"), code=303)
    return render_template("staff/set_password.html", form=form, user=link.user)


@bp.route("/forgot-password", methods=["GET", "POST"])
@requires(PUBLIC)
def forgot_password():
    """Send a one-time link to choose a new password; the answer never tells whether the account exists."""
    form = ForgotPasswordForm()
    if submitted(form):
        user = find_user(form.email.data)
        if user is not None and user.active:
            token = issue_link(_db(), _now(), user, OneTimeLink.RESET)
            link = f"{current_app.config['BASE_URL']}{url_for('staff.set_password', token=token)}"
            send_staff_mail("reset", user.email, link, user.display_name)
            record("password.reset_requested", user=user)
        return render_template("staff/forgot_password_sent.html")
    return render_template("staff/forgot_password.html", form=form)


# --- the workspace -----------------------------------------------------------------------------


@bp.get("/")
@requires(COORDINATOR)
def dashboard():
    """Show the programmes this user works with."""
    user = current_user.user
    return render_template(
        "staff/dashboard.html",
        programmes=programmes_for(user, COORDINATOR),
        second_factor=user.totp_confirmed_at is not None,
        recovery_left=remaining_recovery_codes(user) if user.totp_confirmed_at else 0,
    )


# --- programmes --------------------------------------------------------------------------------


def _days(text: str) -> tuple[int, ...]:
    return tuple(day_list(text or ""))


@bp.route("/programmes/new", methods=["GET", "POST"])
@requires(COORDINATOR)
def new_programme():
    """Create a programme with its follow-up plan; its creator becomes its coordinator."""
    form = ProgrammeForm()
    if request.method == "GET":
        form.waves.data, form.window_days.data, form.reminders.data = "6,12,24", 60, "7,14"
    error = None
    if submitted(form):
        db, now = _db(), _now()
        try:
            with db.atomic():
                programme = create_programme(
                    db,
                    now,
                    form.name.data,
                    _days(form.waves.data),
                    form.window_days.data,
                    channel_policy=form.channel_policy.data,
                    reminder_days=_days(form.reminders.data),
                )
                grant_role(db, current_user.user, Role.COORDINATOR, programme)
                record("programme.created", programme=programme, plan=current_plan(programme).__dict__)
        except ProgrammeError as exc:
            error = str(exc)
        else:
            return redirect(url_for("staff.programme", programme_id=programme.id), code=303)
    status = 400 if request.method == "POST" else 200
    return render_template("staff/programme_new.html", form=form, error=error), status


@bp.get("/programmes/<int:programme_id>")
@requires(COORDINATOR)
def programme(programme: Programme):
    """Show a programme's plan, and the preview calendar for an exit date."""
    runtime = _runtime()
    form = PreviewForm(request.args)
    sends = None
    if "exit" in request.args and form.validate():
        settings = runtime.settings
        sends = preview(programme, form.exit.data, settings.zone, settings.send_hour, settings.window)
    return render_template(
        "staff/programme.html",
        programme=programme,
        plan=current_plan(programme),
        form=form,
        sends=sends,
        zone=runtime.settings.zone,
        channels=CHANNEL_LABELS,
    ), (400 if "exit" in request.args and sends is None else 200)


@bp.route("/programmes/<int:programme_id>/plan", methods=["GET", "POST"])
@requires(COORDINATOR)
def edit_plan(programme: Programme):
    """Change the plan: first say how many invitations it touches, then save on confirmation."""
    before = current_plan(programme)
    form = PlanForm()
    if request.method == "GET":
        form.waves.data = ",".join(map(str, before.offsets))
        form.window_days.data = before.window_days
        form.channel_policy.data = before.channel_policy
        form.reminders.data = ",".join(map(str, before.reminder_days))
    error = affected = None
    if submitted(form):
        plan = Plan(
            form.channel_policy.data,
            _days(form.reminders.data),
            form.window_days.data,
            _days(form.waves.data),
        )
        try:
            check_plan(plan, before)
        except ProgrammeError as exc:
            error = str(exc)
        else:
            # The confirmation names the plan it was counted for: another plan is counted anew.
            shown = hashlib.sha256(repr(plan).encode()).hexdigest()[:16]
            if form.confirm.data != shown:
                affected = affected_invitations(programme, plan)
                form.confirm.data = shown
            else:
                settings = _runtime().settings
                change = apply_plan(_db(), _now(), programme, plan, settings.zone, settings.send_hour)
                record("plan.changed", programme=programme, **change)
                flash(_l("The plan is saved; unsent invitations follow it now."))
                return redirect(url_for("staff.programme", programme_id=programme.id), code=303)
    status = 400 if error or (request.method == "POST" and form.errors) else 200
    return (
        render_template("staff/plan.html", programme=programme, form=form, error=error, affected=affected),
        status,
    )


# --- status and participants -------------------------------------------------------------------


@bp.get("/programmes/<int:programme_id>/status")
@requires(COORDINATOR)
def status(programme: Programme):
    """Show the follow-up status per wave and cohort, the next 14 days and the contacts to fix."""
    runtime = _runtime()
    now = _now()
    return render_template(
        "staff/status.html",
        programme=programme,
        rows=status_rows(programme.id),
        planned=next_days(programme.id, now, runtime.settings.zone),
        problems=contacts_to_fix(programme.id, now),
    )


@bp.get("/programmes/<int:programme_id>/participants")
@requires(COORDINATOR)
def participants(programme: Programme):
    """List the programme's participants by code, with each wave's state; filters and paging."""
    cohort = request.args.get("cohort") or None
    state = request.args.get("state") or None
    months = request.args.get("months", type=int)
    after = request.args.get("after") or None
    if state and state not in WAVE_STATES + PERSON_STATES:
        abort(400)
    rows = participant_page(programme.id, cohort, months, state, after, PARTICIPANT_PAGE + 1)
    more = len(rows) > PARTICIPANT_PAGE
    rows = rows[:PARTICIPANT_PAGE]
    query = {k: v for k, v in request.args.items() if k != "after"}
    return render_template(
        "staff/participants.html",
        programme=programme,
        rows=rows,
        waves=wave_months(programme.id),
        cohorts=cohort_names(programme.id),
        chosen={"cohort": cohort, "state": state, "months": months},
        states=WAVE_STATES + PERSON_STATES,
        next_url=url_for("staff.participants", programme_id=programme.id, after=rows[-1].code, **query)
        if more
        else None,
    )


def _participant_page(programme: Programme, found, revealed: bool = False, status: int = 200, **extra):
    contact = contact_of(found)
    shown = (lambda value: value or "") if revealed else None
    return (
        render_template(
            "staff/participant.html",
            programme=programme,
            participant=found,
            contact=contact,
            email=(shown or mask_email)(contact.email) if contact else "",
            phone=(shown or mask_phone)(contact.phone) if contact else "",
            entries=timeline(found),
            zone=_runtime().settings.zone,
            revealed=revealed,
            contact_form=extra.pop("contact_form", None) or ContactChangeForm(formdata=None),
            erase_form=extra.pop("erase_form", None) or EraseForm(formdata=None),
            language_form=extra.pop("language_form", None)
            or LanguageForm(formdata=None, language=found.language),
            **extra,
        ),
        status,
    )


@bp.get("/programmes/<int:programme_id>/participants/<code>")
@requires(COORDINATOR)
def participant(programme: Programme, code: str):
    """Show one participant: masked contact details and the timeline of messages, never answers."""
    found = find_participant(programme.id, code) or abort(404)
    return _participant_page(programme, found)


@bp.post("/programmes/<int:programme_id>/participants/<code>/contact")
@requires(COORDINATOR)
def reveal_contact(programme: Programme, code: str):
    """Show the participant's contact details unmasked; the audit log records who looked."""
    if not submitted(ActionForm()):
        abort(400)
    found = find_participant(programme.id, code) or abort(404)
    record("contact.shown", programme=programme, code=found.code)
    return _participant_page(programme, found, revealed=True)


@bp.post("/programmes/<int:programme_id>/participants/<code>/contact/change")
@requires(COORDINATOR)
def change_contact_page(programme: Programme, code: str):
    """Correct the participant's e-mail address or phone number; the audit log names the field only."""
    form = ContactChangeForm()
    valid = submitted(form)
    found = find_participant(programme.id, code) or abort(404)
    if not valid:
        return _participant_page(programme, found, status=400, contact_form=form)
    try:
        change_contact(_db(), _now(), found, form.field.data, form.value.data)
    except ActionRefused as exc:
        return _participant_page(programme, found, status=400, contact_form=form, contact_error=str(exc))
    record("contact.changed", programme=programme, code=found.code, field=form.field.data)
    flash(_l("The contact details are corrected."))
    return redirect(url_for("staff.participant", programme_id=programme.id, code=found.code), code=303)


@bp.post("/programmes/<int:programme_id>/participants/<code>/opt-out")
@requires(COORDINATOR)
def record_opt_out(programme: Programme, code: str):
    """Stop all follow-ups for a participant who asked by phone, just as their own opt-out would."""
    if not submitted(ActionForm()):
        abort(400)
    found = find_participant(programme.id, code) or abort(404)
    if opt_out(_db(), found.id, _now(), "phone"):
        record("participant.opted_out", programme=programme, code=found.code, asked_by="phone")
        flash(_l("The opt-out is recorded: no more messages go to this participant."))
    else:
        flash(_l("This participant had opted out already."))
    return redirect(url_for("staff.participant", programme_id=programme.id, code=found.code), code=303)


@bp.post("/programmes/<int:programme_id>/participants/<code>/erase")
@requires(COORDINATOR)
def erase(programme: Programme, code: str):
    """Erase the participant and all kept about them (GDPR art. 17) after their code is typed."""
    form = EraseForm()
    valid = submitted(form)
    found = find_participant(programme.id, code) or abort(404)
    if not valid:
        return _participant_page(programme, found, status=400, erase_form=form)
    try:
        erase_participant(_db(), found, form.code.data)
    except ActionRefused as exc:
        return _participant_page(programme, found, status=400, erase_form=form, erase_error=str(exc))
    record("participant.erased", programme=programme, code=code)
    flash(_l("Participant %(code)s and everything kept about them are erased.", code=code))
    return redirect(url_for("staff.participants", programme_id=programme.id), code=303)


@bp.post("/programmes/<int:programme_id>/participants/<code>/language")
@requires(COORDINATOR)
def change_language_page(programme: Programme, code: str):
    """Write to the participant in another language (Swedish or English) from now on."""
    form = LanguageForm()
    valid = submitted(form)
    found = find_participant(programme.id, code) or abort(404)
    if not valid:
        return _participant_page(programme, found, status=400, language_form=form)
    if change_language(_db(), found, form.language.data):
        record(
            "participant.language_changed", programme=programme, code=found.code, language=form.language.data
        )
    flash(_l("The language is saved."))
    return redirect(url_for("staff.participant", programme_id=programme.id, code=found.code), code=303)


# --- importing participants ----------------------------------------------------------------------

UPLOAD_SUFFIXES = (".csv", ".txt", ".xlsx")
# A participant file of 100,000 rows is a few MB; anything much larger is refused unread.
UPLOAD_LIMIT = 10 * 1024 * 1024
PROBLEMS_SHOWN = 200


def _uploads() -> Path:
    folder = Path(current_app.instance_path) / "uploads"
    folder.mkdir(mode=0o700, parents=True, exist_ok=True)
    return folder


def _today(runtime) -> date:
    return _now().astimezone(runtime.settings.zone).date()


def _keep_upload(raw: bytes) -> str:
    """Keep an uploaded file until it is confirmed; owner-only, under a random name."""
    token = secrets.token_urlsafe(16)
    fd = os.open(_uploads() / token, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "wb") as handle:
        handle.write(raw)
    return token


@bp.route("/programmes/<int:programme_id>/import", methods=["GET", "POST"])
@requires(COORDINATOR)
@accepts_body(UPLOAD_LIMIT)
def import_participants_page(programme: Programme):
    """Upload a CSV or XLSX file and see what importing it would do, problems first."""
    form = ActionForm()
    if request.method == "GET":
        return render_template("staff/import.html", programme=programme, form=form)
    if not submitted(form):
        abort(400)
    upload = request.files.get("file")
    name = secure_filename(upload.filename or "") if upload else ""
    if not upload or not name.lower().endswith(UPLOAD_SUFFIXES):
        error = _l("Choose a CSV or Excel (.xlsx) file.")
        return render_template("staff/import.html", programme=programme, form=form, error=error), 400
    raw = upload.read()
    runtime = _runtime()
    try:
        rows = rows_from_upload(name, raw, set(ACTIVITIES), _today(runtime))
        preview = preview_import(
            _db(), _now(), programme, rows, runtime.settings.zone, runtime.settings.send_hour
        )
    except ImportRejected as exc:
        return (
            render_template(
                "staff/import.html",
                programme=programme,
                form=form,
                file_name=name,
                problems=exc.problems[:PROBLEMS_SHOWN],
                more_problems=max(0, len(exc.problems) - PROBLEMS_SHOWN),
            ),
            400,
        )
    session["upload"] = {"token": _keep_upload(raw), "name": name, "programme": programme.id}
    return render_template(
        "staff/import.html", programme=programme, form=form, file_name=name, preview=preview, confirm=True
    )


@bp.post("/programmes/<int:programme_id>/import/confirm")
@requires(COORDINATOR)
def confirm_import(programme: Programme):
    """Store the previewed file: every participant or, if anything is wrong now, none."""
    if not submitted(ActionForm()):
        abort(400)
    kept = session.get("upload") or {}
    path = _uploads() / str(kept.get("token", "none"))
    if kept.get("programme") != programme.id or not kept.get("token") or not path.is_file():
        flash(_l("That upload is gone; choose the file again."))
        return redirect(url_for("staff.import_participants_page", programme_id=programme.id), code=303)
    runtime = _runtime()
    try:
        rows = rows_from_upload(kept["name"], path.read_bytes(), set(ACTIVITIES), _today(runtime))
        result = import_participants(
            _db(), _now(), programme, rows, runtime.settings.zone, runtime.settings.send_hour
        )
    except ImportRejected:
        flash(_l("The file no longer fits what is stored; nothing was imported. Upload it again."))
        return redirect(url_for("staff.import_participants_page", programme_id=programme.id), code=303)
    finally:
        path.unlink(missing_ok=True)
        session.pop("upload", None)
    record(
        "participants.imported",
        programme=programme,
        file=kept["name"],
        created=result.created,
        updated=result.updated,
        unchanged=result.unchanged,
    )
    flash(
        _l(
            "Imported: %(created)d new, %(updated)d updated, %(unchanged)d unchanged.",
            created=result.created,
            updated=result.updated,
            unchanged=result.unchanged,
        )
    )
    return redirect(url_for("staff.status", programme_id=programme.id), code=303)


# --- users (admins) ----------------------------------------------------------------------------


def _invite_form() -> InviteForm:
    form = InviteForm()
    form.programme.choices = [(0, "—")] + [
        (p.id, p.name) for p in Programme.select().order_by(Programme.name)
    ]
    return form


@bp.get("/users")
@requires(ADMIN)
def users():
    """List the staff accounts and their roles, with the form to invite someone."""
    return render_template(
        "staff/users.html", users=list_users(), form=_invite_form(), actions=ActionForm(), roles=ROLE_LABELS
    )


@bp.post("/users")
@requires(ADMIN)
def invite():
    """Create an account and send its owner a one-time link to choose a password."""
    form = _invite_form()
    error = None
    if submitted(form):
        programme = (
            Programme.get_or_none(Programme.id == form.programme.data) if form.programme.data else None
        )
        db, now = _db(), _now()
        try:
            with db.atomic():
                user = create_user(
                    db, now, form.email.data, form.display_name.data, form.role.data, programme
                )
                token = issue_link(db, now, user, OneTimeLink.INVITATION)
                record("user.invited", programme=programme, invited_user=user.id, role=form.role.data)
        except (UserError, RoleError) as exc:
            error = str(exc)
        else:
            link = f"{current_app.config['BASE_URL']}{url_for('staff.set_password', token=token)}"
            send_staff_mail("invitation", user.email, link, user.display_name)
            flash(
                _l(
                    "%(name)s is invited: the link to choose a password is on its way.",
                    name=user.display_name,
                )
            )
            return redirect(url_for("staff.users"), code=303)
    status = 400 if request.method == "POST" else 200
    return (
        render_template(
            "staff/users.html",
            users=list_users(),
            form=form,
            actions=ActionForm(),
            error=error,
            roles=ROLE_LABELS,
        ),
        status,
    )


@bp.post("/users/<int:user_id>/active")
@requires(ADMIN)
def change_active(user_id: int):
    """Let an account sign in again, or stop it (its sessions end at once)."""
    if not submitted(ActionForm()):
        abort(400)
    user = User.get_or_none(User.id == user_id) or abort(404)
    if user.id == current_user.user.id:
        abort(400)
    active = request.form.get("active") == "1"
    set_active(_db(), user, active)
    record("user.activated" if active else "user.deactivated", target_user=user.id)
    return redirect(url_for("staff.users"), code=303)


# --- audit log ---------------------------------------------------------------------------------


def _audit_selection():
    user = current_user.user
    form = AuditFilterForm(request.args)
    visible = None if is_admin(user) else frozenset(programme_ids(user, COORDINATOR))
    form.user.choices = [SelectChoice(0, _l("Everyone"))] + [
        SelectChoice(u.id, u.display_name) for u in list_users()
    ]
    form.action.choices = [SelectChoice("", _l("Every action"))] + [
        SelectChoice(a, a) for a in audit.actions()
    ]
    valid = form.validate()
    wanted = audit.AuditFilter(
        programme_ids=visible,
        user_id=form.user.data if valid else None,
        action=form.action.data if valid else None,
        since=form.since.data if valid else None,
        until=form.until.data if valid else None,
    )
    return form, wanted, valid


@bp.get("/audit")
@requires(COORDINATOR)
def audit_log():
    """Show the audit log: an admin sees everything, a coordinator their programmes'."""
    form, wanted, valid = _audit_selection()
    before = request.args.get("before", type=int)
    rows = audit.events(wanted, _runtime().settings.zone, before=before, limit=audit.PAGE_SIZE + 1)
    more = len(rows) > audit.PAGE_SIZE
    rows = rows[: audit.PAGE_SIZE]
    query = {k: v for k, v in request.args.items() if k != "before"}
    older = url_for("staff.audit_log", before=rows[-1].id, **query) if more else None
    return (
        render_template(
            "staff/audit.html",
            form=form,
            rows=rows,
            older=older,
            zone=_runtime().settings.zone,
            csv_url=url_for("staff.audit_csv", **query),
        ),
        200 if valid else 400,
    )


@bp.get("/audit.csv")
@requires(COORDINATOR)
def audit_csv():
    """Download the audit log as chosen by the filters, as CSV."""
    _form, wanted, valid = _audit_selection()
    if not valid:
        abort(400)
    zone = _runtime().settings.zone
    out = io.StringIO()
    audit.write_csv(audit.all_events(wanted, zone), out, zone)
    record("audit.downloaded")
    return Response(
        out.getvalue(),
        mimetype="text/csv",
        headers={"Content-Disposition": 'attachment; filename="audit.csv"'},
    )


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
