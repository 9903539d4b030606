"""Importing participants in the browser: upload, preview, confirm."""

from __future__ import annotations

import os
import secrets
from datetime import date
from pathlib import Path

from flask import (
    abort,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from werkzeug.utils import secure_filename

from followup.i18n import _l
from followup.models import Programme
from followup.plan.import_preview import preview_import, rows_from_upload
from followup.plan.importing import ImportRejected, import_participants
from followup.results.measures import ACTIVITIES
from followup.web.limits import accepts_body
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
)

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
