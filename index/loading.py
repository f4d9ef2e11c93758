"""Files to documents: walk the documents folder, read each supported file as plain text.

A file that cannot be used is never fatal: it becomes a :class:`Skipped` with one clear reason,
and everything else is still indexed. Markdown, HTML and reStructuredText are read as the text a
reader sees (:mod:`index.markdown`, :mod:`index.hypertext`, :mod:`index.restructured`), and so
are office files and e-books (:mod:`index.word`, :mod:`index.slides`, :mod:`index.sheets`,
:mod:`index.opendocument`, :mod:`index.ebook`, :mod:`index.richtext`, their zip archives
opened within :mod:`index.archives`' limits); every document gets a title, and headings give it
sections.
"""

from __future__ import annotations

import hashlib
import os
import re
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from pathlib import Path, PurePath
from typing import TYPE_CHECKING, Any

from index import reasons
from index.documents import Document, Page, SkipFile, clean_text
from index.errors import DocumentsFolderError

if TYPE_CHECKING:
    from index.layout import Layout
    from index.markup import Blocks
    from index.ocr import Ocr

MARKUP = (".md", ".markdown", ".html", ".htm", ".rst")  # read with their sections and code
# Office files and e-books, by the kind a reason names ("not a readable Word file")
OFFICE = {
    ".docx": "Word",
    ".docm": "Word",
    ".pptx": "PowerPoint",
    ".pptm": "PowerPoint",
    ".xlsx": "Excel",
    ".xlsm": "Excel",
    ".csv": "CSV",
    ".odt": "OpenDocument",
    ".epub": "EPUB",
    ".rtf": "RTF",
}
ZIPPED = (".docx", ".docm", ".pptx", ".pptm", ".xlsx", ".xlsm", ".odt", ".epub")  # zip archives
IMAGES = (".png", ".jpg", ".jpeg", ".tif", ".tiff")  # read by OCR (index.ocr)
SUPPORTED = (".txt", ".pdf", *MARKUP, *OFFICE, *IMAGES)
DEFAULT_MAX_FILE_BYTES = 20 * 1024 * 1024
# Bump when reading a file gives other text (2: MyST roles read as the text they show; 3: code
# kept as written and read line by line; 4: definition lists keep their terms, admonitions their
# labels, MyST directives read as their body, .rst read with docutils; 5: a table of contents
# loses its links, not the chapters it holds; 6: texinfo 6's "¶" anchors dropped; 7: office
# files and e-books, table rows and named places; 8: PDF pages without a text layer read by
# OCR, each file's page and table counts kept; 9: Russian and Kazakh sentences, abbreviations and
# initials): a build then reads every file again; vectors of text that did not change are still
# reused.
READERS_VERSION = 9


@dataclass(frozen=True)
class SourceFile:
    """A candidate file found in the documents folder."""

    source: str  # path relative to the documents folder, with forward slashes
    path: Path
    sha256: str
    size: int


@dataclass(frozen=True)
class Skipped:
    """A file the build leaves out: ``reason`` in English, and (when known) its template of
    :mod:`index.reasons` with the ``fields`` that fill it in, for a reader of another
    language."""

    source: str
    reason: str
    template: str = ""
    fields: dict[str, Any] = field(default_factory=dict, hash=False)

    @classmethod
    def of(cls, source: str, skip: SkipFile) -> Skipped:
        return cls(source, str(skip), skip.template, dict(skip.fields))

    def to_json(self) -> dict[str, Any]:
        """As the manifest and ``docbot index --json`` keep it (``reason`` always, the template
        and fields when known)."""
        said: dict[str, Any] = {"source": self.source, "reason": self.reason}
        return {**said, "template": self.template, "fields": self.fields} if self.template else said


