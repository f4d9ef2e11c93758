"""Hostile office files and e-books (issue 27): zip bombs, XML entity expansion, macros,
password-protected and damaged archives; each is skipped with its reason or read within the
limits (index/archives.py), never crashing the build or filling memory."""

from __future__ import annotations

import contextlib
import struct
import tracemalloc
import zipfile
from pathlib import Path

import pytest
from support.fakes import FakeEmbedder
from support.office import (
    BUDGETS,
    make_docx,
    make_epub,
    make_odt,
    make_pptx,
    make_rtf,
    make_xlsx,
)

from index import build
from index.archives import MB, ArchiveLimits, open_archive
from index.documents import Document, SkipFile
from index.loading import SourceFile, load

LAUGHS = (
    '<!DOCTYPE lolz [<!ENTITY lol "lol">'
    + "".join(
        f'<!ENTITY lol{i} "{("&lol" + (str(i - 1) if i > 1 else "") + ";") * 10}">'
        for i in range(1, 10)
    )
    + "]>"
)


def _load(path: Path) -> Document:
    return load(SourceFile(path.name, path, "0", path.stat().st_size))


def _skipped(path: Path, reason: str) -> None:
    with pytest.raises(SkipFile, match=reason):
        _load(path)


def _rewrite(path: Path, change: dict[str, bytes], add: dict[str, bytes] | None = None) -> Path:
    """The archive at ``path`` with members replaced (``change``) or added (``add``)."""
    with zipfile.ZipFile(path) as source:
        members = {i.filename: source.read(i) for i in source.infolist()}
    members.update(change)
    members.update(add or {})
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as out:
        for name, data in members.items():
            out.writestr(name, data)
    return path


def _laughing(xml: bytes) -> bytes:
    """``xml`` with a billion-laughs DTD in front of its root and &lol9; in its first text."""
    head, _, rest = xml.partition(b"?>")
    body = rest.replace(b"</w:t>", b"&lol9;</w:t>", 1).replace(b"</text:p>", b"&lol9;</text:p>", 1)
    return head + b"?>" + LAUGHS.encode() + body


def _central(data: bytes, name: str) -> int:
    """Offset of ``name``'s entry in the archive's central directory."""
    at = data.find(b"PK\x01\x02")
    while at >= 0:
        length = struct.unpack_from("<H", data, at + 28)[0]
        if data[at + 46 : at + 46 + length] == name.encode():
            return at
        at = data.find(b"PK\x01\x02", at + 46 + length)
    raise AssertionError(name)


def _declare(path: Path, name: str, size: int | None = None, flags: int | None = None) -> Path:
    """Patch what the central directory declares of member ``name``: its unpacked size, its
    flags (bit 0: encrypted)."""
    data = bytearray(path.read_bytes())
    at = _central(bytes(data), name)
    if size is not None:
        struct.pack_into("<I", data, at + 24, size)
    if flags is not None:
        struct.pack_into("<H", data, at + 8, flags)
    path.write_bytes(bytes(data))
    return path


def _docx(tmp_path: Path, name: str = "memo.docx") -> Path:
    return make_docx(tmp_path / name, "Memo", [("text", "A harmless memo.")])


def test_zip_bomb_by_ratio_is_refused_before_unpacking(tmp_path: Path) -> None:
    path = _rewrite(_docx(tmp_path), {}, {"word/media/zeros.bin": bytes(20 * MB)})
    tracemalloc.start()
    try:
        _skipped(path, r"unpacks to \d[\d,]* times its packed size .*zip bomb")
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert peak < 40 * MB  # the file itself (20 KB) and the checks, never the 20 MB


def test_zip_bomb_by_declared_size(tmp_path: Path) -> None:
    path = _rewrite(make_xlsx(tmp_path / "b.xlsx", {"Budget": BUDGETS}), {}, {"x.xml": b"<x/>"})
    _skipped(_declare(path, "x.xml", size=4_000_000_000), r"unpacks to 3,815 MB .*zip bomb")


def test_total_and_member_count_limits() -> None:
    data = _archive({f"part{i}.xml": b"<p/>" * 100 for i in range(30)})
    with pytest.raises(SkipFile, match="30 members"):
        open_archive(data, "Word", ArchiveLimits(members=20))
    with pytest.raises(SkipFile, match="unpacks to 0 MB"):
        open_archive(data, "Word", ArchiveLimits(total_bytes=10_000))


