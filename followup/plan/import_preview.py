"""Importing from the browser: a spreadsheet becomes the same CSV rows the command line reads, and a
preview tells what confirming would do, by running the real import and rolling it back.
"""

from __future__ import annotations

import csv
import io
import zipfile
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from peewee import Database

from followup.i18n import _l
from followup.models import Programme, Wave
from followup.plan.importing import ImportRejected, ImportResult, Row, import_participants, read_rows
from followup.plan.scheduling import due_at

MAX_ROWS = 200_000
MAX_COLUMNS = 100


def rows_from_upload(filename: str, raw: bytes, activities: set[str], today: date) -> list[Row]:
    """Validate an uploaded CSV or XLSX file with the command line's own reader; raise ImportRejected."""
    if filename.lower().endswith(".xlsx"):
        raw = _xlsx_as_csv(raw)
    return read_rows(raw, activities, today)


def _xlsx_as_csv(raw: bytes) -> bytes:
    from openpyxl import load_workbook
    from openpyxl.utils.exceptions import InvalidFileException

    try:
        # Read-only mode streams the sheet instead of building it whole in memory.
        workbook = load_workbook(io.BytesIO(raw), read_only=True, data_only=True)
    except (zipfile.BadZipFile, InvalidFileException, KeyError, OSError, ValueError):
        raise ImportRejected(
            [(None, str(_l("The file is not an Excel workbook (.xlsx) that can be read.")))]
        ) from None
    try:
        sheet = workbook.worksheets[0]
        out = io.StringIO()
        writer = csv.writer(out)
        for number, values in enumerate(sheet.iter_rows(max_col=MAX_COLUMNS, values_only=True), start=1):
            if number > MAX_ROWS:
                raise ImportRejected(
                    [(None, str(_l("The file has more than %(count)d rows.", count=MAX_ROWS)))]
                )
            cells = list(values)
            # Read-only mode pads rows to max_col; trimmed first, a blank row costs no conversions.
            while cells and cells[-1] in (None, ""):
                cells.pop()
            writer.writerow([_cell_text(value) for value in cells])
    finally:
        workbook.close()
    return out.getvalue().encode("utf-8")


def _cell_text(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, datetime):
        return value.date().isoformat()
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


@dataclass
class ImportPreview:
    result: ImportResult
    warnings: list[str] = field(default_factory=list)


def preview_import(
    db: Database, now: datetime, programme: Programme, rows: list[Row], zone: ZoneInfo, send_hour: int
) -> ImportPreview:
    """Tell what importing `rows` would do (new, updated, unchanged, closed waves) without storing it."""
    with db.atomic() as transaction:
        result = import_participants(db, now, programme, rows, zone, send_hour)
        transaction.rollback()
    return ImportPreview(result, closed_wave_warnings(programme, rows, now, zone, send_hour))


def closed_wave_warnings(
    programme: Programme, rows: list[Row], now: datetime, zone: ZoneInfo, send_hour: int
) -> list[str]:
    """Return one warning per exit date whose earlier follow-ups have already closed."""
    waves = list(Wave.select().where(Wave.programme == programme).order_by(Wave.offset_months))
    warnings = []
    for exit_date in sorted({row.exit_date for row in rows}):
        closed = [
            w.offset_months
            for w in waves
            if due_at(exit_date, w.offset_months, zone, send_hour) + timedelta(days=w.window_days) <= now
        ]
        if not closed:
            continue
        left = [w.offset_months for w in waves if w.offset_months not in closed]
        count = sum(1 for row in rows if row.exit_date == exit_date)
        if left:
            text = _l(
                "Exit %(day)s (%(count)d participant(s)): the %(closed)s-month follow-ups have closed; "
                "only %(left)s months will be sent.",
                day=exit_date.isoformat(),
                count=count,
                closed=", ".join(map(str, closed)),
                left=", ".join(map(str, left)),
            )
        else:
            text = _l(
                "Exit %(day)s (%(count)d participant(s)): every follow-up has closed; nothing will be sent.",
                day=exit_date.isoformat(),
                count=count,
            )
        warnings.append(str(text))
    return warnings
