"""Office files and e-books read as the text a reader sees (issue 27): per format its title,
sections, paragraphs, list items, table rows led by their headers, and the place a citation
names; files made by the libraries themselves under tmp_path (tests/support/office.py)."""

from __future__ import annotations

import zipfile
from pathlib import Path

import pytest
from support.office import (
    BUDGETS,
    make_csv,
    make_docx,
    make_epub,
    make_odt,
    make_pptx,
    make_rtf,
    make_xlsx,
)

from bot.telegram.errors import UploadRejectedError
from bot.telegram.upload import check_content, save_upload
from index.chunking import Chunk, chunk_document
from index.documents import Document
from index.layout import row_text, table_rows
from index.loading import SUPPORTED, SourceFile, load, scan
from index.units import unit_bounds

ALMATY = "Region: Almaty | Budget: 1.2 bn | Lead: Aigerim Sadykova."


def _read(path: Path) -> tuple[Document, list[Chunk]]:
    files, skipped = scan(path.parent)
    assert not skipped, skipped
    [file] = [f for f in files if f.path == path]
    doc = load(file)
    return doc, chunk_document(doc)


def _places(chunks: list[Chunk]) -> dict[str, str]:
    """Each sentence's text -> the place a citation of it names."""
    return {text: c.location(i) for c in chunks for i, text in enumerate(c.sentence_texts())}


def test_word_document(tmp_path: Path) -> None:
    path = make_docx(
        tmp_path / "memo.docx",
        "Regional budget memo",
        [
            ("heading", "Overview"),
            ("text", "The memo sets the budgets for 2026. Each region reports monthly."),
            ("bullets", ["Almaty reports first", "Astana reports second"]),
            ("heading", "Budgets"),
            ("table", BUDGETS),
        ],
    )
    doc, chunks = _read(path)
    assert doc.title == "Regional budget memo"
    assert [s.heading for s in doc.sections] == ["Overview", "Budgets"]
    assert "- Almaty reports first\n- Astana reports second" in doc.text
    assert doc.tables == 1
    places = _places(chunks)
    assert places[ALMATY] == '"Budgets", table 1, row 2'
    assert places["Each region reports monthly."] == '"Overview", paragraph 2'
    assert "Region | Budget" not in doc.text  # the header row is in every row, not alone


def test_word_title_falls_back_to_the_first_heading(tmp_path: Path) -> None:
    path = make_docx(tmp_path / "notes.docx", "", [("title", "Harbour notes"), ("text", "Boats.")])
    doc, _ = _read(path)
    assert doc.title == "Harbour notes"


def test_word_content_controls_are_read_a_table_of_contents_is_not(tmp_path: Path) -> None:
    from docx import Document as new_word
    from docx.oxml import parse_xml

    word = new_word()
    body = word.element.body
    ns = 'xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main"'
    contents = parse_xml(
        f"<w:sdt {ns}><w:sdtPr><w:docPartObj><w:docPartGallery w:val='Table of Contents'/>"
        "</w:docPartObj></w:sdtPr><w:sdtContent><w:p><w:r><w:t>Overview 1</w:t></w:r></w:p>"
        "</w:sdtContent></w:sdt>"
    )
    field = parse_xml(
        f"<w:sdt {ns}><w:sdtPr/><w:sdtContent><w:p><w:r><w:t>The contract is signed by the"
        " mayor.</w:t></w:r></w:p></w:sdtContent></w:sdt>"
    )
    body.insert(0, contents)
    body.insert(1, field)
    word.add_paragraph("The harbour opens in May.")
    word.save(str(tmp_path / "form.docx"))
    doc, _ = _read(tmp_path / "form.docx")
    assert doc.text == "The contract is signed by the mayor.\n\nThe harbour opens in May."


def test_an_applications_default_title_is_no_title(tmp_path: Path) -> None:
    path = make_pptx(tmp_path / "q3.pptx", [{"title": "Q3"}], title="PowerPoint Presentation")
    assert _read(path)[0].title == "Q3"
    path = make_docx(tmp_path / "memo.docx", "Document1", [("text", "A memo.")])
    assert _read(path)[0].title == "memo"


def test_macro_enabled_word_is_read_never_run(tmp_path: Path) -> None:
    plain = make_docx(tmp_path / "plain.docx", "Macro memo", [("text", "The macro memo text.")])
    macro = tmp_path / "macro.docm"
    with zipfile.ZipFile(plain) as source, zipfile.ZipFile(macro, "w") as out:
        for info in source.infolist():
            data = source.read(info)
            if info.filename == "[Content_Types].xml":
                data = data.replace(
                    b"wordprocessingml.document.main+xml",
                    b"NOPE",
                ).replace(
                    b"application/vnd.openxmlformats-officedocument.NOPE",
                    b"application/vnd.ms-word.document.macroEnabled.main+xml",
                )
            out.writestr(info, data)
        out.writestr("word/vbaProject.bin", b"\x00Attribute VB_Name = AutoOpen Shell cmd.exe")
    plain.unlink()
    doc, _ = _read(macro)
    assert doc.text == "The macro memo text."
    assert "AutoOpen" not in doc.text