def sha256_bytes(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def sha256_file(path: Path) -> str:
    """The file's hash as the manifest records it (:func:`sha256_bytes`), "" when it cannot be
    read (gone, or being replaced)."""
    try:
        return sha256_bytes(path.read_bytes())
    except OSError:
        return ""


def _is_hidden(rel: Path) -> bool:
    return any(part.startswith(".") for part in rel.parts)


def scan(
    folder: Path, max_bytes: int = DEFAULT_MAX_FILE_BYTES
) -> tuple[list[SourceFile], list[Skipped]]:
    """List and hash the files under ``folder`` (subfolders walked, hidden entries ignored)."""
    folder = Path(folder)
    if not folder.exists():
        raise DocumentsFolderError(folder, "it does not exist")
    if not folder.is_dir():
        raise DocumentsFolderError(folder, "it is not a folder")
    try:
        os.listdir(folder)
    except OSError as exc:
        raise DocumentsFolderError(folder, exc.strerror or str(exc)) from exc
    root = folder.resolve()
    found: list[SourceFile] = []
    skipped: list[Skipped] = []
    for dirpath, dirnames, filenames in os.walk(folder, followlinks=False):
        dirnames[:] = sorted(d for d in dirnames if not d.startswith("."))
        for name in sorted(filenames):
            if name.startswith("."):
                continue
            path = Path(dirpath) / name
            rel = path.relative_to(folder)
            source = rel.as_posix()
            if _is_hidden(rel):
                continue
            try:
                _check(path, root, max_bytes)
                data = _read(path, reasons.VANISHED_FROM_FOLDER)
            except SkipFile as exc:
                skipped.append(Skipped.of(source, exc))
                continue
            found.append(SourceFile(source, path, sha256_bytes(data), len(data)))
    return found, skipped


def _check(path: Path, root: Path, max_bytes: int) -> None:
    """Raises :class:`SkipFile` when the file is not one to read."""
    suffix = path.suffix.lower()
    if path.is_symlink():
        try:
            target = path.resolve(strict=True)
        except (OSError, RuntimeError) as exc:
            raise SkipFile(reasons.BROKEN_SYMLINK) from exc
        if not target.is_relative_to(root):
            raise SkipFile(reasons.SYMLINK_OUTSIDE)
    if suffix not in SUPPORTED:
        supported = " ".join(SUPPORTED)
        if not suffix:
            raise SkipFile(reasons.UNSUPPORTED_NO_EXTENSION, supported=supported)
        raise SkipFile(reasons.UNSUPPORTED, kind=suffix, supported=supported)
    try:
        st = path.stat()
    except FileNotFoundError as exc:
        raise SkipFile(reasons.VANISHED_FROM_FOLDER) from exc
    except OSError as exc:
        raise SkipFile(reasons.UNREADABLE, error=str(exc.strerror or exc)) from exc
    if not path.is_file():
        raise SkipFile(reasons.NOT_A_REGULAR_FILE)
    if st.st_size == 0:
        raise SkipFile(reasons.EMPTY)
    if st.st_size > max_bytes:
        raise SkipFile(reasons.TOO_LARGE, size=st.st_size / 1e6, limit=max_bytes / 1e6)
    if not os.access(path, os.R_OK):
        raise SkipFile(reasons.PERMISSION_DENIED)


def _read(path: Path, vanished: str) -> bytes:
    """The file's bytes; raises :class:`SkipFile` (``vanished`` when it is gone)."""
    try:
        return path.read_bytes()
    except FileNotFoundError as exc:
        raise SkipFile(vanished) from exc
    except OSError as exc:
        raise SkipFile(reasons.UNREADABLE, error=str(exc.strerror or exc)) from exc


def load(file: SourceFile, ocr: Ocr | None = None) -> Document:
    """Read one file into a :class:`Document`; raises :class:`SkipFile` with the reason.
    ``ocr`` reads PDF pages without a text layer and image files (none: they are not read)."""
    data = _read(file.path, reasons.VANISHED_DURING_BUILD)
    digest = sha256_bytes(data)
    suffix = file.path.suffix.lower()
    if suffix in MARKUP:
        return _markup_document(file.source, digest, decode_text(data), suffix)
    if suffix in OFFICE:
        return _office_document(file.source, digest, data, suffix)
    pages: tuple[Page, ...] = ()
    empty = 0
    if suffix == ".pdf":
        text, pages, title, empty = _pdf_text(data, ocr)
    elif suffix in IMAGES:
        text, pages, empty = _image_text(data, ocr)
        title = ""
    else:
        text = clean_text(decode_text(data))
        title = ""
    if not text.strip():
        raise SkipFile(reasons.NO_TEXT)
    title = title or title_from_first_line(text) or ""
    return Document(file.source, digest, text, pages, title, empty_pages=empty)


def _markup_document(name: str, digest: str, source: str, suffix: str) -> Document:
    """A Markdown, HTML or reStructuredText file with its sections, code and title."""
    read = _reader(suffix)
    try:
        blocks = read(source)
    except (ValueError, RuntimeError, RecursionError) as exc:  # garbage that defeats a parser
        raise SkipFile(reasons.UNREADABLE_MARKUP, error=type(exc).__name__) from exc
    made = blocks.assemble()
    if not made.text.strip():
        raise SkipFile(reasons.NO_TEXT)
    title = blocks.title or blocks.first_heading() or title_from_first_line(made.text) or ""
    return Document(name, digest, made.text, (), title, made.sections, made.code)


def _reader(suffix: str) -> Callable[[str], Blocks]:
    """The reader of a kind of markup. Imported here: a folder of plain text never loads the
    parsers (nor a folder without reStructuredText docutils)."""
    if suffix in (".html", ".htm"):
        from index.hypertext import html_blocks

        return html_blocks
    if suffix == ".rst":
        from index.restructured import rst_blocks

        return rst_blocks
    from index.markdown import markdown_blocks

    return markdown_blocks


def _office_document(name: str, digest: str, data: bytes, suffix: str) -> Document:
    """An office file or e-book with its sections, places and table rows."""
    read = _office_reader(suffix)
    try:
        layout = read(data)
        layout.title = office_title(layout.title)
        doc = layout.document(name, digest)
    except SkipFile:
        raise
    except MemoryError as exc:
        raise SkipFile(reasons.TOO_LARGE_IN_MEMORY) from exc
    except RecursionError as exc:
        raise SkipFile(reasons.NESTED_TOO_DEEP) from exc
    except Exception as exc:  # the readers raise many kinds of errors on damaged files
        detail = str(exc).splitlines()[0][:100] if str(exc) else ""
        kind = f"{type(exc).__name__}: {detail}" if detail else type(exc).__name__
        raise SkipFile(reasons.NOT_A_READABLE_KIND, kind=OFFICE[suffix], error=kind) from exc
    if suffix == ".rtf" and not layout.title:  # a headline as plain text files have it
        headline = title_from_first_line(doc.text)
        doc = replace(doc, title=headline) if headline else doc
    return doc


def _office_reader(suffix: str) -> Callable[[bytes], Layout]:
    """The reader of an office format, imported on first use (a folder of text never loads
    python-docx, openpyxl and the rest)."""
    if suffix in (".docx", ".docm"):
        from index.word import word_layout

        return word_layout
    if suffix in (".pptx", ".pptm"):
        from index.slides import slides_layout

        return slides_layout
    if suffix in (".xlsx", ".xlsm"):
        from index.sheets import workbook_layout

        return workbook_layout
    if suffix == ".csv":
        from index.sheets import csv_layout

        return lambda data: csv_layout(csv_text(data))
    if suffix == ".odt":
        from index.opendocument import odt_layout

        return odt_layout
    if suffix == ".epub":
        from index.ebook import epub_layout

        return epub_layout
    from index.richtext import rtf_layout

    return rtf_layout


def zipped_content_problem(name: str, data: bytes) -> str | None:
    """Why ``data`` cannot be the zip-archived office file or e-book ``name`` claims to be (an
    upload's first check), or None: a password-protected file or no zip archive at all."""
    from index.archives import OLE

    kind = OFFICE.get(PurePath(name).suffix.lower(), "office")
    if data.startswith(OLE):
        return f"it is a password-protected {kind} file (or an old format); save it without one"
    if not data.startswith(b"PK\x03\x04"):
        return f"it is not a {kind} file (no zip archive)"
    return None


# A title is one short phrase: no more than this, no sentence end inside or at its end.
TITLE_MAX_WORDS = 15
TITLE_MAX_CHARS = 150
_SENTENCE_END = ".!?:;,…"
_INNER_SENTENCE_END = re.compile(r"[.!?…][\"'”’)\]]*\s+[\"'“‘(\[]?[^\W_a-z]")


def title_from_first_line(text: str) -> str | None:
    """The first line when it reads as a title (a headline), else None.

    It reads as a title when it is short (at most 15 words and 150 characters), has a letter,
    does not end like a sentence (. ! ? : ; , …), holds no sentence end inside ("Soldiers at
    work. Photo by X" is a caption, not a title) and is not the whole document. A rule, not a
    guess tuned to a corpus: a BBC article's headline passes, an opening sentence does not.
    """
    stripped = text.strip()
    first, _, rest = stripped.partition("\n")
    first = first.strip()
    if not rest.strip() or not any(c.isalpha() for c in first):
        return None
    if len(first) > TITLE_MAX_CHARS or len(first.split()) > TITLE_MAX_WORDS:
        return None
    if first.endswith(tuple(_SENTENCE_END)) or _INNER_SENTENCE_END.search(first):
        return None
    return first


def decode_text(data: bytes) -> str:
    """Decode UTF-8 (with or without BOM); tolerate a few bad bytes, refuse binary files."""
    if b"\x00" in data[:8192]:
        raise SkipFile(reasons.BINARY)
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        pass
    text = data.decode("utf-8", errors="replace")
    bad = text.count("\ufffd")
    if bad > max(8, len(text) // 100):
        raise SkipFile(reasons.NOT_UTF8, bad=bad)
    return text


_HIGH_RUN = re.compile(rb"[\xc0-\xff]{3,}")  # three letters or more of a Cyrillic code page


def csv_text(data: bytes) -> str:
    """A CSV file's text: UTF-8 (or UTF-16 with its byte order mark, Excel's "Unicode text"),
    else the code page a spreadsheet program saved it in (Excel's plain "CSV"): Cyrillic
    (cp1251) when runs of letters above ASCII are the rule, else Western (cp1252). UTF-8 with
    a few bad bytes stays UTF-8 (it holds more good characters above ASCII than bad bytes)."""
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        return data.decode("utf-16", errors="replace")
    if b"\x00" in data[:8192]:
        raise SkipFile(reasons.BINARY)
    text = data.decode("utf-8-sig", errors="replace")
    bad = text.count("\ufffd")
    if not bad or bad * 2 <= sum(1 for ch in text if ch > "\x7f") - bad:
        return text
    high = sum(1 for b in data[:65536] if b >= 0x80)
    in_runs = sum(len(m) for m in _HIGH_RUN.findall(data[:65536]))
    return data.decode("cp1251" if in_runs * 2 > high else "cp1252", errors="replace")


def _pdf_text(data: bytes, ocr: Ocr | None) -> tuple[str, tuple[Page, ...], str, int]:
    """Text per page (wrapped lines joined), the pages, the title in the PDF's metadata and
    the number of pages left empty; a page without a text layer is read by ``ocr``."""
    import io
    import logging

    from pypdf import PdfReader

    logging.getLogger("pypdf").setLevel(logging.ERROR)
    try:
        reader = PdfReader(io.BytesIO(data))
        if reader.is_encrypted and not reader.decrypt(""):
            raise SkipFile(reasons.ENCRYPTED_PDF)
        texts = [page.extract_text() or "" for page in reader.pages]
        title = pdf_title(reader.metadata.title if reader.metadata else None)
    except SkipFile:
        raise
    except Exception as exc:  # pypdf raises many kinds of errors on damaged files
        raise SkipFile(reasons.NOT_A_READABLE_PDF, error=type(exc).__name__) from exc
    read_by_ocr = _ocr_pdf_pages(data, texts, ocr)
    found = [(n, read_by_ocr.get(n, raw), n in read_by_ocr) for n, raw in enumerate(texts, 1)]
    text, pages = _paged_text(found)
    if not pages:
        raise _unread(ocr, reasons.PDF_UNREAD)
    return text, pages, title, len(texts) - len(pages)


# A page whose text layer has fewer letters than this is read by OCR: a scan often carries a
# stamped page number or file name as its only text. OCR's text replaces the layer's when it
# has more letters.
OCR_BELOW_LETTERS = 10


def _letters(text: str) -> int:
    return sum(1 for c in text if c.isalpha())


def _ocr_pdf_pages(data: bytes, texts: list[str], ocr: Ocr | None) -> dict[int, str]:
    """The text OCR reads on the pages without a text layer, or with a few letters only
    (1-based page number -> text)."""
    blank = [n for n, raw in enumerate(texts, start=1) if _letters(raw) < OCR_BELOW_LETTERS]
    if not blank or ocr is None:
        return {}
    if ocr.problem is not None:  # only pages with no text at all go unread
        ocr.skip(sum(1 for n in blank if not texts[n - 1].strip()))
        return {}
    from index.ocr import pdf_page_images

    limit = ocr.settings.max_pages
    ocr.skip(max(0, len(blank) - limit))
    found: dict[int, str] = {}
    try:
        for number, image in pdf_page_images(data, blank[:limit], ocr.settings.dpi):
            text = ocr.read(image)
            if text and _letters(text) > _letters(texts[number - 1]):
                found[number] = text
    except ValueError:  # pdfium cannot open what pypdf could: the pages stay empty
        return found
    return found


def _paged_text(found: list[tuple[int, str, bool]]) -> tuple[str, tuple[Page, ...]]:
    """Pages (number, raw text, read by OCR) as one text: visual lines joined, blank-line
    paragraphs kept, pages without text left out."""
    parts: list[str] = []
    pages: list[Page] = []
    pos = 0
    for number, raw, by_ocr in found:
        page_text = clean_text(raw)
        page_text = re.sub(r"(?<!\n)\n(?!\n)", " ", page_text)
        if not page_text:
            continue
        if parts:
            parts.append("\n\n")
            pos += 2
        pages.append(Page(number, pos, pos + len(page_text), ocr=by_ocr))
        parts.append(page_text)
        pos += len(page_text)
    return "".join(parts), tuple(pages)


def _image_text(data: bytes, ocr: Ocr | None) -> tuple[str, tuple[Page, ...], int]:
    """An image file read by OCR, each frame (a TIFF's pages) a page."""
    if ocr is None or ocr.problem is not None:
        raise _unread(ocr, reasons.IMAGE_UNREAD)
    from index.ocr import image_frames

    try:
        count, frames = image_frames(data, ocr.settings.max_pages)
    except ValueError as exc:
        raise SkipFile.said(str(exc)) from exc
    found = [(n, ocr.read(frame) or "", True) for n, frame in enumerate(frames, start=1)]
    ocr.skip(count - len(found))
    text, pages = _paged_text(found)
    if not pages:
        raise _unread(ocr, reasons.IMAGE_UNREAD)
    return text, pages, count - len(pages)


def _unread(ocr: Ocr | None, said: tuple[str, str, str]) -> SkipFile:
    """Why OCR gave no text, in the words of ``said`` (:data:`index.reasons.PDF_UNREAD`, ...):
    it is off, it has a problem (not installed), else it found none."""
    off, failed, found_none = said
    if ocr is None:
        return SkipFile(off)
    problem = ocr.problem
    return SkipFile(failed, problem=problem) if problem else SkipFile(found_none)


_NOT_A_TITLE = re.compile(
    r"^(untitled\b.*|microsoft \w+ - .*|.*\.(docx?|pdf|odt|rtf|txt|pptx?|xlsx?|tex|dvi|indd|qxd))$",
    re.I,
)


def pdf_title(raw: object) -> str:
    """A PDF's metadata title when it is one: tools often write "Untitled", the file name or
    "Microsoft Word - report.doc" there, which name no document."""
    title = " ".join(raw.split()) if isinstance(raw, str) else ""
    title = clean_text(title)
    if not any(c.isalpha() for c in title) or _NOT_A_TITLE.match(title):
        return ""
    return title


_OFFICE_DEFAULT = re.compile(
    r"((microsoft )?(powerpoint )?presentation|document|book|workbook|slide|sheet)\s*\d*", re.I
)


def office_title(raw: str) -> str:
    """An office file's properties' title when it is one: as :func:`pdf_title`, and not a name
    an application puts there by itself ("PowerPoint Presentation", "Document1", "Book1")."""
    title = pdf_title(raw)
    return "" if _OFFICE_DEFAULT.fullmatch(title) else title
