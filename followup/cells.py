"""Cells of files we write (CSV, XLSX): a cell that a spreadsheet would run as a formula is neutralised.

OWASP's advice for CSV injection: a value starting with =, +, -, @, a tab or a carriage return
gets a leading apostrophe, which spreadsheets show as text. Numbers are left as they are.
"""

from __future__ import annotations

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def safe_cell(value: object) -> object:
    """Return `value` fit for a spreadsheet cell: text that could start a formula is made plain text."""
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value
