"""E-books (.epub 2 and 3) to the text a reader sees: the package file's reading order (its
spine), each chapter read by the HTML reader (:func:`index.hypertext.html_blocks`) and cited as
'chapter "Introduction", paragraph 3' (the chapter's first heading names it, paragraphs counted
from its top; a chapter without a heading is 'chapter 4', its place in the reading order). The
title is the e-book's metadata title, else its first heading. The package files are parsed with
defusedxml; navigation documents, images and style sheets are not read."""

from __future__ import annotations

import posixpath
import zipfile
from dataclasses import dataclass
from urllib.parse import unquote

from index.archives import open_archive
from index.documents import SkipFile
from index.layout import Layout, quoted
from index.markup import CODE, HEADING
from index.reasons import DAMAGED_EBOOK, NO_CONTAINER, NO_PACKAGE

KIND = "EPUB"
CONTAINER = "META-INF/container.xml"
_CHAPTERS = frozenset(("application/xhtml+xml", "text/html"))
_OPF = "{http://www.idpf.org/2007/opf}"
_DC = "{http://purl.org/dc/elements/1.1/}"


@dataclass(frozen=True)
class Package:
    """What the package file says: the title and the chapters' paths in reading order."""

    title: str
    chapters: tuple[str, ...]


def epub_layout(data: bytes) -> Layout:
    """The layout of an .epub file (see the module); raises SkipFile."""
    from index.hypertext import html_blocks

    archive = open_archive(data, KIND)
    package = read_package(archive)
    layout = Layout(title=package.title)
    for number, path in enumerate(package.chapters, start=1):
        try:
            html = archive.read(path).decode("utf-8", errors="replace")
        except KeyError:
            continue  # listed but missing: the rest is still read
        blocks = html_blocks(html)
        name = blocks.first_heading()
        layout.begin(f"chapter {quoted(name)}" if name else f"chapter {number}", True)
        layout.end_section()  # a chapter is under no heading of the one before it
        for text, kind in blocks.parts:
            if kind == HEADING:
                layout.heading(text)
            elif kind == CODE:
                layout.add_code(text)
            else:
                layout.add(text)
    return layout


def read_package(archive: zipfile.ZipFile) -> Package:
    """The package file named by ``META-INF/container.xml``: its title and its spine."""
    from defusedxml import ElementTree

    try:
        container = ElementTree.fromstring(archive.read(CONTAINER))
    except KeyError as exc:
        raise SkipFile(NO_CONTAINER) from exc
    rootfile = next(
        (e.get("full-path") for e in container.iter() if e.tag.endswith("rootfile")), None
    )
    if not rootfile:
        raise SkipFile(NO_PACKAGE)
    try:
        opf = ElementTree.fromstring(archive.read(rootfile))
    except KeyError as exc:
        raise SkipFile(DAMAGED_EBOOK, part=rootfile[:60]) from exc
    folder = posixpath.dirname(rootfile)
    manifest = {
        item.get("id"): item
        for item in opf.iter(f"{_OPF}item")
        if item.get("media-type") in _CHAPTERS and item.get("href")
    }
    chapters: list[str] = []
    for ref in opf.iter(f"{_OPF}itemref"):
        item = manifest.get(ref.get("idref"))
        if item is not None and ref.get("linear") != "no":
            href = unquote(item.get("href", "")).split("#")[0]
            chapters.append(posixpath.normpath(posixpath.join(folder, href)))
    title = next((t.text for t in opf.iter(f"{_DC}title") if t.text and t.text.strip()), "")
    return Package(" ".join((title or "").split()), tuple(dict.fromkeys(chapters)))
