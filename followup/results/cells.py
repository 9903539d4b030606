"""Text that is safe in a spreadsheet cell."""

from __future__ import annotations

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def neutralise(text: str) -> str:
    """Return `text` so that no spreadsheet reads it as a formula: a leading apostrophe when it
    starts with =, +, -, @, a tab or a carriage return (OWASP's advice for CSV injection)."""
    if text.startswith(FORMULA_STARTS):
        return "'" + text
    return text
