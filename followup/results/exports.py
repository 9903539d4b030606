"""The report as files: CSV (Swedish or English labels, `;` or `,`), XLSX and JSON.

All three are written from the same publication, so they carry exactly the same figures. Every
text cell of a spreadsheet passes through `followup.cells.neutralise`. XLSX is written by XlsxWriter in
constant-memory mode (rows are streamed to the file as they are written, so memory stays flat
however large the report); openpyxl is used only to read files back in the tests.
"""

from __future__ import annotations

import csv
import json
from collections.abc import Iterator
from typing import IO

import xlsxwriter
from flask_babel import force_locale

from followup.cells import neutralise, workbook
from followup.i18n import _l
from followup.results.disclosure import SUPPRESSED
from followup.results.tables import COUNT, ESTIMATE, HIGH, LOW, MEAN, SHARE, Publication, Row, Table

LEGEND = _l(".. = suppressed to protect the people counted (see the disclosure rule); empty = no figure.")


def text(label: object, language: str) -> str:
    """Return a label in `language`: a {language: text} mapping or a translatable string."""
    if isinstance(label, dict):
        return label.get(language) or next(iter(label.values()))
    return str(label)


def _rounded(kind: str, value: float):
    if kind == COUNT:
        return int(value)
    if kind in (SHARE, LOW, HIGH):
        return round(value, 3)
    if kind == ESTIMATE:
        return int(round(value))
    return round(value, 1)


def _values(table: Table, row: Row) -> list:
    found = []
    for column in table.columns:
        cell = row.cells[column.id]
        if cell.value is None:
            found.append(None)
        elif cell.hidden:
            found.append(SUPPRESSED)
        else:
            found.append(_rounded(column.kind, cell.value))
    return found


def _group(row: Row, language: str) -> str:
    return text(row.group_label, language) if row.group_label is not None else row.group


def _has_since(table: Table) -> bool:
    return any(row.since is not None for row in table.rows)


def header(table: Table, language: str) -> list[str]:
    """Return the column headings of a table as written in every file."""
    first = [str(_l("Wave (months after exit)"))]
    if _has_since(table):
        first.append(str(_l("Compared with wave (months)")))
    first.append(str(_l("Group")))
    return first + [text(c.label, language) for c in table.columns]


def _about(publication: Publication) -> list[tuple[str, str]]:
    return [
        (str(_l("Programme")), publication.programme),
        (str(_l("Made")), publication.made_at.isoformat(timespec="seconds")),
        (str(_l("Suppression threshold")), str(publication.threshold)),
        (str(_l("Survey versions")), ", ".join(publication.survey_versions) or str(_l("none"))),
        (str(_l("Share of figures suppressed")), f"{publication.information_loss:.1%}"),
        (str(_l("Legend")), str(LEGEND)),
        (str(_l("Disclosure control")), str(disclosure_rule(publication))),
    ]


def disclosure_rule(publication: Publication):
    """Return the disclosure rule as said in every file and on the results page."""
    return _l(
        "Counts from 1 to %(below)d of people sharing an attribute, counts of a whole group sharing one, "
        "and shares or means over fewer than %(threshold)d people are suppressed; further figures are "
        "suppressed so that no suppressed count can be narrowed to a range narrower than %(threshold)d "
        "(nor a suppressed mean to less than 10 points) from everything published. Invited, answered and "
        "response rates are not about anyone's situation and are not suppressed for being small.",
        below=max(publication.threshold - 1, 0),
        threshold=publication.threshold,
    )


QUOTES_TITLE = _l("In their own words")


def quotes_description(publication: Publication):
    """Return what the quotes are and how they were chosen, as said in every file and on the page."""
    return _l(
        "Comments whose authors agreed that they may be quoted, approved by a coordinator after removing "
        "anything that could identify anyone. The wave is given only where at least %(threshold)d people "
        "answered it; no code, date or cohort is given.",
        threshold=publication.threshold,
    )


