"""The results pages. They live under /staff so the staff session (and its cookie) carries over;
every view names who may use it (followup.web.roles.requires): evaluators, coordinators and admins
of the programme. Nothing here reads a participant: only the disclosure-controlled publication.
"""

from __future__ import annotations

import tempfile
from collections.abc import Iterable, Iterator
from datetime import datetime

from flask import Blueprint, Response, abort, current_app, render_template, request, stream_with_context
from flask_babel import format_percent, get_locale
from flask_login import current_user
from werkzeug.utils import secure_filename

from followup.accounts.roles import programmes_for
from followup.models import Programme
from followup.results.charts import CHARTED, chart, shown_rows
from followup.results.exports import (
    LEGEND,
    csv_lines,
    disclosure_rule,
    header,
    json_chunks,
    quotes_description,
    text,
    write_xlsx,
)
from followup.results.key_figures import key_figures
from followup.results.measures import DEPRESSION, MEANINGFUL, POOR
from followup.results.reporting import ReportCache, assumptions_for
from followup.results.tables import Publication
from followup.web.roles import COORDINATOR, EVALUATOR, requires
from followup.web.staff.common import record

bp = Blueprint("results", __name__, url_prefix="/staff/results")

FORMATS = {
    "csv": "text/csv",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "json": "application/json",
}
# A chart is an image: it runs nothing, and matplotlib styles it with a <style> element.
CHART_POLICY = "default-src 'none'; style-src 'unsafe-inline'"


# The report is computed once for a page, its charts and its files, and again as soon as an answer
# (or anything else the data version sees) changes; a few programmes' reports are kept per process.
CACHE_ENTRIES = 8
CACHE_SECONDS = 60
CHUNK = 64 * 1024


def _runtime():
    return current_app.extensions["followup"]


def _cache() -> ReportCache:
    return current_app.extensions.setdefault("results_cache", ReportCache(CACHE_ENTRIES, CACHE_SECONDS))


def _publication(programme: Programme) -> Publication:
    config = current_app.config
    assumptions = assumptions_for(
        programme, config["SOCIAL_ASSISTANCE_NORM"], config["SOCIAL_ASSISTANCE_MONTHS"]
    )
    return _cache().report(
        _runtime().db, programme, _runtime().clock.now(), config["SUPPRESSION_THRESHOLD"], assumptions
    )


def _language() -> str:
    return str(get_locale())


@bp.app_template_filter("percent")
def _percent(value: float) -> str:
    return format_percent(value)


@bp.get("/")
@requires(EVALUATOR)
def programmes():
    """List the programmes whose results this user may see."""
    return render_template(
        "results/programmes.html", programmes=programmes_for(current_user.user, COORDINATOR, EVALUATOR)
    )


@bp.get("/<int:programme_id>/")
@requires(EVALUATOR)
def overview(programme: Programme):
    """Show a programme's published figures: key figures, each measure's chart and table, the method."""
    publication = _publication(programme)
    language = _language()
    tables = [
        {
            "table": table,
            "title": text(table.title, language),
            "description": text(table.description, language),
            "header": header(table, language),
            "rows": shown_rows(table, language),
            "charted": table.id in CHARTED,
        }
        for table in publication.tables
    ]
    return render_template(
        "results/overview.html",
        programme=programme,
        publication=publication,
        key_figures=key_figures(publication),
        tables=tables,
        legend=LEGEND,
        disclosure=disclosure_rule(publication),
        quotes_description=quotes_description(publication),
        definitions=[(text(t, language), text(e, language)) for t, e in publication.definitions],
        cut_offs={"poor": POOR, "depression": DEPRESSION, "meaningful": MEANINGFUL},
        made_at=publication.made_at.astimezone(_zone()),
    )


def _zone():
    return _runtime().settings.zone


@bp.get("/<int:programme_id>/charts/<table_id>.svg")
@requires(EVALUATOR)
def chart_image(programme: Programme, table_id: str):
    """Send one measure's chart as an SVG image."""
    if table_id not in CHARTED:
        abort(404)
    svg = chart(_publication(programme), table_id, _language())
    response = Response(svg, mimetype="image/svg+xml")
    response.headers["Content-Security-Policy"] = CHART_POLICY
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.get("/<int:programme_id>/download.<fmt>")
@requires(EVALUATOR)
def download(programme: Programme, fmt: str):
    """Send the same figures as a CSV, XLSX or JSON file, and note the download in the audit log."""
    if fmt not in FORMATS:
        abort(404)
    language = request.args.get("language", _language())
    if language not in current_app.config["LANGUAGES"]:
        abort(404)
    separator = "," if request.args.get("separator") == "comma" else ";"
    publication = _publication(programme)
    if fmt == "csv":
        body: Iterable = stream_with_context(_encoded(csv_lines(publication, language, separator)))
    elif fmt == "xlsx":
        body = _xlsx_file(publication, language)
    else:
        body = stream_with_context(_encoded(json_chunks(publication, language)))
    record("results.downloaded", programme=programme, format=fmt, language=language)
    name = f"{_file_stem(programme, publication.made_at)}.{fmt}"
    response = Response(body, mimetype=FORMATS[fmt])
    response.headers["Content-Disposition"] = f'attachment; filename="{name}"'
    response.headers["Cache-Control"] = "no-store"
    return response


def _encoded(chunks: Iterable[str]) -> Iterator[bytes]:
    """Yield text as UTF-8 in pieces of about CHUNK bytes, sent as soon as each is ready."""
    pending, size = [], 0
    for chunk in chunks:
        pending.append(chunk)
        size += len(chunk)
        if size >= CHUNK:
            yield "".join(pending).encode("utf-8")
            pending, size = [], 0
    if pending:
        yield "".join(pending).encode("utf-8")


def _xlsx_file(publication: Publication, language: str):
    """Write the workbook to a temporary file (XlsxWriter needs to seek) and send it in pieces."""
    file = tempfile.TemporaryFile()  # noqa: SIM115 - closed (and so deleted) once it is sent
    try:
        write_xlsx(publication, file, language)
        file.seek(0)
    except BaseException:
        file.close()
        raise
    return _sent_then_closed(file)


def _sent_then_closed(file) -> Iterator[bytes]:
    try:
        while chunk := file.read(CHUNK):
            yield chunk
    finally:
        file.close()


def _file_stem(programme: Programme, made_at: datetime) -> str:
    stem = secure_filename(programme.name.replace("å", "a").replace("ä", "a").replace("ö", "o"))
    return f"{stem or 'programme'}-{made_at.astimezone(_zone()):%Y-%m-%d}"
