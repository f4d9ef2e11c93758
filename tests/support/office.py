"""Office files and e-books made by the libraries themselves (python-docx, python-pptx,
openpyxl, odfpy; EPUB and RTF written out by hand, they are zip-of-XHTML and plain text), each
under the test's own folder. ``Table`` is what they hold: a header and rows."""

from __future__ import annotations

import csv
import zipfile
from collections.abc import Sequence
from pathlib import Path

Table = Sequence[Sequence[object]]  # the header row first

BUDGETS: Table = (
    ("Region", "Budget", "Lead"),
    ("Almaty", "1.2 bn", "Aigerim Sadykova"),
    ("Astana", "2.4 bn", "Daniyar Bekov"),
    ("Shymkent", "0.8 bn", "Ruslan Omarov"),
)


def make_docx(
    path: Path,
    title: str = "",
    body: Sequence[tuple[str, object]] = (),
) -> Path:
    """A Word document: ``body`` is (kind, content) in order: ("heading", text), ("text", text),
    ("bullets", [items]), ("table", Table), ("title", text) (Word's Title style)."""
    from docx import Document

    word = Document()
    if title:
        word.core_properties.title = title
    for kind, content in body:
        if kind == "heading":
            word.add_heading(str(content), level=1)
        elif kind == "title":
            word.add_heading(str(content), level=0)
        elif kind == "bullets":
            for item in content:  # type: ignore[attr-defined]
                word.add_paragraph(str(item), style="List Bullet")
        elif kind == "table":
            rows: Table = content  # type: ignore[assignment]
            table = word.add_table(rows=len(rows), cols=len(rows[0]))
            for i, row in enumerate(rows):
                for j, value in enumerate(row):
                    table.cell(i, j).text = str(value)
        else:
            word.add_paragraph(str(content))
    word.save(str(path))
    return path


def make_pptx(path: Path, slides: Sequence[dict[str, object]], title: str = "") -> Path:
    """A deck: each slide a dict with "title", "bullets" (list), "table" (Table), "notes"."""
    from pptx import Presentation
    from pptx.util import Inches

    deck = Presentation()
    if title:
        deck.core_properties.title = title
    for spec in slides:
        layout = deck.slide_layouts[1] if spec.get("title") else deck.slide_layouts[6]
        slide = deck.slides.add_slide(layout)
        if spec.get("title"):
            slide.shapes.title.text = str(spec["title"])
            body = slide.placeholders[1].text_frame
            bullets = [str(b) for b in spec.get("bullets", ())]  # type: ignore[attr-defined]
            body.text = bullets[0] if bullets else ""
            for bullet in bullets[1:]:
                body.add_paragraph().text = bullet
        else:
            box = slide.shapes.add_textbox(Inches(1), Inches(1), Inches(6), Inches(1))
            box.text_frame.text = "\n".join(str(b) for b in spec.get("bullets", ()))  # type: ignore[attr-defined]
        rows: Table | None = spec.get("table")  # type: ignore[assignment]
        if rows:
            shape = slide.shapes.add_table(
                len(rows), len(rows[0]), Inches(1), Inches(4), Inches(8), Inches(2)
            )
            for i, row in enumerate(rows):
                for j, value in enumerate(row):
                    shape.table.cell(i, j).text = str(value)
        if spec.get("notes"):
            slide.notes_slide.notes_text_frame.text = str(spec["notes"])
    deck.save(str(path))
    return path


def make_xlsx(path: Path, sheets: dict[str, Table], title: str = "") -> Path:
    """A workbook with one sheet per entry, rows from A1."""
    from openpyxl import Workbook

    book = Workbook()
    book.remove(book.active)
    if title:
        book.properties.title = title
    for name, rows in sheets.items():
        sheet = book.create_sheet(name)
        for row in rows:
            sheet.append(list(row))
    book.save(str(path))
    return path


def make_csv(path: Path, rows: Table, delimiter: str = ",") -> Path:
    with path.open("w", newline="", encoding="utf-8") as out:
        csv.writer(out, delimiter=delimiter).writerows([[str(c) for c in r] for r in rows])
    return path