def test_a_member_that_unpacks_to_more_than_it_declares(tmp_path: Path) -> None:
    path = _rewrite(_docx(tmp_path), {}, {"word/media/big.bin": bytes(8 * MB)})
    _skipped(_declare(path, "word/media/big.bin", size=1000), "damaged Word file")


def test_entity_expansion_is_refused_in_every_format(tmp_path: Path) -> None:
    word = _docx(tmp_path)
    with zipfile.ZipFile(word) as z:
        document = z.read("word/document.xml")
    _rewrite(word, {"word/document.xml": _laughing(document)})
    book = make_xlsx(tmp_path / "b.xlsx", {"Budget": BUDGETS})
    with zipfile.ZipFile(book) as z:
        sheet = z.read("xl/worksheets/sheet1.xml")
    _rewrite(book, {"xl/worksheets/sheet1.xml": _laughing(sheet)})
    odt = make_odt(tmp_path / "o.odt", "Open", [("text", "Harbour.")])
    with zipfile.ZipFile(odt) as z:
        content = z.read("content.xml")
    _rewrite(odt, {"content.xml": _laughing(content)})
    epub = make_epub(tmp_path / "e.epub", "Book", [("One", "<p>Text.</p>")])
    _rewrite(epub, {"OEBPS/text/c0.xhtml": f"<?xml version='1.0'?>{LAUGHS}<p>&lol9;</p>".encode()})
    utf16 = _docx(tmp_path, "utf16.docx")
    _rewrite(utf16, {"word/document.xml": _laughing(document).decode().encode("utf-16")})
    for path in (word, book, odt, epub, utf16):
        _skipped(path, "declares XML entities")


def test_the_parsers_refuse_entities_themselves() -> None:
    """Behind the archive check, each XML parser the readers use refuses the expansion."""
    import xml.etree.ElementTree as expat  # openpyxl, odfpy (through xml.sax) use expat

    from defusedxml import ElementTree as defused
    from docx.oxml.parser import parse_xml  # python-docx and python-pptx: lxml

    xml = f'<?xml version="1.0"?>{LAUGHS}<root>&lol9;</root>'.encode()
    with pytest.raises(Exception, match="amplification"):
        parse_xml(xml)
    with pytest.raises(expat.ParseError, match="amplification"):
        expat.fromstring(xml)
    with pytest.raises(Exception, match=r"EntitiesForbidden|entity"):
        defused.fromstring(xml)


def test_password_protected_and_encrypted(tmp_path: Path) -> None:
    ole = tmp_path / "secret.docx"
    ole.write_bytes(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(4096))  # Office's encrypted file
    _skipped(ole, "password-protected .*Word file")
    zipped = _declare(_docx(tmp_path, "zipcrypto.docx"), "word/document.xml", flags=1)
    _skipped(zipped, "password-protected .*archive")


