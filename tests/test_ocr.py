"""OCR: a PDF page without a text layer and image files read by Tesseract, marked in citations
and cached by page; without the engine (or with OCR off) those pages are skipped with how to
install it; and what the build read of each file, in the report, the CLI and the upload reply."""

from __future__ import annotations

import io
import json
from pathlib import Path

import pytest
from PIL import Image
from pypdf import PdfReader, PdfWriter
from support.bots import ADMIN, RunningBot, bot_settings, texts
from support.fakebotapi import FakeBotAPI
from support.fakes import FakeEmbedder
from support.pdfgen import make_pdf
from support.scans import ENGLISH, RUSSIAN, image_pdf, need_tesseract, png_bytes, render_page

from bot.answering.engine import Engine
from bot.cli.render import print_report
from bot.telegram.errors import UploadRejectedError
from bot.telegram.upload import check_content, upload_figures
from index import build, load
from index.chunking import Chunk
from index.loading import SourceFile
from index.loading import load as load_file
from index.ocr import Ocr
from index.report import BuildReport, FileReport
from index.settings import IndexSettings, OcrSettings

COVER = "Minutes of the budget committee. The cover page has a text layer."


def mixed_pdf() -> bytes:
    """Page 1 with a text layer, page 2 a scan of ENGLISH (an image, no text layer)."""
    out = PdfWriter()
    for data in (make_pdf([[COVER]]), image_pdf([render_page(ENGLISH, dpi=200)], dpi=200)):
        for page in PdfReader(io.BytesIO(data)).pages:
            out.add_page(page)
    buffer = io.BytesIO()
    out.write(buffer)
    return buffer.getvalue()


def settings(cache: Path | None, **ocr: object) -> IndexSettings:
    return IndexSettings(ocr=OcrSettings(cache=cache, **ocr))  # type: ignore[arg-type]


@pytest.fixture
def no_tesseract(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("index.ocr.shutil.which", lambda name: None)


def test_text_read_by_ocr_is_marked_in_its_location_and_kept_in_json() -> None:
    chunk = Chunk("c1", "scan.pdf", "Forty schools.", 0, 14, page=7, ocr=True)
    assert chunk.location() == "page 7 (OCR)"
    assert Chunk.from_json(json.loads(json.dumps(chunk.to_json()))) == chunk
    old_row = {k: v for k, v in chunk.to_json().items() if k != "ocr"}  # an index before OCR
    assert Chunk.from_json(old_row).ocr is False
    assert Chunk.from_json(old_row).location() == "page 7"


@pytest.mark.usefixtures("no_tesseract")
def test_without_tesseract_scans_are_skipped_saying_how_to_install(
    docs_dir: Path, tmp_path: Path
) -> None:
    (docs_dir / "scan.pdf").write_bytes(image_pdf([render_page("Nothing to see.", dpi=100)]))
    (docs_dir / "photo.png").write_bytes(png_bytes(render_page("A photo.", dpi=100)))
    (docs_dir / "mixed.pdf").write_bytes(mixed_pdf())
    (docs_dir / "note.txt").write_text("A plain note about the budget.")
    report = build(docs_dir, tmp_path / "index", FakeEmbedder(), settings(tmp_path / "ocr"))
    skipped = {s.source: s.reason for s in report.skipped}
    assert set(skipped) == {"scan.pdf", "photo.png"}
    for reason in skipped.values():
        assert "Tesseract is not installed" in reason and "apt-get install tesseract-ocr" in reason
    install = [n for n in report.notes if "not read" in n]
    assert len(install) == 1 and install[0].startswith("2 page(s) without a text layer not read")
    mixed = report.file("mixed.pdf")
    assert mixed is not None and (mixed.text_pages, mixed.ocr_pages, mixed.empty_pages) == (1, 0, 1)


def test_ocr_turned_off_skips_scans_and_says_so(docs_dir: Path, tmp_path: Path) -> None:
    (docs_dir / "photo.png").write_bytes(png_bytes(render_page("A photo.", dpi=100)))
    (docs_dir / "note.txt").write_text("A plain note about the budget.")
    off = settings(None, enabled=False)
    report = build(docs_dir, tmp_path / "index", FakeEmbedder(), off)
    assert report.skipped[0].source == "photo.png"
    assert "OCR is turned off (DOCBOT_OCR=false)" in report.skipped[0].reason


def test_each_file_read_is_reported_in_the_cli_and_json(
    docs_dir: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str], no_tesseract: None
) -> None:
    (docs_dir / "mixed.pdf").write_bytes(mixed_pdf())
    (docs_dir / "note.txt").write_text("A plain note about the budget.")
    (docs_dir / "blank.txt").write_text("  \n")
    first = build(docs_dir, tmp_path / "index", FakeEmbedder())
    print_report(first)
    out = capsys.readouterr().out
    assert "  read mixed.pdf: 1 page(s) with text, 0 by OCR, 1 empty, 1 passage(s)" in out
    assert "  read note.txt: 1 passage(s)" in out
    assert "  skipped blank.txt: no text in it" in out
    files = {f["source"]: f for f in first.to_json()["files"]}
    assert files["mixed.pdf"] == {
        "source": "mixed.pdf",
        "text_pages": 1,
        "ocr_pages": 0,
        "empty_pages": 1,
        "tables": 0,
        "passages": 1,
        "read": True,
    }
    again = build(docs_dir, tmp_path / "index", FakeEmbedder())  # nothing read: figures kept
    assert again.file("mixed.pdf") == FileReport("mixed.pdf", 1, 0, 1, 0, 1, read=False)
    print_report(again)
    assert "  read " not in capsys.readouterr().out