def _quote_lines(publication: Publication) -> Iterator[list]:
    """Yield the quotes' section of the CSV file (none when no quote is approved)."""
    if not publication.quotes:
        return
    yield []
    yield [str(QUOTES_TITLE)]
    yield [str(quotes_description(publication))]
    yield [str(_l("Wave (months after exit)")), str(_l("Quote"))]
    for quote in publication.quotes:
        yield [quote.months, quote.text]


def _lines(publication: Publication, language: str) -> Iterator[list]:
    """Yield the rows of the CSV file: what it is, then each table under its title."""
    for name, value in _about(publication):
        yield [name, value]
    for term, explanation in publication.definitions:
        yield [text(term, language), text(explanation, language)]
    for table in publication.tables:
        yield []
        yield [text(table.title, language)]
        yield [text(table.description, language)]
        yield header(table, language)
        for row in table.rows:
            first = [row.wave] + ([row.since] if _has_since(table) else []) + [_group(row, language)]
            yield first + _values(table, row)
    yield from _quote_lines(publication)


def write_csv(publication: Publication, stream: IO[str], language: str, separator: str) -> None:
    """Write the report as CSV: UTF-8 with BOM, `;` (Swedish Excel) or `,`, `..` for suppressed."""
    for line in csv_lines(publication, language, separator):
        stream.write(line)


def csv_lines(publication: Publication, language: str, separator: str) -> Iterator[str]:
    """Yield the CSV file line by line (the first starts with the BOM), to be streamed as it is made."""
    line = _Line()
    writer = csv.writer(line, delimiter=separator, lineterminator="\r\n")
    decimal = "," if separator == ";" else "."
    with force_locale(language):
        yield "\ufeff"
        for values in _lines(publication, language):
            writer.writerow([_csv_value(v, decimal) for v in values])
            yield line.take()


class _Line:
    """Where the csv writer puts one line, taken away as soon as it is written."""

    def __init__(self) -> None:
        self.text = ""

    def write(self, text: str) -> None:
        self.text += text

    def take(self) -> str:
        text, self.text = self.text, ""
        return text


def _csv_value(value, decimal: str) -> str:
    if value is None:
        return ""
    if isinstance(value, float):
        return repr(value).replace(".", decimal)
    if isinstance(value, int):
        return str(value)
    return neutralise(str(value))


def write_xlsx(publication: Publication, stream: IO[bytes], language: str) -> None:
    """Write the report as an XLSX workbook: an about sheet, one sheet per table, the definitions."""
    with force_locale(language):
        book = workbook(stream)
        bold = book.add_format({"bold": True})
        percent = book.add_format({"num_format": "0.0%"})
        decimal = book.add_format({"num_format": "0.0"})
        about = book.add_worksheet(_sheet_name(str(_l("About")), set()))
        for r, (name, value) in enumerate(_about(publication)):
            about.write_string(r, 0, neutralise(name), bold)
            about.write_string(r, 1, neutralise(value))
        about.set_column(0, 0, 28)
        about.set_column(1, 1, 100)
        used = {about.name}
        for table in publication.tables:
            sheet = book.add_worksheet(_sheet_name(text(table.title, language), used))
            used.add(sheet.name)
            sheet.write_string(0, 0, neutralise(text(table.title, language)), bold)
            sheet.write_string(1, 0, neutralise(text(table.description, language)))
            for c, heading in enumerate(header(table, language)):
                sheet.write_string(3, c, neutralise(heading), bold)
            offset = 3 if _has_since(table) else 2
            for r, row in enumerate(table.rows, start=4):
                sheet.write_number(r, 0, row.wave)
                if _has_since(table):
                    sheet.write_number(r, 1, row.since)
                sheet.write_string(r, offset - 1, neutralise(_group(row, language)))
                for c, (column, value) in enumerate(
                    zip(table.columns, _values(table, row), strict=True), start=offset
                ):
                    if value is None:
                        continue
                    if isinstance(value, str):
                        sheet.write_string(r, c, value)
                    elif column.kind in (SHARE, LOW, HIGH):
                        sheet.write_number(r, c, value, percent)
                    elif column.kind == MEAN:
                        sheet.write_number(r, c, value, decimal)
                    else:
                        sheet.write_number(r, c, value)
            sheet.set_column(0, offset - 1, 14)
        if publication.quotes:
            _quotes_sheet(book, publication, used, bold)
        definitions = book.add_worksheet(_sheet_name(str(_l("Definitions")), used))
        for r, (term, explanation) in enumerate(publication.definitions):
            definitions.write_string(r, 0, neutralise(text(term, language)), bold)
            definitions.write_string(r, 1, neutralise(text(explanation, language)))
        definitions.set_column(0, 0, 28)
        definitions.set_column(1, 1, 120)
        book.close()