def test_damaged_archives(tmp_path: Path) -> None:
    whole = _docx(tmp_path).read_bytes()
    cut = tmp_path / "cut.docx"
    cut.write_bytes(whole[: len(whole) // 2])
    _skipped(cut, "damaged Word file")
    noise = tmp_path / "noise.xlsx"
    noise.write_bytes(b"\x89PNG\r\n" + bytes(range(256)) * 10)
    _skipped(noise, "not a Excel file .*no zip archive")
    empty_zip = tmp_path / "empty.pptx"
    empty_zip.write_bytes(_archive({"hello.txt": b"hi"}))
    _skipped(empty_zip, "not a readable PowerPoint file")
    no_spine = tmp_path / "nospine.epub"
    no_spine.write_bytes(_archive({"mimetype": b"application/epub+zip"}))
    _skipped(no_spine, "no META-INF/container.xml")


OOXML = "application/vnd.openxmlformats-officedocument."


@pytest.mark.parametrize(
    ("name", "plain", "macro"),
    [
        ("tool.xlsm", "spreadsheetml.sheet", "application/vnd.ms-excel.sheet"),
        ("deck.pptm", "presentationml.presentation", "application/vnd.ms-powerpoint.presentation"),
    ],
)
def test_macros_are_read_as_text_never_run(
    tmp_path: Path, name: str, plain: str, macro: str
) -> None:
    path = tmp_path / name
    if name.endswith(".xlsm"):
        make_xlsx(path, {"Budget": BUDGETS})
    else:
        make_pptx(path, [{"title": "Budgets", "table": BUDGETS}])
    with zipfile.ZipFile(path) as z:
        types = z.read("[Content_Types].xml")
    enabled = types.replace(
        f"{OOXML}{plain}.main+xml".encode(), f"{macro}.macroEnabled.main+xml".encode()
    )
    assert enabled != types
    vba = b'Sub Auto_Open()\nShell "calc"\nEnd Sub'
    _rewrite(path, {"[Content_Types].xml": enabled}, {"vbaProject.bin": vba})
    doc = _load(path)
    assert "Region: Almaty | Budget: 1.2 bn" in doc.text
    assert "Shell" not in doc.text


def test_sheets_claiming_a_million_rows_or_columns(tmp_path: Path) -> None:
    from openpyxl import Workbook

    book = Workbook()
    sheet = book.active
    sheet["A1"] = "Name"
    sheet["A2"] = "Ann"
    sheet["XFD1048576"] = "far away"
    path = tmp_path / "wide.xlsx"
    book.save(str(path))
    doc = _load(path)
    assert "Name: Ann." in doc.text and "far away" in doc.text
    rows = [("A", "B")] + [(f"x{i}", f"y{i}") for i in range(300)]
    odt = make_odt(tmp_path / "rep.odt", "Rep", [("table", rows)])
    with zipfile.ZipFile(odt) as z:
        content = z.read("content.xml")
    repeated = content.replace(
        b"<table:table-cell", b'<table:table-cell table:number-columns-repeated="1000000"'
    ).replace(b"<table:table-row", b'<table:table-row table:number-rows-repeated="1000000"')
    _rewrite(odt, {"content.xml": repeated})
    assert len(_load(odt).text) < 3 * MB


def test_a_csv_field_over_the_limit(tmp_path: Path) -> None:
    path = tmp_path / "huge.csv"
    path.write_text('Name,Note\nAnn,"' + "x" * 200_000 + '"\n')
    _skipped(path, "not a readable CSV file")


def test_a_csv_that_defeats_csv_sniffer_reads_at_once(tmp_path: Path) -> None:
    import time

    path = tmp_path / "quotes.csv"
    path.write_text(',"' * 30_000)  # csv.Sniffer took 25 s on this
    start = time.perf_counter()
    with contextlib.suppress(SkipFile):
        _load(path)
    assert time.perf_counter() - start < 5


def test_rtf_nested_too_deep(tmp_path: Path) -> None:
    deep = tmp_path / "deep.rtf"
    deep.write_bytes(b"{\\rtf1 " + b"{" * 100_000 + b"text" + b"}" * 100_001)
    _skipped(deep, "nested over")
    fake = tmp_path / "fake.rtf"
    fake.write_bytes(b"plain text, no header")
    _skipped(fake, "not an RTF file")


def test_a_folder_of_hostile_office_files_builds(docs_dir: Path, tmp_path: Path) -> None:
    make_rtf(docs_dir / "good.rtf", ["The lighthouse keeper logs every ship."])
    bomb = _rewrite(_docx(docs_dir, "bomb.docx"), {}, {"z.bin": bytes(20 * MB)})
    (docs_dir / "locked.xlsx").write_bytes(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(2048))
    (docs_dir / "cut.pptx").write_bytes(bomb.read_bytes()[:5000])
    report = build(docs_dir, tmp_path / "index", FakeEmbedder())
    skipped = {s.source: s.reason for s in report.skipped}
    assert set(skipped) == {"bomb.docx", "locked.xlsx", "cut.pptx"}
    assert "zip bomb" in skipped["bomb.docx"]
    assert "password-protected" in skipped["locked.xlsx"]
    assert "damaged" in skipped["cut.pptx"]


def _archive(members: dict[str, bytes]) -> bytes:
    import io

    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as z:
        for name, data in members.items():
            z.writestr(name, data)
    return out.getvalue()


def test_layout_limits(monkeypatch: pytest.MonkeyPatch) -> None:
    from index import layout

    monkeypatch.setattr(layout, "MAX_BLOCKS", 3)
    built = layout.Layout()
    for text in ("one", "two", "three"):
        built.add(text)
    with pytest.raises(SkipFile, match="too many paragraphs or rows"):
        built.add("four")
    monkeypatch.setattr(layout, "MAX_CHARS", 10)
    with pytest.raises(SkipFile, match="too much text"):
        layout.Layout().add("x" * 11)
