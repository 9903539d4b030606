"""The dashboard, programme set-up, the plan and the follow-up status."""

from __future__ import annotations

import hashlib

from flask import (
    flash,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_login import current_user

from followup.accounts.roles import grant_role, is_admin, programme_ids, programmes_for
from followup.accounts.totp import (
    remaining_recovery_codes,
)
from followup.i18n import _l
from followup.models import Programme, Role, day_list
from followup.plan.calendar import preview
from followup.plan.organiser import shown_phone
from followup.plan.overview import (
    next_days,
    status_rows,
)
from followup.plan.programmes import (
    DETAIL_FIELDS,
    DetailsError,
    ProgrammeError,
    clean_details,
    create_programme,
    details_audit,
    details_of,
    list_programmes,
    update_programme,
)
from followup.plan.replanning import Plan, affected_invitations, apply_plan, check_plan, current_plan
from followup.plan.status import contacts_to_fix
from followup.web.roles import COORDINATOR, requires
from followup.web.staff.common import (
    _db,
    _now,
    _runtime,
    bp,
    record,
    submitted,
)
from followup.web.staff.forms import (
    CHANNEL_LABELS,
    DetailsForm,
    PlanForm,
    PreviewForm,
    ProgrammeForm,
)


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


def _show_errors(form, exc: DetailsError) -> None:
    """Put each of the domain's complaints beside its field."""
    for name, message in exc.errors.items():
        form[name].errors = [*form[name].errors, message]


@bp.get("/programmes")
@requires(COORDINATOR)
def programmes():
    """List the programmes this user coordinates (an admin: all), with cohorts, participants and waves."""
    user = current_user.user
    only = None if is_admin(user) else programme_ids(user, COORDINATOR)
    return render_template("staff/programmes.html", programmes=list_programmes(only))


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
            details = clean_details({name: form[name].data for name in DETAIL_FIELDS})
            with db.atomic():
                programme = create_programme(
                    db,
                    now,
                    form.name.data,
                    _days(form.waves.data),
                    form.window_days.data,
                    channel_policy=form.channel_policy.data,
                    reminder_days=_days(form.reminders.data),
                    details=details,
                )
                grant_role(db, current_user.user, Role.COORDINATOR, programme)
                record(
                    "programme.created",
                    programme=programme,
                    plan=current_plan(programme).__dict__,
                    details=details_audit(details),
                )
        except DetailsError as exc:
            _show_errors(form, exc)
            error = _l("Something needs to be fixed: see the fields marked below.")
        except ProgrammeError as exc:
            error = str(exc)
        else:
            return redirect(url_for("staff.programme", programme_id=programme.id), code=303)
    status = 400 if request.method == "POST" else 200
    return render_template("staff/programme_new.html", form=form, error=error), status


@bp.route("/programmes/<int:programme_id>/details", methods=["GET", "POST"])
@requires(COORDINATOR)
def edit_details(programme: Programme):
    """Change the programme's name, the organiser participants see and its privacy notice."""
    form = DetailsForm(obj=details_of(programme)) if request.method == "GET" else DetailsForm()
    if request.method == "GET":
        form.name.data = programme.name
    error = None
    if submitted(form):
        try:
            details = clean_details({name: form[name].data for name in DETAIL_FIELDS})
            with _db().atomic():
                change = update_programme(_db(), programme, form.name.data, details)
                if change:
                    record("programme.details_changed", programme=programme, **change)
        except DetailsError as exc:
            _show_errors(form, exc)
            error = _l("Something needs to be fixed: see the fields marked below.")
        else:
            flash(_l("The programme's details are saved.") if change else _l("Nothing was changed."))
            return redirect(url_for("staff.programme", programme_id=programme.id), code=303)
    status = 400 if request.method == "POST" else 200
    return render_template(
        "staff/programme_details.html", programme=programme, form=form, error=error
    ), status


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
        details=details_of(programme),
        shown_phone=shown_phone,
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


# --- status ----------------------------------------------------------------------------------


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
        planned=next_days(programme, now, runtime.settings.zone, runtime.settings.window),
        problems=contacts_to_fix(programme.id, now),
    )