def _quotes_sheet(book: xlsxwriter.Workbook, publication: Publication, used: set[str], bold) -> None:
    sheet = book.add_worksheet(_sheet_name(str(QUOTES_TITLE), used))
    used.add(sheet.name)
    wrapped = book.add_format({"text_wrap": True, "valign": "top"})
    sheet.write_string(0, 0, neutralise(str(QUOTES_TITLE)), bold)
    sheet.write_string(1, 0, neutralise(str(quotes_description(publication))))
    sheet.write_string(3, 0, neutralise(str(_l("Wave (months after exit)"))), bold)
    sheet.write_string(3, 1, neutralise(str(_l("Quote"))), bold)
    for r, quote in enumerate(publication.quotes, start=4):
        if quote.months is not None:
            sheet.write_number(r, 0, quote.months)
        sheet.write_string(r, 1, neutralise(quote.text), wrapped)
    sheet.set_column(0, 0, 14)
    sheet.set_column(1, 1, 100)


def _sheet_name(title: str, used: set[str]) -> str:
    """Return a unique sheet name Excel accepts: at most 31 characters, none of []:*?/\\."""
    cleaned = "".join(" " if ch in "[]:*?/\\" else ch for ch in title).strip().strip("'")[:31] or "Sheet"
    name, n = cleaned, 2
    while name.lower() in {u.lower() for u in used}:
        suffix = f" {n}"
        name, n = cleaned[: 31 - len(suffix)] + suffix, n + 1
    return name


def as_json(publication: Publication, language: str) -> str:
    """Return the report as JSON with definitions; a suppressed figure is null and named in `suppressed`."""
    return "".join(json_chunks(publication, language))


def json_chunks(publication: Publication, language: str) -> Iterator[str]:
    """Return the JSON document as chunks of text, to be streamed as they are encoded."""
    with force_locale(language):
        document = {
            "programme": publication.programme,
            "made_at": publication.made_at.isoformat(timespec="seconds"),
            "threshold": publication.threshold,
            "survey_versions": publication.survey_versions,
            "information_loss": round(publication.information_loss, 4),
            "legend": str(LEGEND),
            "disclosure_control": str(disclosure_rule(publication)),
            "definitions": [
                {"term": text(t, language), "text": text(e, language)} for t, e in publication.definitions
            ],
            "tables": [_json_table(t, language) for t in publication.tables],
            "quotes": [{"wave": quote.months, "text": quote.text} for quote in publication.quotes],
        }
    return json.JSONEncoder(ensure_ascii=False, indent=1).iterencode(document)


def _json_table(table: Table, language: str) -> dict:
    rows = []
    for row in table.rows:
        values = _values(table, row)
        cells = {c.id: (None if v == SUPPRESSED else v) for c, v in zip(table.columns, values, strict=True)}
        entry = {"wave": row.wave, "group": row.group, "label": _group(row, language)}
        if row.since is not None:
            entry["since"] = row.since
        entry["cells"] = cells
        entry["suppressed"] = [c.id for c, v in zip(table.columns, values, strict=True) if v == SUPPRESSED]
        rows.append(entry)
    return {
        "id": table.id,
        "title": text(table.title, language),
        "description": text(table.description, language),
        "columns": [{"id": c.id, "label": text(c.label, language), "kind": c.kind} for c in table.columns],
        "rows": rows,
    }
