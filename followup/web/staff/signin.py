"""Signing in and out, the second factor, passwords, the doors and the language."""

from __future__ import annotations

from flask import (
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
from markupsafe import Markup

from followup.accounts.links import LinkInvalid, find_link, issue_link, use_link
from followup.accounts.passwords import hash_password, needs_rehash, verify_password
from followup.accounts.sessions import (
    end_session,
    end_sessions_of,
    mark_verified,
    start_session,
)
from followup.accounts.totp import (
    check_second_factor,
    confirm_totp,
    new_secret,
    provisioning_uri,
    qr_svg,
)
from followup.accounts.users import find_user
from followup.i18n import _l
from followup.models import OneTimeLink, User
from followup.web.roles import PUBLIC, requires
from followup.web.staff.common import (
    _db,
    _next_page,
    _now,
    _second_factor_required,
    _staff_session,
    bp,
    doors,
    record,
    submitted,
)
from followup.web.staff.forms import (
    ActionForm,
    ForgotPasswordForm,
    NewPasswordForm,
    SecondFactorForm,
    SignInForm,
    TotpSetUpForm,
)
from followup.web.staff.mail import send_staff_mail

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
