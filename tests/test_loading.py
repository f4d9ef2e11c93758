"""Loaders: each supported type from a real file, and every reason a file is skipped."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from support.fakes import FakeEmbedder
from support.pdfgen import make_pdf

import index
from index import build
from index.documents import Document, SkipFile, clean_text
from index.errors import DocumentsFolderError
from index.loading import load, scan, title_from_first_line


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
    assert docs["sub/deeper/b.md"].text == "Title\n\nSome markdown here."


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
    assert docs["page.html"].title == "The Title"  # metadata, not a paragraph of the text
    assert text.startswith("Heading\n\n")
    assert "First & visible paragraph." in text
    assert "Heading" in text and "Second" in text
    for hidden in ("secret", "color:red", "alert", "no script text", "<"):
        assert hidden not in text
    assert docs["other.htm"].text == "Plain bold words."


def test_unusable_files_are_skipped_with_a_reason(docs_dir: Path) -> None:
    (docs_dir / "good.txt").write_text("A good sentence.")
    (docs_dir / "clip.mp4").write_bytes(b"\x00\x00")
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
    assert "unsupported" in skipped["clip.mp4"]
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


MARKDOWN = """---
title: "Python setup guide"
tags: [setup]
---
# Python setup

Use [`pyenv install`](COMMANDS.md#pyenv-install) to add a *version*. ![logo](img/logo.png)
Read <b>this</b> first.

<details>
<summary>Why pyenv?</summary>

It keeps **several** versions side by side.

</details>

----

## Install additional Python versions

1. Run `pyenv install 3.12`
2. Check with [the list](https://example.com/list)

- plain item

```sh
pyenv global 3.12
```

| Command | Effect |
|---------|--------|
| `pyenv local` | per folder |
"""


def test_markdown_reads_as_clean_text_with_title_and_sections(docs_dir: Path) -> None:
    (docs_dir / "guide.md").write_text(MARKDOWN, encoding="utf-8")
    doc = _load_all(docs_dir)[0]["guide.md"]
    assert doc.title == "Python setup guide"  # front matter wins over the first heading
    assert doc.text.split("\n\n") == [
        "Python setup",
        "Use pyenv install to add a version. Read this first.",
        "Why pyenv?",
        "It keeps several versions side by side.",
        "Install additional Python versions",
        "1) Run pyenv install 3.12\n2) Check with the list",
        "- plain item",
        "pyenv global 3.12",
        "Command | Effect\npyenv local | per folder",
    ]
    assert [(s.heading, doc.text[s.start : s.end].split("\n\n")[0]) for s in doc.sections] == [
        ("Python setup", "Python setup"),
        ("Install additional Python versions", "Install additional Python versions"),
    ]
    assert doc.sections[0].end == doc.sections[1].start and doc.sections[1].end == len(doc.text)
    for junk in ("http", "COMMANDS.md", "logo", "png", "<", "*", "`", "---", "tags", "]("):
        assert junk not in doc.text


def test_myst_roles_read_as_the_text_they_show(docs_dir: Path) -> None:
    """Issue 23: "{ref}`pip wheel` can be used" was quoted raw."""
    (docs_dir / "roles.md").write_text(
        "# Roles\n\n{ref}`pip wheel` can be used to build wheels. See {doc}`the guide <guides/"
        "install>` and {py:func}`~os.path.join`; a brace {like this} and `code` stay.\n",
        encoding="utf-8",
    )
    doc = _load_all(docs_dir)[0]["roles.md"]
    assert doc.text.split("\n\n")[1] == (
        "pip wheel can be used to build wheels. See the guide and join; a brace {like this} and "
        "code stay."
    )


def test_code_blocks_are_kept_as_written_and_known_as_code(docs_dir: Path) -> None:
    """Issue 23: code keeps its indentation and spaces, and the document knows where it is
    (the chunker reads it line by line); Markdown fences and indented blocks, HTML <pre>."""
    (docs_dir / "zlib.md").write_text(
        "# Buffers\n\nCHUNK is simply the buffer size.\n\n```c\n#define CHUNK 16384\n\n"
        "int main(void) {\n\treturn  0;   \n}\n```\n\n    $ make   all\n\nThe end.\n",
        encoding="utf-8",
    )
    (docs_dir / "page.html").write_text(
        "<p>Run it so:</p><pre>\n  ./configure --prefix=/usr\n  make  install\n</pre><p>Done.</p>",
        encoding="utf-8",
    )
    docs = _load_all(docs_dir)[0]
    md, html = docs["zlib.md"], docs["page.html"]
    assert [md.text[a:b] for a, b in md.code] == [
        "#define CHUNK 16384\n\nint main(void) {\n    return  0;\n}",
        "$ make   all",
    ]
    assert [html.text[a:b] for a, b in html.code] == [
        "  ./configure --prefix=/usr\n  make  install"
    ]
    assert html.text.endswith("\n\nDone.")


def test_markdown_title_is_the_first_heading_else_the_first_line_else_the_name(
    docs_dir: Path,
) -> None:
    (docs_dir / "headed.md").write_text("Intro text.\n\n## Second level first\n\nBody.")
    (docs_dir / "plain.md").write_text("A Plain Headline\n\nThe body says things.")
    (docs_dir / "my_notes-2024.markdown").write_text("Only one sentence here.")
    docs, _ = _load_all(docs_dir)
    assert docs["headed.md"].title == "Second level first"
    assert docs["plain.md"].title == "A Plain Headline" and docs["plain.md"].sections == ()
    assert docs["my_notes-2024.markdown"].title == "my notes 2024"


def test_html_title_sections_and_no_hidden_text(docs_dir: Path) -> None:
    (docs_dir / "page.html").write_text(
        "<!doctype html><html><head><title> Harbour  news </title>"
        "<script>var token = 'hidden';</script></head><body>"
        "<nav><a href='/'>Home</a> <a href='/about'>About</a></nav>"
        "<h1>The <em>harbour</em> reopens</h1><p>Boats <a href='https://x.org'>returned</a>."
        "</p><!-- a comment --><ul><li>Nets</li><li>Ropes</li></ul>"
        "<h2>Prices</h2><table><tr><th>Fish</th><th>Price</th></tr>"
        "<tr><td>Cod</td><td>4</td></tr></table><svg><title>icon</title></svg></body></html>"
    )
    (docs_dir / "untitled.htm").write_text("<body><h1>Only a heading</h1><p>Text.</p></body>")
    docs, _ = _load_all(docs_dir)
    page = docs["page.html"]
    assert page.title == "Harbour news"
    assert page.text.split("\n\n") == [
        "The harbour reopens",
        "Boats returned.",
        "Nets\nRopes",
        "Prices",
        "Fish | Price\nCod | 4",
    ]
    assert [s.heading for s in page.sections] == ["The harbour reopens", "Prices"]
    assert page.section_at(page.text.index("Cod")) == "Prices"
    for hidden in ("token", "Home", "About", "comment", "icon", "https"):
        assert hidden not in page.text
    assert docs["untitled.htm"].title == "Only a heading"


def test_html_nested_absurdly_deep_is_skipped_quickly(docs_dir: Path) -> None:
    (docs_dir / "deep.html").write_text("<div>" * 50_000 + "bottom" + "</div>" * 50_000)
    (docs_dir / "fine.html").write_text("<div>" * 50 + "<p>Shallow enough.</p>" + "</div>" * 50)
    docs, skipped = _load_all(docs_dir)
    assert "nested more than" in skipped["deep.html"]
    assert docs["fine.html"].text == "Shallow enough."


@pytest.mark.parametrize(
    ("text", "title"),
    [
        ("Ad sales boost Time Warner profit\n\nQuarterly profits at US media giant...", True),
        ("Steam engine\n\nSteam engines are external combustion engines.", True),
        ("The committee met on Monday.\n\nIt approved the budget.", False),
        ("Soldiers at work. Photo by A. Person\n\nThe story.", False),  # a caption
        ("What happened next?\n\nNobody knew.", False),
        ("Ingredients:\n\nFlour, eggs.", False),
        ("A headline with nothing after it", False),  # the whole document
        (" ".join(["word"] * 16) + "\n\nBody.", False),  # too long
        ("2011-2012\n\nNumbers only are no title.", False),
    ],
)
def test_first_line_reads_as_a_title_only_when_it_is_a_headline(text: str, title: bool) -> None:
    assert title_from_first_line(text) == (text.split("\n")[0].strip() if title else None)


def test_txt_title_from_its_headline_else_its_file_name(docs_dir: Path) -> None:
    (docs_dir / "news_item.txt").write_text("Harbour reopens after storm\n\nBoats returned.")
    (docs_dir / "plain-notes.txt").write_text("Boats returned today.\n\nNets were mended.")
    docs, _ = _load_all(docs_dir)
    assert docs["news_item.txt"].title == "Harbour reopens after storm"
    assert docs["news_item.txt"].text.startswith("Harbour reopens after storm\n\n")  # kept
    assert docs["plain-notes.txt"].title == "plain notes"
    assert docs["plain-notes.txt"].sections == ()
    seed = Document(
        "kazakhstan-national-security-commission-counter-terrorism-2011-2012.txt", "", "x"
    )
    assert seed.title == "kazakhstan national security commission counter terrorism 2011 2012"


@pytest.mark.parametrize(
    ("metadata", "title"),
    [
        ("Annual Fruit Report", "Annual Fruit Report"),
        ("Untitled", "Annual fruit"),  # the first line is a title
        ("Microsoft Word - fruit.doc", "Annual fruit"),
        ("fruit_report.pdf", "Annual fruit"),
        (None, "Annual fruit"),
    ],
)
def test_pdf_title_from_metadata_when_it_is_a_real_title(
    docs_dir: Path, metadata: str | None, title: str
) -> None:
    pages = [["Annual fruit"], ["Apples grew well this year."]]  # a cover page
    (docs_dir / "fruit.pdf").write_bytes(make_pdf(pages, title=metadata))
    doc = _load_all(docs_dir)[0]["fruit.pdf"]
    assert doc.title == title
    assert doc.sections == () and [p.number for p in doc.pages] == [1, 2]


def test_markdown_index_keeps_link_text_and_no_url_in_any_chunk(
    docs_dir: Path, tmp_path: Path
) -> None:
    (docs_dir / "guide.md").write_text(MARKDOWN, encoding="utf-8")
    build(docs_dir, tmp_path / "index", FakeEmbedder())
    chunks = index.load(tmp_path / "index", FakeEmbedder()).chunks
    joined = "\n".join(c.text for c in chunks)
    assert "Use pyenv install to add a version." in joined and "the list" in joined
    assert not any(mark in joined for mark in ("http", ".md#", "](", "png"))
    assert {c.title for c in chunks} == {"Python setup guide"}
    assert chunks[0].section == "Python setup"  # one window: its first sentence's section
    assert chunks[0].location().startswith('"Python setup", paragraph')
