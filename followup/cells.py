"""Cells that are safe to open in a spreadsheet: text that could start a formula is neutralised.

A cohort name or a code such as `=HYPERLINK(...)`, `+cmd|...` or `@SUM(...)` would run as a formula
when a report is opened in Excel or LibreOffice (CSV injection). Every file followup writes for a
spreadsheet passes its cells through `neutralise`, here and nowhere else.
"""

from __future__ import annotations

import re
from typing import IO

import xlsxwriter

# What a spreadsheet may read as the start of a formula (OWASP's list), tab and CR included.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
_NUMBER = re.compile(r"[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?")


def neutralise(value: object) -> object:
    """Return `value` with a leading apostrophe if it is text a spreadsheet could take for a formula.

    Numbers, and text that is only a number ("-3.5"), stay as they are: they cannot run anything.
    """
    if isinstance(value, str) and value.startswith(FORMULA_STARTS) and not _NUMBER.fullmatch(value):
        return "'" + value
    return value


def workbook(stream: IO[bytes]) -> xlsxwriter.Workbook:
    """Return a workbook written row by row in constant memory that stores every string as text
    (never as a formula, number or link, whatever it looks like)."""
    return xlsxwriter.Workbook(
        stream,
        {
            "constant_memory": True,
            "in_memory": False,
            "strings_to_formulas": False,
            "strings_to_numbers": False,
            "strings_to_urls": False,
        },
    )
