"""The participant list, a participant's page and the actions on it."""

from __future__ import annotations

from flask import (
    abort,
    flash,
    redirect,
    render_template,
    request,
    url_for,
)

from followup.answers.optout import opt_out
from followup.i18n import _l
from followup.models import Programme
from followup.plan.overview import (
    PAGE_SIZE as PARTICIPANT_PAGE,
)
from followup.plan.overview import (
    PERSON_STATES,
    WAVE_STATES,
    cohort_names,
    participant_page,
    wave_months,
)
from followup.plan.participant_actions import (
    ActionRefused,
    change_contact,
    change_language,
    erase_participant,
    open_follow_ups,
    resend_link,
)
from followup.plan.participant_record import contact_of, find_participant, mask_email, mask_phone, timeline
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
    ActionForm,
    ContactChangeForm,
    EraseForm,
    LanguageForm,
    ResendForm,
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
            open_months=open_follow_ups(found, _now()),
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


@bp.post("/programmes/<int:programme_id>/participants/<code>/resend")
@requires(COORDINATOR)
def resend_link_page(programme: Programme, code: str):
    """Send the participant a fresh link for a follow-up whose window is open; audited with the wave."""
    form = ResendForm()
    valid = submitted(form)
    found = find_participant(programme.id, code) or abort(404)
    if not valid:
        return _participant_page(programme, found, status=400, resend_error=_l("Choose a follow-up."))
    months = form.months.data
    try:
        channels = resend_link(_db(), _now(), found, months)
    except ActionRefused as exc:
        return _participant_page(programme, found, status=400, resend_error=str(exc))
    record("participant.link_resent", programme=programme, code=found.code, months=months, channels=channels)
    flash(
        _l(
            "A fresh link for the %(months)d-month follow-up is queued to go out within the sending hours.",
            months=months,
        )
    )
    return redirect(url_for("staff.participant", programme_id=programme.id, code=found.code), code=303)