def test_uploads_take_images_and_the_reply_says_what_was_read() -> None:
    check_content("scan.png", png_bytes(render_page("A scan.", dpi=50)))
    check_content("scan.tiff", png_bytes(render_page("A scan.", dpi=50), "TIFF"))
    with pytest.raises(UploadRejectedError, match="not a PNG, JPEG or TIFF"):
        check_content("scan.jpg", b"just text pretending")
    pages = FileReport("scan.pdf", text_pages=1, ocr_pages=4, empty_pages=1, passages=9)
    assert upload_figures(pages, 9) == ("1 page(s) with text, 4 read by OCR, 1 empty, 9 passages")
    assert upload_figures(FileReport("a.md", tables=2), 3) == "2 table(s), 3 passages"
    assert upload_figures(None, 3) == "3 passages"


def _empty_report() -> BuildReport:
    return BuildReport("x", False, [], [], [], 0, [], 0, 0, 0, 0, 0.0)


def test_a_report_without_files_is_still_valid_json() -> None:
    assert _empty_report().to_json()["files"] == []


# --- with Tesseract -------------------------------------------------------------------------


@pytest.mark.ocr
def test_a_scanned_page_is_read_cited_as_ocr_and_never_read_twice(
    docs_dir: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    need_tesseract("eng")
    (docs_dir / "minutes.pdf").write_bytes(mixed_pdf())
    cached = settings(tmp_path / "ocr")
    report = build(docs_dir, tmp_path / "index", FakeEmbedder(), cached)
    assert report.file("minutes.pdf") == FileReport("minutes.pdf", 1, 1, 0, 0, 2)
    assert any(n.endswith("1 page(s) read, 0 from the cache") for n in report.notes)
    index = load(tmp_path / "index", FakeEmbedder())
    scanned = [c for c in index.chunks if c.page == 2]
    assert scanned and all(c.ocr and c.location() == "page 2 (OCR)" for c in scanned)
    assert "Almaty region asked for 1.2 billion tenge" in " ".join(c.text for c in scanned)
    assert [c.ocr for c in index.chunks if c.page == 1] == [False]

    def no_engine(*args: object, **kwargs: object) -> str:
        raise AssertionError("the page was read again")

    monkeypatch.setattr(Ocr, "_run", no_engine)
    again = build(docs_dir, tmp_path / "index", FakeEmbedder(), cached, full=True)
    assert any(n.endswith("0 page(s) read, 1 from the cache") for n in again.notes)
    assert again.file("minutes.pdf") == FileReport("minutes.pdf", 1, 1, 0, 0, 2)


@pytest.mark.ocr
def test_image_files_are_read_each_tiff_frame_a_page(tmp_path: Path) -> None:
    need_tesseract("eng", "rus")
    tiff = io.BytesIO()
    first, second = render_page(ENGLISH, dpi=200), render_page(RUSSIAN, dpi=200)
    first.save(tiff, "TIFF", save_all=True, append_images=[second], dpi=(200, 200))
    jpeg = io.BytesIO()
    render_page(RUSSIAN, dpi=200).save(jpeg, "JPEG", quality=85)
    files = {"report.tiff": tiff.getvalue(), "photo.jpg": jpeg.getvalue()}
    ocr = Ocr(OcrSettings(languages="eng+rus"))
    docs = {}
    for name, data in files.items():
        path = tmp_path / name
        path.write_bytes(data)
        docs[name] = load_file(SourceFile(name, path, "", len(data)), ocr)
    pages = docs["report.tiff"].pages
    assert [(p.number, p.ocr) for p in pages] == [(1, True), (2, True)]
    assert "Almaty region" in docs["report.tiff"].text[pages[0].start : pages[0].end]
    assert "Алматинская область" in docs["report.tiff"].text[pages[1].start : pages[1].end]
    assert "1,2 миллиарда тенге" in docs["photo.jpg"].text
    assert ocr.read_pages == 3


def test_a_broken_image_is_skipped_with_its_reason(tmp_path: Path) -> None:
    path = tmp_path / "broken.png"
    path.write_bytes(b"\x89PNG\r\n\x1a\n" + b"\x00" * 20)
    from index.documents import SkipFile

    ocr = Ocr(OcrSettings())
    if ocr.problem:  # without Tesseract the reason is how to install it
        with pytest.raises(SkipFile, match="apt-get install"):
            load_file(SourceFile("broken.png", path, "", 28), ocr)
        return
    with pytest.raises(SkipFile, match="not a readable image"):
        load_file(SourceFile("broken.png", path, "", 28), ocr)


def test_a_huge_image_is_refused_before_it_is_decoded(tmp_path: Path) -> None:
    from index.ocr import image_frames

    big = io.BytesIO()
    Image.new("1", (12_000, 9_000)).save(big, "PNG")  # 108 megapixels, a small file
    with pytest.raises(ValueError, match="108 megapixels"):
        image_frames(big.getvalue(), 10)


@pytest.mark.ocr
def test_the_postgres_store_keeps_the_ocr_mark_and_the_report(pg_url: str, tmp_path: Path) -> None:
    need_tesseract("eng")
    from index.postgres import PgStore

    docs = tmp_path / "documents"
    docs.mkdir()
    (docs / "minutes.pdf").write_bytes(mixed_pdf())
    store = PgStore(pg_url)
    cached = settings(tmp_path / "ocr")
    first = store.build(docs, FakeEmbedder(), cached)
    assert first.file("minutes.pdf") == FileReport("minutes.pdf", 1, 1, 0, 0, 2)
    index = store.load(FakeEmbedder())
    assert [(c.page, c.ocr, c.location()) for c in index.chunks] == [
        (1, False, "page 1"),
        (2, True, "page 2 (OCR)"),
    ]
    again = store.build(docs, FakeEmbedder(), cached)  # unchanged: figures from the manifest
    assert again.file("minutes.pdf") == FileReport("minutes.pdf", 1, 1, 0, 0, 2, read=False)


@pytest.mark.ocr
def test_a_scan_stamped_with_a_page_number_is_still_read(tmp_path: Path) -> None:
    need_tesseract("eng")
    out = PdfWriter(clone_from=io.BytesIO(image_pdf([render_page(ENGLISH, dpi=200)], dpi=200)))
    out.pages[0].merge_page(PdfReader(io.BytesIO(make_pdf([["7"]]))).pages[0])  # the stamp
    buffer = io.BytesIO()
    out.write(buffer)
    path = tmp_path / "stamped.pdf"
    path.write_bytes(buffer.getvalue())
    doc = load_file(SourceFile("stamped.pdf", path, "", path.stat().st_size), Ocr())
    assert doc.pages[0].ocr and "Almaty region" in doc.text


@pytest.mark.ocr
def test_a_language_tesseract_lacks_is_left_out_and_named(tmp_path: Path) -> None:
    need_tesseract("eng")
    ocr = Ocr(OcrSettings(languages="eng+xx"))
    assert ocr.problem is None and ocr.read(render_page("Forty schools.", dpi=150)) is not None
    assert ocr.notes()[1] == "OCR read without xx: apt-get install tesseract-ocr-xx"
    none = Ocr(OcrSettings(languages="xx"))
    assert none.problem is not None and "none of the languages 'xx'" in none.problem


@pytest.mark.ocr
def test_an_admin_uploads_a_scan_and_is_told_what_was_read(
    fake_bot_api: FakeBotAPI, own_engine: Engine, tmp_path: Path
) -> None:
    need_tesseract("eng")
    api = fake_bot_api
    settings = bot_settings(api, own_engine, tmp_path)
    with RunningBot(settings, own_engine, api):
        api.private_document(ADMIN, "budget scan.png", png_bytes(render_page(ENGLISH, dpi=200)))
        api.private_text(ADMIN, "How much did the Almaty region ask for to repair the schools?")
        confirm, answer = texts(api.wait_sent(ADMIN, 2))
    assert confirm.startswith(
        "Added budget_scan.png: 0 page(s) with text, 1 read by OCR, 0 empty, 1 passage."
    )
    assert "1.2 billion" in answer and "budget_scan.png, page 1 (OCR)" in answer


def test_pictures_are_read_upright_on_white() -> None:
    from index.ocr import upright_on_white

    clear = Image.new("RGBA", (40, 20), (0, 0, 0, 0))  # transparent black: no page at all
    assert upright_on_white(clear).convert("L").getpixel((0, 0)) == 255
    deep = Image.new("I;16", (4, 4), 32768)  # a 16-bit scanner's middle grey
    assert upright_on_white(deep).getpixel((0, 0)) == 128
    photo = io.BytesIO()
    exif = Image.Exif()
    exif[0x0112] = 6  # EXIF orientation: the phone was held sideways
    Image.new("L", (200, 100), 255).save(photo, "JPEG", exif=exif)
    assert upright_on_white(Image.open(photo)).size == (100, 200)


@pytest.mark.ocr
def test_a_transparent_png_is_read(tmp_path: Path) -> None:
    need_tesseract("eng")
    page = render_page(ENGLISH, dpi=200)
    ink = Image.new("RGBA", page.size, (0, 0, 0, 0))
    ink.putalpha(page.point(lambda v: 255 - v))  # black text on nothing
    path = tmp_path / "clip.png"
    ink.save(path)
    doc = load_file(SourceFile("clip.png", path, "", path.stat().st_size), Ocr())
    assert "Almaty region" in doc.text


def test_blank_pdf_pages_cost_no_ocr(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    def no_engine(*args: object, **kwargs: object) -> str:
        raise AssertionError("a blank page was read")

    monkeypatch.setattr(Ocr, "read", no_engine)
    monkeypatch.setattr(Ocr, "problem", None)  # as if Tesseract were there
    path = tmp_path / "blank.pdf"
    path.write_bytes(make_pdf([["A page with a text layer."]] + [[]] * 300))
    doc = load_file(SourceFile("blank.pdf", path, "", path.stat().st_size), Ocr())
    assert (len(doc.pages), doc.empty_pages) == (1, 300)