def test_slides(tmp_path: Path) -> None:
    path = make_pptx(
        tmp_path / "deck.pptx",
        [
            {"title": "Quarterly results", "bullets": ["Revenue grew 12%.", "Costs fell by 3%."]},
            {"title": "Budgets", "table": BUDGETS, "notes": "Astana asked for more."},
            {"bullets": ["An untitled slide about lighthouses."]},
        ],
    )
    from pptx import Presentation

    deck = Presentation(str(path))
    hidden = deck.slides.add_slide(deck.slide_layouts[1])
    hidden.shapes.title.text = "Draft numbers nobody should see"
    hidden._element.set("show", "0")
    deck.save(str(path))
    doc, chunks = _read(path)
    assert "Draft numbers" not in doc.text
    assert doc.title == "Quarterly results"  # no properties' title: the first slide's
    assert [s.heading for s in doc.sections] == ["Quarterly results", "Budgets"]
    places = _places(chunks)
    assert places["Revenue grew 12%."] == '"Quarterly results", slide 1'
    assert places[ALMATY] == '"Budgets", slide 2, row 2'
    assert places["Astana asked for more."] == '"Budgets", slide 2, notes'
    assert places["An untitled slide about lighthouses."] == "slide 3"


def test_workbook_rows_carry_their_headers_and_sheet_row_numbers(tmp_path: Path) -> None:
    rows = [
        ("Region", "Budget", "Share", "Approved"),
        (None, None, None, None),  # a blank row: row numbers stay the sheet's
        ("Almaty", 1.2, 0.25, True),
        ("Astana", 2400000, 0.5, False),
    ]
    path = make_xlsx(
        tmp_path / "book.xlsx",
        {"Budget": rows, "Sheet2": [(1, 2), (3, 4)]},
        title="Budgets 2026",
    )
    doc, chunks = _read(path)
    assert doc.title == "Budgets 2026"
    assert doc.tables == 2
    places = _places(chunks)
    assert places["Region: Almaty | Budget: 1.2 | Share: 0.25 | Approved: TRUE."] == (
        'sheet "Budget", row 3'
    )
    assert places["Region: Astana | Budget: 2400000 | Share: 0.5 | Approved: FALSE."] == (
        'sheet "Budget", row 4'
    )
    # numbers in the first row: no header; a default sheet name is no section
    assert places["1 | 2."] == 'sheet "Sheet2", row 1'
    assert [s.heading for s in doc.sections] == ["Budget"]


def test_csv_with_semicolons(tmp_path: Path) -> None:
    path = make_csv(tmp_path / "budgets.csv", BUDGETS, delimiter=";")
    doc, chunks = _read(path)
    assert doc.title == "budgets"
    assert _places(chunks)[ALMATY] == "row 2"
    assert chunks[0].location() == "rows 2-4"  # a passage's place, as search lists it


def test_csv_in_a_legacy_code_page_or_utf16(tmp_path: Path) -> None:
    from index.loading import csv_text

    rows = "Город;Бюджет\nАлматы;1,2 млрд\n"
    assert csv_text(rows.encode("cp1251")) == rows
    western = "Ville,Budget\nMontréal,1.2\nQuébec,0.8\n"
    assert csv_text(western.encode("cp1252")) == western
    assert csv_text(western.encode("utf-16")) == western
    (tmp_path / "cities.csv").write_bytes(rows.encode("cp1251"))
    doc, _ = _read(tmp_path / "cities.csv")
    assert doc.text == "Город: Алматы | Бюджет: 1,2 млрд."


def test_csv_delimiters() -> None:
    from index.sheets import delimiter

    assert delimiter('Name;Note\nAnn;"a, b, c"\nBob;"d"\n') == ";"
    assert delimiter("a\tb\tc\n1\t2\t3\n") == "\t"
    assert delimiter("a|b\n1|2\n") == "|"
    assert delimiter("one column\nno delimiter\n") == ","


def test_opendocument_text(tmp_path: Path) -> None:
    path = make_odt(
        tmp_path / "memo.odt",
        "Open memo",
        [
            ("heading", "Intro"),
            ("text", "An open paragraph about the harbour."),
            ("bullets", ["first item", "second item"]),
            ("table", BUDGETS),
        ],
    )
    doc, chunks = _read(path)
    assert doc.title == "Open memo"
    assert [s.heading for s in doc.sections] == ["Intro"]
    assert "- first item\n- second item" in doc.text
    assert _places(chunks)[ALMATY] == '"Intro", table 1, row 2'


def test_epub_chapters(tmp_path: Path) -> None:
    path = make_epub(
        tmp_path / "book.epub",
        "A harbour history",
        [
            ("Introduction", "<p>The harbour opened in 1850.</p><p>Boats came from the north.</p>"),
            ("Methods", "<p>We read the port records.</p>"),
            ("", "<p>An afterword without a heading.</p>"),
        ],
    )
    doc, chunks = _read(path)
    assert doc.title == "A harbour history"
    places = _places(chunks)
    assert places["Boats came from the north."] == 'chapter "Introduction", paragraph 3'
    assert places["We read the port records."] == 'chapter "Methods", paragraph 2'
    assert places["An afterword without a heading."] == "chapter 3, paragraph 1"


