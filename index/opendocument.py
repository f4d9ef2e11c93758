"""OpenDocument text (.odt, LibreOffice's and Google Docs' format) to the text a reader sees,
with odfpy: headings as sections, paragraphs, lists as list items, tables one paragraph per row
with the column headers ('table 2, row 3'), text in sections and frames. The title is the
document's metadata title, else its first heading. Tables of contents, indexes, notes and
annotations are not read."""

from __future__ import annotations

import io
from typing import Any

from index.archives import open_archive
from index.layout import Layout

KIND = "OpenDocument"
TEXT_NS = "urn:oasis:names:tc:opendocument:xmlns:text:1.0"
TABLE_NS = "urn:oasis:names:tc:opendocument:xmlns:table:1.0"
_SKIPPED = frozenset(
    (
        "table-of-content",
        "alphabetical-index",
        "illustration-index",
        "bibliography",
        "note",
        "annotation",
        "tracked-changes",
        "sequence-decls",
    )
)
MAX_REPEAT = 64  # a cell or row with text "repeated" more often counts this often
MAX_REPEATED = 100_000  # cells one table may gain by repeats; then repeats count once
MAX_DEPTH = 200  # elements nested deeper are not read


def odt_layout(data: bytes) -> Layout:
    """The layout of an .odt file (see the module); raises SkipFile."""
    from odf.opendocument import load

    open_archive(data, KIND)
    document = load(io.BytesIO(data))
    layout = Layout(title=_title(document))
    _walk(layout, document.text, 0)
    return layout


def _title(document: Any) -> str:
    from odf import dc

    titles = document.meta.getElementsByType(dc.Title) if document.meta else []
    return _text(titles[0]) if titles else ""


def _walk(layout: Layout, element: Any, depth: int) -> None:
    if depth > MAX_DEPTH:
        return
    for child in element.childNodes:
        if child.nodeType != child.ELEMENT_NODE:
            continue
        namespace, name = child.qname
        if name in _SKIPPED:
            continue
        if (namespace, name) == (TEXT_NS, "h"):
            layout.heading(_text(child))
        elif (namespace, name) == (TEXT_NS, "p"):
            layout.add(_text(child))
        elif (namespace, name) == (TEXT_NS, "list"):
            layout.add_list((text, None) for text in _list_items(child, depth))
        elif (namespace, name) == (TABLE_NS, "table"):
            layout.add_table(_table_rows(child), f"table {layout.tables + 1}")
        else:
            _walk(layout, child, depth + 1)


def _list_items(element: Any, depth: int) -> list[str]:
    """The items of a list, nested lists' items after their parent's, in order."""
    items: list[str] = []
    if depth > MAX_DEPTH:
        return items
    for item in element.childNodes:
        if item.nodeType != item.ELEMENT_NODE:
            continue
        for child in item.childNodes:
            if child.nodeType != child.ELEMENT_NODE:
                continue
            if child.qname == (TEXT_NS, "list"):
                items.extend(_list_items(child, depth + 1))
            elif child.qname[1] not in _SKIPPED:
                items.append(_text(child))
    return items


def _table_rows(table: Any) -> list[list[str]]:
    rows: list[list[str]] = []
    budget = [MAX_REPEATED]  # cells the repeats may still add
    for row in _elements(table, "table-row"):
        cells: list[str] = []
        for cell in row.childNodes:
            if cell.nodeType != cell.ELEMENT_NODE or cell.qname[0] != TABLE_NS:
                continue
            text = _text(cell) if cell.qname[1] == "table-cell" else ""
            cells.extend([text] * _repeat(cell, "number-columns-repeated", text, 1, budget))
        times = _repeat(row, "number-rows-repeated", "".join(cells), len(cells), budget)
        rows.extend([cells] * times)
    return rows


def _elements(element: Any, name: str) -> list[Any]:
    """The ``name`` elements of the table namespace under ``element``, not inside a nested
    table (rows may sit in header-rows or row groups)."""
    found: list[Any] = []
    for child in element.childNodes:
        if child.nodeType != child.ELEMENT_NODE or child.qname[0] != TABLE_NS:
            continue
        if child.qname[1] == name:
            found.append(child)
        elif child.qname[1] != "table":
            found.extend(_elements(child, name))
    return found


def _repeat(element: Any, attribute: str, text: str, cells: int, budget: list[int]) -> int:
    """How many times a repeated cell or row (of ``cells`` cells) counts: empty filler once,
    text at most ``MAX_REPEAT`` times while the table's ``budget`` of added cells lasts."""
    try:
        count = int(element.attributes.get((TABLE_NS, attribute), 1))
    except (TypeError, ValueError):
        count = 1
    count = 1 if not text.strip() else max(1, min(count, MAX_REPEAT))
    if (count - 1) * cells > budget[0]:
        return 1
    budget[0] -= (count - 1) * cells
    return count


def _text(element: Any) -> str:
    from odf import teletype

    return str(teletype.extractText(element))
