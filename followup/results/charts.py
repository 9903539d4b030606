"""Charts as SVG, made on the server with matplotlib's SVG backend.

matplotlib because it is the most used and best kept plotting library in Python, draws SVG
without a browser or JavaScript, and lets every bar carry a hatch pattern as well as a shade of
grey, so a chart printed in black and white still tells its series apart. Each SVG carries a
<title> and a <desc> holding the chart's data as text: the table is the text alternative.
"""

from __future__ import annotations

import io
from xml.sax.saxutils import escape

from flask_babel import force_locale
from matplotlib.backends.backend_svg import FigureCanvasSVG
from matplotlib.figure import Figure

from followup.i18n import _l
from followup.results.exports import header, text
from followup.results.tables import HIGH, LOW, MEAN, SHARE, Publication, Table

CHARTED = {
    "reach": ("response_share",),
    "self_sufficiency": ("self_sufficient_share", "work_or_studies_share"),
    "social_assistance": ("receiving_share", "left_share"),
    "who5": ("mean",),
    "step_forward": ("closer_share", "unchanged_share", "further_share"),
    "who5_change": ("change",),
}
# A shade and a hatch for each series: no chart in CHARTED has more than three.
GREYS = ("#222222", "#888888", "#cccccc")
HATCHES = ("", "//", "..")


def _label(row, language: str) -> str:
    group = text(row.group_label, language) if row.group_label is not None else row.group
    months = f"{row.since}-{row.wave}" if row.since is not None else str(row.wave)
    # Outside the f-string, where the message extraction finds it.
    unit = _l("mo.")
    return f"{group} ({months} {unit})"


def shown_rows(table: Table, language: str) -> list[list[str]]:
    """Return the table's rows as shown to a reader: shares in per cent, `..` where suppressed."""
    with force_locale(language):
        lines = []
        for row in table.rows:
            first = [str(row.wave)] + ([str(row.since)] if row.since is not None else [])
            first.append(text(row.group_label, language) if row.group_label is not None else row.group)
            values = []
            for column in table.columns:
                cell = row.cells[column.id]
                values.append(
                    "" if cell.value is None else ".." if cell.hidden else _shown(column.kind, cell.value)
                )
            lines.append(first + values)
        return lines


def text_alternative(table: Table, language: str) -> str:
    """Return the table as plain text, one line per row: the chart's text alternative."""
    with force_locale(language):
        headings = header(table, language)
    return "\n".join("; ".join(line) for line in [headings, *shown_rows(table, language)])


def _shown(kind: str, value: float) -> str:
    if kind in (SHARE, LOW, HIGH):
        return f"{value:.0%}"
    if kind == MEAN:
        return f"{value:.1f}"
    return f"{value:g}"


def chart(publication: Publication, table_id: str, language: str) -> str:
    """Return an SVG bar chart of a table's key figures; suppressed figures are left out and marked."""
    table = publication.table(table_id)
    columns = [c for c in table.columns if c.id in CHARTED[table_id]]
    with force_locale(language):
        title = text(table.title, language)
        labels = [_label(row, language) for row in table.rows]
        figure = Figure(figsize=(7, 0.35 * len(labels) + 1.5))
        FigureCanvasSVG(figure)
        axes = figure.add_subplot()
        height = 0.8 / len(columns)
        for s, column in enumerate(columns):
            values = []
            for r, row in enumerate(table.rows):
                cell = row.cells[column.id]
                y = r + s * height
                if cell.value is None or cell.hidden:
                    values.append(0)
                    axes.text(0, y, " ..", va="center", fontsize=8)
                else:
                    values.append(cell.value * (100 if column.kind == SHARE else 1))
            axes.barh(
                [r + s * height for r in range(len(labels))],
                values,
                height=height,
                color=GREYS[s],
                hatch=HATCHES[s],
                edgecolor="black",
                label=text(column.label, language),
            )
        axes.set_yticks([r + height * (len(columns) - 1) / 2 for r in range(len(labels))], labels, fontsize=8)
        axes.invert_yaxis()
        unit = "%" if columns and columns[0].kind == SHARE else ""
        axes.set_xlabel(unit)
        axes.set_title(title, fontsize=10)
        if len(columns) > 1:
            axes.legend(fontsize=8)
        figure.tight_layout()
        buffer = io.StringIO()
        figure.savefig(buffer, format="svg", metadata={"Date": None})
        svg = buffer.getvalue()
        description = text_alternative(table, language)
    opening = svg.index(">", svg.index("<svg")) + 1
    accessible = f'<title id="title">{escape(title)}</title><desc id="desc">{escape(description)}</desc>'
    svg = svg[:opening] + accessible + svg[opening:]
    return svg.replace("<svg ", '<svg role="img" aria-labelledby="title desc" ', 1)
