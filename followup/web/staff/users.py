"""User accounts: the list, invitations, and turning an account off."""

from __future__ import annotations

from flask import (
    abort,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_login import current_user

from followup.accounts.links import issue_link
from followup.accounts.roles import RoleError
from followup.accounts.users import UserError, create_user, list_users, set_active
from followup.i18n import _l
from followup.models import OneTimeLink, Programme, User
from followup.web.roles import ADMIN, requires
from followup.web.staff.common import (
    _db,
    _now,
    bp,
    record,
    submitted,
)
from followup.web.staff.forms import (
    ROLE_LABELS,
    ActionForm,
    InviteForm,
)
from followup.web.staff.mail import send_staff_mail


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
