"""Microdata for a research agreement: an admin records the grant and downloads its one file.

Admins only: the file holds every answer of every person, under numbers drawn for the file, and is
personal data. The domain (followup.results.microdata) writes it and records it in the audit log;
this page only asks, and streams the file from a temporary file on disk so memory stays flat.
"""

from __future__ import annotations

import tempfile

from flask import Blueprint, Response, current_app, render_template, request
from flask_babel import get_locale
from flask_login import current_user
from flask_wtf import FlaskForm
from werkzeug.utils import secure_filename
from wtforms import BooleanField, DateField, SelectField, SelectMultipleField, StringField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Length
from wtforms.widgets import CheckboxInput, ListWidget

from followup.answers.surveys import latest
from followup.i18n import _l
from followup.models import Programme
from followup.results.microdata import (
    MicrodataRefused,
    MicrodataRequest,
    export_microdata,
    files_made,
    list_grants,
    record_grant,
)
from followup.web.roles import ADMIN, requires

bp = Blueprint("microdata", __name__, url_prefix="/staff/microdata")

MIMETYPES = {
    "csv": "application/zip",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}
SUFFIXES = {"csv": "zip", "xlsx": "xlsx"}
CHUNK_BYTES = 64 * 1024


class MicrodataForm(FlaskForm):
    reference = StringField(
        _l("Reference of the agreement (such as its diarienummer)"),
        validators=[DataRequired(), Length(max=100)],
    )
    recipient = StringField(_l("Recipient organisation"), validators=[DataRequired(), Length(max=200)])
    agreed_on = DateField(_l("Date of the agreement"), validators=[DataRequired()])
    programmes = SelectMultipleField(
        _l("Programmes"),
        coerce=int,
        choices=[],
        validators=[DataRequired(message=_l("Choose at least one programme."))],
        option_widget=CheckboxInput(),
        widget=ListWidget(prefix_label=False),
    )
    fmt = SelectField(
        _l("File"),
        choices=[
            SelectChoice("csv", _l("CSV: a ZIP with the data and the codebook")),
            SelectChoice("xlsx", _l("XLSX: one workbook")),
        ],
    )
    separator = SelectField(
        _l("CSV separator"),
        choices=[SelectChoice(";", _l("Semicolon (Swedish Excel)")), SelectChoice(",", _l("Comma"))],
    )
    language = SelectField(
        _l("Language of the codebook"),
        choices=[SelectChoice("sv", _l("Swedish")), SelectChoice("en", _l("English"))],
    )
    replace = BooleanField(_l("Replace the file already made for this grant (the recipient destroys it)"))


def _chunks(stream):
    """Yield the file in pieces, and close (so delete) it when sent, or when the download stops."""
    try:
        while chunk := stream.read(CHUNK_BYTES):
            yield chunk
    finally:
        stream.close()


def _runtime():
    return current_app.extensions["followup"]


@bp.route("/", methods=["GET", "POST"])
@requires(ADMIN)
def page():
    """Record a research grant and download its pseudonymised microdata file."""
    form = MicrodataForm()
    programmes = list(Programme.select().order_by(Programme.name))
    form.programmes.choices = [SelectChoice(p.id, p.name) for p in programmes]
    if request.method == "GET":
        form.language.data = str(get_locale())
    error, status = None, 200
    if request.method == "POST":
        status = 400
        if form.validate():
            runtime = _runtime()
            now = runtime.clock.now()
            chosen = [p for p in programmes if p.id in form.programmes.data]
            stream = tempfile.TemporaryFile()  # noqa: SIM115 (closed by _chunks once sent)
            try:
                grant = record_grant(
                    runtime.db,
                    now,
                    form.reference.data,
                    form.recipient.data,
                    form.agreed_on.data,
                    current_user.user,
                )
                wanted = MicrodataRequest(
                    grant,
                    chosen,
                    form.fmt.data,
                    form.language.data,
                    form.separator.data,
                    form.replace.data,
                )
                export_microdata(
                    runtime.db,
                    now,
                    runtime.settings.zone,
                    wanted,
                    stream,
                    current_app.config["SUPPRESSION_THRESHOLD"],
                    latest(runtime.surveys, "standard"),
                    current_user.user,
                )
            except MicrodataRefused as exc:
                stream.close()
                error, status = str(exc), 409
            else:
                stem = secure_filename(grant.reference) or "grant"
                day = now.astimezone(runtime.settings.zone).strftime("%Y-%m-%d")
                response = Response(_chunks(stream), mimetype=MIMETYPES[wanted.fmt])
                response.call_on_close(stream.close)  # also when the download never started
                response.content_length = stream.tell()
                stream.seek(0)
                response.headers.set(
                    "Content-Disposition",
                    "attachment",
                    filename=f"microdata-{stem}-{day}.{SUFFIXES[wanted.fmt]}",
                )
                response.headers["Cache-Control"] = "no-store"
                return response
    return (
        render_template(
            "results/microdata.html",
            form=form,
            error=error,
            grants=list_grants(),
            files=files_made(),
            zone=_runtime().settings.zone,
            threshold=current_app.config["SUPPRESSION_THRESHOLD"],
        ),
        status,
    )
