"""What a file becomes once read: a :class:`Document`, its plain text with its pages,
sections and title (and for office files and e-books their named places and table rows), or a
:class:`SkipFile` saying why it cannot be used. The readers (``index.loading``,
``index.markup``, ``index.layout``) make them; the chunker (``index.chunking``) reads them."""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from pathlib import PurePosixPath


@dataclass(frozen=True)
class Page:
    number: int  # 1-based
    start: int
    end: int
    ocr: bool = False  # its text was read from its image (index.ocr)


@dataclass(frozen=True)
class Section:
    """Characters ``start``..``end`` of a document's text lie under ``heading`` (which is the
    first paragraph of the section). Sections follow each other and do not nest."""

    start: int
    end: int
    heading: str


@dataclass(frozen=True)
class Part:
    """Characters ``start``..``end`` are one part a reader finds by its name, ``label``: "slide 4",
    'sheet "Budget", row 12', 'chapter "Introduction"'. With ``paragraphs`` a citation also
    names the paragraph, counted from the part's top ('chapter "Introduction", paragraph 3')."""

    start: int
    end: int
    label: str
    paragraphs: bool = False


@dataclass(frozen=True)
class Document:
    """The plain text of one file. Offsets elsewhere refer to ``text``."""

    source: str
    sha256: str
    text: str
    pages: tuple[Page, ...] = ()  # PDFs and images only
    title: str = ""  # never empty once made: the file name stands in (see title_from_name)
    sections: tuple[Section, ...] = ()  # Markdown and HTML headings; () without headings
    # Spans of ``text`` that are code (a code block, verbatim): read line by line, never split
    # into sentences at their dots.
    code: tuple[tuple[int, int], ...] = ()
    # Office files, e-books: named parts (slides, sheet rows, chapters) in order, not nested
    parts: tuple[Part, ...] = ()
    # Spans of ``text`` that are table rows ("Region: Almaty | Budget: 1.2 bn"): each one
    # sentence, never split at its dots, and an answer unit of its own.
    rows: tuple[tuple[int, int], ...] = ()
    tables: int = 0  # tables read (spreadsheets' sheets, Word's and slides' tables)
    empty_pages: int = 0  # pages with no text (none in its layer, none read by OCR)

    def __post_init__(self) -> None:
        if not self.title.strip():
            object.__setattr__(self, "title", title_from_name(self.source))

    def section_at(self, offset: int) -> str:
        """The heading of the section that holds ``offset``, or "" outside every section."""
        for section in self.sections:
            if section.start <= offset < section.end:
                return section.heading
        return ""


class SkipFile(Exception):
    """Raised by the readers: the file is skipped for a reason of :mod:`index.reasons` (its
    English template) with its ``fields``; ``str()`` is the English sentence. A reason known
    only as text (a library's own message) has the template ``""``: :meth:`said`."""

    def __init__(self, template: str, /, **fields: str | int | float) -> None:
        super().__init__(template.format(**fields))
        self.template = template
        self.fields = fields

    @classmethod
    def said(cls, reason: str) -> SkipFile:
        """A reason known only as its English text."""
        skip = cls("")
        skip.args, skip.template = (reason,), ""
        return skip


def title_from_name(source: str) -> str:
    """The file name as a title: no folder, no extension, "_" and "-" read as spaces."""
    stem = PurePosixPath(source).stem
    words = re.sub(r"[_\-\s]+", " ", stem).strip()
    return words or source


# Invisible characters that only get in the way: zero-width ones, the soft hyphen, and explicit
# bidirectional overrides/isolates (they can scramble how a quoted reply looks; RTL text itself
# needs none of them).
_INVISIBLE = (
    "\u200b\u200c\u200d\u2060\ufeff\u00ad\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069"
)
_ZERO_WIDTH = dict.fromkeys(map(ord, _INVISIBLE), None)
_ANSI = re.compile(r"\x1b\[[0-9;?]*[ -/]*[@-~]")  # terminal colour codes and the like
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\u2028\u2029]")
_SPACES = re.compile(r"[ \t\u00a0\u2000-\u200a\u202f\u205f\u3000]+")


def _visible(text: str) -> str:
    """NFC, "\\n" newlines, zero-width, terminal and control characters gone."""
    text = unicodedata.normalize("NFC", text)
    text = text.replace("\r\n", "\n").replace("\r", "\n").translate(_ZERO_WIDTH)
    return _CONTROL.sub(" ", _ANSI.sub("", text))


def clean_text(text: str) -> str:
    """Normalise newlines and spaces, drop zero-width and control characters (never words)."""
    text = _visible(text)
    lines = [_SPACES.sub(" ", line).strip() for line in text.split("\n")]
    text = "\n".join(lines)
    return re.sub(r"\n{3,}", "\n\n", text).strip()


CODE_TAB = 4  # columns a tab stands for in code


def clean_code(text: str) -> str:
    """Code as written: like :func:`clean_text`, but indentation and inner spaces are kept
    (tabs as spaces), only spaces at line ends and blank lines at both ends go."""
    text = _visible(text).expandtabs(CODE_TAB)
    lines = [line.rstrip() for line in text.split("\n")]
    while lines and not lines[0].strip():
        lines.pop(0)
    return re.sub(r"\n{3,}", "\n\n", "\n".join(lines)).rstrip()
