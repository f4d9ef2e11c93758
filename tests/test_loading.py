"""Loaders: each supported type from a real file, and every reason a file is skipped."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from support.pdfgen import make_pdf

from index.errors import DocumentsFolderError
from index.loading import Document, SkipFile, clean_text, load, scan


def _load_all(folder: Path) -> tuple[dict[str, Document], dict[str, str]]:
    files, skipped_list = scan(folder)
    skipped = {s.source: s.reason for s in skipped_list}
    docs = {}
    for f in files:
        try:
            docs[f.source] = load(f)
        except SkipFile as exc:
            skipped[f.source] = str(exc)
    return docs, skipped


def test_txt_and_md_in_subfolders_hidden_ignored(docs_dir: Path) -> None:
    (docs_dir / "a.txt").write_text("Alpha text.\n\nSecond paragraph.", encoding="utf-8")
    (docs_dir / "sub" / "deeper").mkdir(parents=True)
    (docs_dir / "sub" / "deeper" / "b.md").write_text("# Title\n\nSome *markdown* here.\n")
    (docs_dir / ".hidden.txt").write_text("secret")
    (docs_dir / ".git").mkdir()
    (docs_dir / ".git" / "c.txt").write_text("not a document")
    docs, skipped = _load_all(docs_dir)
    assert set(docs) == {"a.txt", "sub/deeper/b.md"}
    assert skipped == {}
    assert docs["a.txt"].text == "Alpha text.\n\nSecond paragraph."
    assert "Some *markdown* here." in docs["sub/deeper/b.md"].text


def test_pdf_text_per_page_with_page_numbers(docs_dir: Path) -> None:
    pdf = make_pdf(
        [["The first page talks about apples."], ["Page two is about pears", "and plums."]]
    )
    (docs_dir / "fruit.pdf").write_bytes(pdf)
    docs, skipped = _load_all(docs_dir)
    doc = docs["fruit.pdf"]
    assert skipped == {}
    assert [p.number for p in doc.pages] == [1, 2]
    first, second = (doc.text[p.start : p.end] for p in doc.pages)
    assert "apples" in first and "pears" in second and "plums" in second
    assert "pears" not in first


def test_pdf_without_text_layer_is_skipped(docs_dir: Path) -> None:
    (docs_dir / "scan.pdf").write_bytes(make_pdf([[], []]))
    (docs_dir / "broken.pdf").write_bytes(b"%PDF-1.4 this is not really a pdf")
    docs, skipped = _load_all(docs_dir)
    assert docs == {}
    assert "no text layer" in skipped["scan.pdf"]
    assert "PDF" in skipped["broken.pdf"]


def test_html_visible_text_only(docs_dir: Path) -> None:
    (docs_dir / "page.html").write_text(
        "<html><head><title>The Title</title><style>body{color:red}</style>"
        "<script>var secret = 'do not index';</script></head>"
        "<body><h1>Heading</h1><p>First &amp; visible paragraph.</p>"
        "<noscript>no script text</noscript><div>Second<br>line</div>"
        "<script type='text/javascript'>alert('x')</script></body></html>",
        encoding="utf-8",
    )
    (docs_dir / "other.htm").write_text("<p>Plain <b>bold</b> words.</p>")
    docs, _ = _load_all(docs_dir)
    text = docs["page.html"].text
    assert text.startswith("The Title")
    assert "First & visible paragraph." in text
    assert "Heading" in text and "Second" in text
    for hidden in ("secret", "color:red", "alert", "no script text", "<"):
        assert hidden not in text
    assert docs["other.htm"].text == "Plain bold words."


def test_unusable_files_are_skipped_with_a_reason(docs_dir: Path) -> None:
    (docs_dir / "good.txt").write_text("A good sentence.")
    (docs_dir / "image.png").write_bytes(b"\x89PNG\r\n")
    (docs_dir / "empty.txt").write_text("")
    (docs_dir / "blank.md").write_text("   \n\n  ")
    (docs_dir / "binary.txt").write_bytes(b"\x00\x01\x02" * 100)
    (docs_dir / "latin1.txt").write_bytes("caf\xe9 ".encode("latin-1") * 200)
    (docs_dir / "noext").write_text("text")
    (docs_dir / "big.txt").write_text("x " * 1000)
    files, skipped_list = scan(docs_dir, max_bytes=1000)
    skipped = {s.source: s.reason for s in skipped_list}
    loaded = {}
    for f in files:
        try:
            loaded[f.source] = load(f)
        except SkipFile as exc:
            skipped[f.source] = str(exc)
    assert set(loaded) == {"good.txt"}
    assert "unsupported" in skipped["image.png"]
    assert "unsupported" in skipped["noext"]
    assert skipped["empty.txt"] == "empty"
    assert "no text" in skipped["blank.md"]
    assert "binary" in skipped["binary.txt"]
    assert "UTF-8" in skipped["latin1.txt"]
    assert "too large" in skipped["big.txt"]


def test_symlinks_outside_the_folder_are_skipped(docs_dir: Path, tmp_path: Path) -> None:
    outside = tmp_path / "outside.txt"
    outside.write_text("Private text outside the documents folder.")
    (docs_dir / "inside.txt").write_text("Inside text.")
    os.symlink(outside, docs_dir / "link.txt")
    os.symlink(docs_dir / "inside.txt", docs_dir / "alias.txt")
    os.symlink(tmp_path / "missing.txt", docs_dir / "dangling.txt")
    docs, skipped = _load_all(docs_dir)
    assert "outside" in skipped["link.txt"]
    assert "broken" in skipped["dangling.txt"]
    assert set(docs) == {"inside.txt", "alias.txt"}


def test_missing_folder_is_a_clear_error(tmp_path: Path) -> None:
    with pytest.raises(DocumentsFolderError, match="does not exist"):
        scan(tmp_path / "nope")


def test_clean_text_drops_zero_width_and_control_characters() -> None:
    assert clean_text("a\u200bb\x00c\r\nd\u202e e\t\tf") == "ab c\nd e f"
    assert clean_text("red \x1b[31mwarning\x1b[0m here") == "red warning here"
    assert clean_text("שלום \u2067עולם\u2069") == "שלום עולם"
    assert clean_text("\ufeffBOM start") == "BOM start"
