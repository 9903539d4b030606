"""The audit log, on screen and as CSV."""

from __future__ import annotations

import io

from flask import (
    Response,
    abort,
    render_template,
    request,
    url_for,
)
from flask_login import current_user
from wtforms.fields.choices import SelectChoice

from followup.accounts import audit
from followup.accounts.roles import is_admin, programme_ids
from followup.accounts.users import list_users
from followup.i18n import _l
from followup.web.roles import COORDINATOR, requires
from followup.web.staff.common import (
    _runtime,
    bp,
    record,
)
from followup.web.staff.forms import (
    AuditFilterForm,
)


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
