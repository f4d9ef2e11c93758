"""Word documents (.docx, and .docm with its macros left unread) to the text a reader sees,
with python-docx: the body's paragraphs and tables in order, Word's heading styles as
sections, list paragraphs as list items, each table row as one paragraph whose cells carry
their column headers, cited as 'table 2, row 3'. The title is the document's properties' title,
else its first heading. Headers, footers, footnotes, comments and text boxes are not read."""

from __future__ import annotations

import io
import re
import zipfile
from collections.abc import Iterator
from typing import TYPE_CHECKING, Any

from index.archives import open_archive
from index.layout import Layout

if TYPE_CHECKING:
    from docx.table import Table
    from docx.text.paragraph import Paragraph

KIND = "Word"
W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"
MAX_DEPTH = 20  # content controls inside content controls read this deep
_HEADING = re.compile(r"(heading \d+|title)", re.I)
_MACRO_MAIN = b"application/vnd.ms-word.document.macroEnabled.main+xml"
_PLAIN_MAIN = b"application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"


def word_layout(data: bytes) -> Layout:
    """The layout of a .docx or .docm file (see the module); raises SkipFile."""
    from docx import Document as open_word
    from docx.text.paragraph import Paragraph

    archive = open_archive(data, KIND)
    if _MACRO_MAIN in archive.read("[Content_Types].xml"):
        data = _without_macros(archive)
    word = open_word(io.BytesIO(data))
    layout = Layout(title=word.core_properties.title or "")
    items: list[tuple[str, int | None]] = []
    for block in _blocks(word.element.body, word, 0):
        if isinstance(block, Paragraph) and _is_list_item(block):
            items.append((block.text, None))
            continue
        layout.add_list(items)
        items.clear()
        if isinstance(block, Paragraph):
            _paragraph(layout, block)
        else:
            _table(layout, block)
    layout.add_list(items)
    return layout


def _blocks(element: Any, parent: Any, depth: int) -> Iterator[Paragraph | Table]:
    """The paragraphs and tables of ``element`` in order, those inside content controls
    (``w:sdt``, how templates hold their fields and text) included, a table of contents not."""
    from docx.table import Table
    from docx.text.paragraph import Paragraph

    for child in element.iterchildren():
        tag = child.tag.rsplit("}", 1)[-1]
        if tag == "p":
            yield Paragraph(child, parent)
        elif tag == "tbl":
            yield Table(child, parent)
        elif tag == "sdt" and depth < MAX_DEPTH and not _is_contents(child):
            for content in child.iterchildren(f"{W}sdtContent"):
                yield from _blocks(content, parent, depth + 1)


def _is_contents(sdt: Any) -> bool:
    """A content control holding a table of contents (its document part gallery says so)."""
    galleries = sdt.iter(f"{W}docPartGallery")
    return any("contents" in (g.get(f"{W}val") or "").lower() for g in galleries)


def _paragraph(layout: Layout, paragraph: Paragraph) -> None:
    style = paragraph.style.name if paragraph.style is not None else ""
    if style and _HEADING.fullmatch(style):
        layout.heading(paragraph.text)
    else:
        layout.add(paragraph.text)


def _is_list_item(paragraph: Paragraph) -> bool:
    properties = paragraph._p.pPr
    if properties is not None and properties.numPr is not None:
        return True
    style = paragraph.style.name if paragraph.style is not None else ""
    return bool(style) and style.lower().startswith("list")


def _table(layout: Layout, table: Table) -> None:
    rows: list[list[str]] = []
    for row in table.rows:
        cells: list[str] = []
        previous = None
        for cell in row.cells:  # a merged cell comes once per column it spans: read it once
            cells.append(cell.text if cell._tc is not previous else "")
            previous = cell._tc
        rows.append(cells)
    layout.add_table(rows, f"table {layout.tables + 1}")


def _without_macros(archive: zipfile.ZipFile) -> bytes:
    """The archive as a .docx: the macro-enabled main part's type renamed, the macros left out
    (python-docx opens only .docx; nothing in a file is ever run)."""
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED, compresslevel=1) as copy:
        for info in archive.infolist():
            if info.filename.lower().endswith(".bin"):
                continue
            member = archive.read(info)
            if info.filename == "[Content_Types].xml":
                member = member.replace(_MACRO_MAIN, _PLAIN_MAIN)
            copy.writestr(info.filename, member)
    return out.getvalue()
