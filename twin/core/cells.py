"""Spreadsheet cells that cannot run: text written to CSV or XLSX exports that a spreadsheet
would take for a formula (``=``, ``+``, ``-``, ``@``, tab, carriage return first) is
neutralised, so an allocation field such as ``=HYPERLINK(...)`` stays text."""

from __future__ import annotations

from typing import Any

__all__ = ["FORMULA_STARTS", "safe_cell", "safe_row"]

#: First characters that make a spreadsheet read a cell as a formula (OWASP CSV injection).
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r", "\uff1d", "\uff0b", "\uff0d", "\uff20")


def _is_number(text: str) -> bool:
    try:
        float(text)
    except ValueError:
        return False
    return True


def safe_cell(value: Any) -> Any:
    """``value``, or text prefixed with ``'`` when a spreadsheet would run it.

    Examples
    --------
    >>> safe_cell("=1+2"), safe_cell("-3.5"), safe_cell(4), safe_cell("R101")
    ("'=1+2", '-3.5', 4, 'R101')
    """
    if isinstance(value, str) and value.startswith(FORMULA_STARTS) and not _is_number(value):
        return "'" + value
    return value


def safe_row(values: Any) -> list[Any]:
    """:func:`safe_cell` of every value of a row."""
    return [safe_cell(v) for v in values]
