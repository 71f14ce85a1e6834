"""Cells of the CSV files people open in a spreadsheet (issue 13 point 9).

A spreadsheet runs a cell that starts with ``=``, ``+``, ``-`` or ``@`` as a formula (and a
leading tab or carriage return can hide one), so a contact named ``=HYPERLINK(…)`` would become a
link, or worse, in the office's copy of a report. As OWASP advises for CSV injection, such a text
cell is prefixed with a single quote, which the spreadsheet shows as text; the ``csv`` module then
quotes any cell holding a comma, quote or line break. Numbers and dates are written as they are.

This is for files meant for people (the deliveries CSV, RPT-02). Files meant for other systems,
such as the OneRoster export, are data and are written exactly.
"""

from __future__ import annotations

from collections.abc import Iterable

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def spreadsheet_cell(value: object) -> object:
    """The value as a cell a spreadsheet shows and never runs; None is an empty cell."""
    if value is None:
        return ""
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value


def spreadsheet_row(values: Iterable[object]) -> list[object]:
    return [spreadsheet_cell(value) for value in values]
