"""Formula neutralisation for every CSV and XLSX file the platform writes (CSV / formula injection).

A cell whose text starts with ``=``, ``+``, ``-`` or ``@`` (or their full-width forms ``＝＋－＠``), possibly
after leading whitespace or invisible format characters, or that starts with a tab or carriage return, is
read by Excel, WPS and LibreOffice as a formula: ``=HYPERLINK(…)`` sends data away, ``=DDE(…)`` and
``+cmd|…`` start programs. Following the OWASP "CSV Injection" guidance, such a text gets a single quote in
front (``'=HYPERLINK(…)``), which spreadsheet programs show as text. See docs/files-at-rest.md.

- :func:`neutralise` is applied to every text cell of a CSV the platform writes; :func:`restore` is its
  exact inverse (``restore(neutralise(t)) == t`` for every text), applied only to files the platform issued
  (a corrected CSV rejection file uploaded again), so the department's original value loads again.
- A plain decimal number (``-1.5``, ``+3``, ``1e-3``) is not a formula and stays as it is, so negative
  amounts remain numbers.
- A text that already starts with a single quote gets a second one, so that :func:`restore` never removes a
  quote the department typed itself.
- XLSX cells are written as string cells (never formulas) with Excel's own quote-prefix flag, so the value
  is kept unchanged and Excel keeps it as text even when the cell is edited (:func:`xlsx_text_cell`).
"""

from __future__ import annotations

import csv
import datetime as dt
import re
import unicodedata
from collections.abc import Iterable
from typing import IO, Any

__all__ = [
    "FORMULA_TRIGGERS",
    "SafeCsvWriter",
    "formula_safe",
    "needs_quote",
    "neutralise",
    "restore",
    "xlsx_text_cell",
]

#: First characters (after leading whitespace) that make a spreadsheet program evaluate a cell.
FORMULA_TRIGGERS = frozenset("=+-@＝＋－＠")
#: Characters that trigger at the very start of a cell whatever follows (OWASP: tab, carriage return).
_LEADING_CONTROLS = frozenset("\t\r\n")
_NUMBER = re.compile(r"[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?", re.ASCII)
QUOTE = "'"


def _skip_invisible(text: str) -> str:
    """``text`` without its leading whitespace and format characters (zero-width space, BOM, bidi marks)."""
    for index, char in enumerate(text):
        if not (char.isspace() or unicodedata.category(char) == "Cf"):
            return text[index:]
    return ""


def needs_quote(text: str) -> bool:
    """Would a spreadsheet program read ``text`` as a formula (or is it ambiguous for :func:`restore`)?"""
    if not text:
        return False
    if text[0] == QUOTE or text[0] in _LEADING_CONTROLS:
        return True
    visible = _skip_invisible(text)
    return bool(visible) and visible[0] in FORMULA_TRIGGERS and not _NUMBER.fullmatch(text)


def neutralise(value: Any) -> Any:
    """``value`` made safe for a spreadsheet cell: texts that would be formulas get a leading single quote."""
    if isinstance(value, str) and needs_quote(value):
        return QUOTE + value
    return value


def restore(value: Any) -> Any:
    """The original of a cell written by :func:`neutralise` (exactly one added quote removed)."""
    if isinstance(value, str) and value[:1] == QUOTE and needs_quote(value[1:]):
        return value[1:]
    return value


def formula_safe(cell: str) -> bool:
    """Is a written CSV cell inert: quoted, or not starting with a formula trigger after whitespace?

    A tab followed only by digits is the writers' own marker that keeps long codes as text in Excel.
    """
    if not cell or cell[0] == QUOTE:
        return True
    if cell[0] in _LEADING_CONTROLS:
        return cell[0] == "\t" and cell[1:].isdigit() and cell[1:].isascii()
    visible = _skip_invisible(cell)
    return not visible or visible[0] not in FORMULA_TRIGGERS or bool(_NUMBER.fullmatch(cell))


def xlsx_text_cell(cell: Any) -> Any:
    """Make an openpyxl cell holding text a string cell, never a formula; quote-prefix it when needed.

    openpyxl turns any text starting with ``=`` into a formula cell; the data type is set back to string,
    and Excel's quote-prefix flag (the cell property behind a typed leading apostrophe) keeps the cell text
    when it is edited. The value itself is unchanged.
    """
    if isinstance(cell.value, str):
        cell.data_type = "s"
        if needs_quote(cell.value):
            cell.quotePrefix = True
    return cell


class SafeCsvWriter:
    """``csv.writer`` whose cells are neutralised: the writer of every CSV export of the platform."""

    def __init__(self, stream: IO[str], **options: Any) -> None:
        self._writer = csv.writer(stream, **options)

    @staticmethod
    def cell(value: Any) -> Any:
        if value is None:
            return ""
        if isinstance(value, dt.date):
            return value.isoformat()
        # A finite number's text is a plain number and stays one; "-inf" and the like are quoted.
        return neutralise(value if isinstance(value, str) else str(value))

    def writerow(self, row: Iterable[Any]) -> Any:
        return self._writer.writerow([self.cell(value) for value in row])

    def writerows(self, rows: Iterable[Iterable[Any]]) -> None:
        for row in rows:
            self.writerow(row)
