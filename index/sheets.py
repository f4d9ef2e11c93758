"""Spreadsheets to rows a question can find: .xlsx (and .xlsm, its macros left unread) with
openpyxl (read only, the values last computed, never the formulas), and .csv. Each sheet is a
section named after it; each row that holds a value is one paragraph whose cells carry their
column headers ("Region: Almaty | Budget: 1.2 bn", the first row read as the header when it
names the columns), cited as 'sheet "Budget", row 12' (.csv: 'row 12'), the spreadsheet's own
row numbers. The title is the workbook's properties' title, else the file name. Charts,
comments and hidden sheets' formatting are not read; hidden sheets' values are."""

from __future__ import annotations

import csv
import datetime as dt
import io
import re
from collections import Counter
from collections.abc import Iterable, Sequence
from typing import TYPE_CHECKING, Any

from index.archives import open_archive
from index.documents import SkipFile
from index.layout import Layout, quoted, table_rows
from index.reasons import NOT_A_READABLE_CSV

if TYPE_CHECKING:
    from openpyxl.worksheet._read_only import ReadOnlyWorksheet

KIND = "Excel"
_DEFAULT_NAME = re.compile(r"(sheet|лист|feuil|tabelle|hoja|foglio|planilha|парақ)\s*\d*", re.I)
CSV_SAMPLE = 64 * 1024  # what the delimiter is told from: at most these characters
CSV_LINES = 50  # and these lines
CSV_DELIMITERS = ",;\t|"


def workbook_layout(data: bytes) -> Layout:
    """The layout of an .xlsx or .xlsm file (see the module); raises SkipFile."""
    from openpyxl import load_workbook

    open_archive(data, KIND)
    book = load_workbook(io.BytesIO(data), read_only=True, data_only=True, keep_links=False)
    try:
        # a workbook's first sheet names that sheet, not the workbook: no title, the file name
        layout = Layout(title=book.properties.title or "", heading_titles=False)
        for sheet in book.worksheets:
            _sheet(layout, sheet)
    finally:
        book.close()
    return layout


def _sheet(layout: Layout, sheet: ReadOnlyWorksheet) -> None:
    sheet.reset_dimensions()  # read the rows there are, not the size the file claims
    place = f"sheet {quoted(sheet.title)}"
    layout.begin(place)
    if not _DEFAULT_NAME.fullmatch(sheet.title.strip()):
        layout.heading(sheet.title)
    else:
        layout.end_section()
    rows = ([cell_text(c) for c in row] for row in sheet.iter_rows())
    _add_rows(layout, rows, place)


def csv_layout(text: str) -> Layout:
    """The layout of a .csv file's text: one table, rows cited as 'row 12'; raises SkipFile."""
    layout = Layout()
    try:
        _add_rows(layout, csv.reader(io.StringIO(text), delimiter=delimiter(text)), "")
    except csv.Error as exc:
        raise SkipFile(NOT_A_READABLE_CSV, error=str(exc)) from exc
    return layout


def delimiter(text: str) -> str:
    """The delimiter of a CSV file: of ``, ; tab |``, the one its first lines hold the same
    number of times most often (ties to the one held more times, then ","). Counted, not
    guessed by csv.Sniffer, whose expressions take seconds on some files (25 s on 64 KB of
    ',"' repeated)."""
    lines = [line for line in text[:CSV_SAMPLE].splitlines()[:CSV_LINES] if line.strip()]
    best, best_score = ",", (0, 0)
    for candidate in CSV_DELIMITERS:
        counts = [line.count(candidate) for line in lines]
        held = [c for c in counts if c]
        if not held:
            continue
        usual = Counter(held).most_common(1)[0][0]
        score = (counts.count(usual), usual)
        if score > best_score:
            best, best_score = candidate, score
    return best


def _add_rows(layout: Layout, rows: Iterable[Sequence[str]], place: str) -> None:
    """A sheet's or a CSV file's rows, each in its place; the table counts when a row has text."""
    before = len(layout.blocks)
    for number, text in table_rows(rows):
        layout.add_row(text, f"{place}, row {number}" if place else f"row {number}")
    if len(layout.blocks) > before:
        layout.tables += 1


def cell_text(cell: Any) -> str:
    """A cell's value as the sheet shows it, near enough: numbers without a float's noise,
    percentages as percentages, dates without a midnight time."""
    value = cell.value
    if value is None:
        return ""
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, int | float):
        if "%" in (getattr(cell, "number_format", "") or ""):
            return number_text(value * 100) + "%"
        return number_text(value)
    if isinstance(value, dt.datetime):
        return value.date().isoformat() if value.time() == dt.time() else value.isoformat(" ")
    if isinstance(value, dt.date | dt.time):
        return value.isoformat()
    return str(value)


def number_text(value: float) -> str:
    if isinstance(value, int) or value.is_integer():
        return str(int(value))
    if abs(value) >= 1e15 or abs(value) < 1e-6:
        return repr(value)
    return f"{value:.9f}".rstrip("0").rstrip(".")