def test_rtf(tmp_path: Path) -> None:
    path = make_rtf(
        tmp_path / "report.rtf",
        ["The harbour opened in spring. Boats returned.", "Қазақ тілі оқылады."],
        title="Harbour report",
    )
    doc, chunks = _read(path)
    assert doc.title == "Harbour report"
    assert doc.text == "The harbour opened in spring. Boats returned.\n\nҚазақ тілі оқылады."
    assert _places(chunks)["Boats returned."] == "paragraph 1"


def test_a_row_is_one_sentence_and_one_unit(tmp_path: Path) -> None:
    rows = [
        ("Task", "Status", "Note"),
        ("Dredging", "Done. Signed off", "Paid in full. Closed"),
        ("Piers", "Late", "No"),
    ]
    doc, [chunk] = _read(make_xlsx(tmp_path / "tasks.xlsx", {"Tasks": rows}))
    assert doc.title == "tasks"  # a sheet's name is no workbook's title
    texts = chunk.sentence_texts()
    assert "Task: Dredging | Status: Done. Signed off | Note: Paid in full. Closed." in texts
    assert "Task: Piers | Status: Late | Note: No." in texts
    last = len(texts) - 1
    assert unit_bounds(chunk)[last] == (last, last)  # a short row still stands alone


def test_table_rows_rules() -> None:
    assert list(table_rows([["Name", "Age"], ["Ann", "31"]])) == [(2, "Name: Ann | Age: 31.")]
    # a header must name every column that has values under it
    assert list(table_rows([["Name", ""], ["Ann", "31"]])) == [(1, "Name."), (2, "Ann | 31.")]
    assert list(table_rows([["Only row", "x"]])) == [(1, "Only row | x.")]
    assert row_text(["Total", "", "9"], ["Item", "Qty", "Sum"]) == "Item: Total | Sum: 9."
    # a caption row above the header; years as headers
    captioned = [["Budget 2026", "", ""], ["Region", "2025", "2026"], ["Almaty", "1.1", "1.2"]]
    assert list(table_rows(captioned)) == [
        (1, "Budget 2026."),
        (3, "Region: Almaty | 2025: 1.1 | 2026: 1.2."),
    ]


def test_chunk_json_keeps_places_and_rows_and_reads_old_json(tmp_path: Path) -> None:
    _, chunks = _read(make_csv(tmp_path / "b.csv", BUDGETS))
    chunk = chunks[0]
    assert chunk.rows and chunk.places
    assert Chunk.from_json(chunk.to_json()) == chunk
    old = {k: v for k, v in chunk.to_json().items() if k not in ("places", "rows")}
    assert Chunk.from_json(old).location(0) == "paragraph 1"


def test_supported_types_and_upload_checks(tmp_path: Path) -> None:
    for suffix in (".docx", ".pptx", ".xlsx", ".csv", ".odt", ".epub", ".rtf"):
        assert suffix in SUPPORTED
    word = make_docx(tmp_path / "w.docx", "W", [("text", "Some text.")]).read_bytes()
    check_content("w.docx", word)
    saved = save_upload(tmp_path / "documents", "Board memo.docx", word, 1 << 20)
    assert saved.path.read_bytes() == word and saved.name == "Board_memo.docx"
    with pytest.raises(UploadRejectedError, match="password-protected"):
        check_content("w.docx", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 600)
    with pytest.raises(UploadRejectedError, match="no zip archive"):
        check_content("w.xlsx", b"just text pretending")
    (tmp_path / "old.doc").write_bytes(b"x")
    _, skipped = scan(tmp_path)
    assert any(".docx .docm" in s.reason for s in skipped if s.source == "old.doc")


def test_a_broken_archive_is_skipped_with_the_reason(tmp_path: Path) -> None:
    path = tmp_path / "x.docx"
    path.write_bytes(b"PK\x03\x04 not really")
    file = SourceFile("x.docx", path, "0", path.stat().st_size)
    with pytest.raises(Exception, match="damaged Word file"):
        load(file)


def test_the_postgres_store_keeps_places_and_rows(pg_url: str, tmp_path: Path) -> None:
    from support.fakes import FakeEmbedder

    from index import build
    from index import load as load_index
    from index.postgres import PgStore

    docs = tmp_path / "documents"
    docs.mkdir()
    make_xlsx(docs / "book.xlsx", {"Budget": BUDGETS})
    make_csv(docs / "gates.csv", [("Flight", "Gate"), ("KC 851", "B7"), ("KC 921", "C2")])
    embedder = FakeEmbedder()
    build(docs, tmp_path / "index", embedder)
    store = PgStore(pg_url)
    store.build(docs, embedder)
    kept = store.load(embedder).chunks
    assert kept == load_index(tmp_path / "index", embedder).chunks
    assert {c.location(1) for c in kept} == {'sheet "Budget", row 2', "row 3"}