def make_odt(path: Path, title: str, body: Sequence[tuple[str, object]]) -> Path:
    """An OpenDocument text: ``body`` as for :func:`make_docx` (heading, text, bullets,
    table)."""
    from odf import dc, table, text
    from odf.opendocument import OpenDocumentText

    document = OpenDocumentText()
    if title:
        document.meta.addElement(dc.Title(text=title))
    for kind, content in body:
        if kind == "heading":
            document.text.addElement(text.H(outlinelevel=1, text=str(content)))
        elif kind == "bullets":
            items = text.List()
            for item in content:  # type: ignore[attr-defined]
                entry = text.ListItem()
                entry.addElement(text.P(text=str(item)))
                items.addElement(entry)
            document.text.addElement(items)
        elif kind == "table":
            rows: Table = content  # type: ignore[assignment]
            grid = table.Table(name="Table1")
            grid.addElement(table.TableColumn(numbercolumnsrepeated=len(rows[0])))
            for row in rows:
                line = table.TableRow()
                for value in row:
                    cell = table.TableCell()
                    cell.addElement(text.P(text=str(value)))
                    line.addElement(cell)
                grid.addElement(line)
            document.text.addElement(grid)
        else:
            document.text.addElement(text.P(text=str(content)))
    document.save(str(path))
    return path


_CONTAINER = """<?xml version="1.0"?>
<container version="1.0" xmlns="urn:oasis:names:tc:opendocument:xmlns:container">
<rootfiles><rootfile full-path="OEBPS/content.opf" media-type="application/oebps-package+xml"/>
</rootfiles></container>"""


def make_epub(path: Path, title: str, chapters: Sequence[tuple[str, str]]) -> Path:
    """An EPUB 3: each chapter (its heading, its body's HTML) one XHTML file in the spine."""
    items = "".join(
        f'<item id="c{i}" href="text/c{i}.xhtml" media-type="application/xhtml+xml"/>'
        for i in range(len(chapters))
    )
    spine = "".join(f'<itemref idref="c{i}"/>' for i in range(len(chapters)))
    opf = (
        '<?xml version="1.0"?><package xmlns="http://www.idpf.org/2007/opf" version="3.0">'
        '<metadata xmlns:dc="http://purl.org/dc/elements/1.1/">'
        f"<dc:title>{title}</dc:title><dc:language>en</dc:language></metadata>"
        f"<manifest>{items}</manifest><spine>{spine}</spine></package>"
    )
    with zipfile.ZipFile(path, "w") as book:
        book.writestr("mimetype", "application/epub+zip", compress_type=zipfile.ZIP_STORED)
        book.writestr("META-INF/container.xml", _CONTAINER)
        book.writestr("OEBPS/content.opf", opf)
        for i, (heading, body) in enumerate(chapters):
            heading_html = f"<h1>{heading}</h1>" if heading else ""
            book.writestr(
                f"OEBPS/text/c{i}.xhtml",
                '<?xml version="1.0" encoding="utf-8"?><!DOCTYPE html>'
                '<html xmlns="http://www.w3.org/1999/xhtml"><head><title>x</title></head>'
                f"<body>{heading_html}{body}</body></html>",
            )
    return path


def make_rtf(path: Path, paragraphs: Sequence[str], title: str = "") -> Path:
    """An RTF file: ``paragraphs`` as \\par-ended paragraphs (non-ASCII as \\uN escapes)."""

    def escaped(text: str) -> str:
        out = text.replace("\\", "\\\\").replace("{", "\\{").replace("}", "\\}")
        return "".join(ch if ord(ch) < 128 else f"\\u{ord(ch)}?" for ch in out)

    info = f"{{\\info{{\\title {escaped(title)}}}}}" if title else ""
    body = "".join(f"{escaped(p)}\\par\n" for p in paragraphs)
    path.write_text(
        f"{{\\rtf1\\ansi\\ansicpg1252\\deff0{{\\fonttbl{{\\f0 Times New Roman;}}}}{info}\n"
        f"\\f0\\fs24 {body}}}",
        encoding="ascii",
    )
    return path
