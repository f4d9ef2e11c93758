"""What the office and e-book readers (:mod:`index.word`, :mod:`index.slides`,
:mod:`index.sheets`, :mod:`index.opendocument`, :mod:`index.ebook`, :mod:`index.richtext`)
build: :class:`Layout`, a document's paragraphs in reading order, each in the named part a
reader would look for it in (a slide, a sheet's row, a chapter).

Paragraphs are joined by blank lines (how :func:`index.chunking.split_paragraphs` finds them);
headings start sections; list items are the lines of one paragraph ("- " or "3) " first, as the
markup readers write them); a table becomes one paragraph per row whose cells carry their
column's header: "Region: Almaty | Budget: 1.2 bn" (:func:`table_rows`), so a question about a
cell finds its row, and the row is cited by its place ('sheet "Budget", row 12').
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field

from index.documents import Document, Part, Section, SkipFile, clean_code, clean_text
from index.reasons import NO_TEXT, TOO_MANY_BLOCKS, TOO_MUCH_TEXT

TEXT, HEADING, CODE, ROW, CUT = "text", "heading", "code", "row", "cut"  # kinds of block
NAME_CHARS = 80  # a longer name (a sheet's, a chapter's) is cut where a place quotes it
CELL_SEPARATOR = " | "
# Paragraphs and rows, characters of one file: more is no document a reader reads (and would
# fill memory: an archive's limits bound its XML, not what repeated cells make of it)
MAX_BLOCKS = 500_000
MAX_CHARS = 50_000_000


@dataclass(frozen=True)
class _Block:
    text: str
    kind: str
    label: str  # the place it lies in ("" for none)
    paragraphs: bool  # the place counts its paragraphs


@dataclass
class Layout:
    """Paragraphs of a document in reading order, with their places, sections and tables."""

    title: str = ""  # from the file's properties; may be empty
    heading_titles: bool = True  # no title: the first heading is the title (not a sheet's name)
    blocks: list[_Block] = field(default_factory=list)
    tables: int = 0
    _label: str = ""
    _paragraphs: bool = False
    _chars: int = 0

    def begin(self, label: str, paragraphs: bool = False) -> None:
        """What follows lies in the part named ``label`` ("" for none); with ``paragraphs``
        its citations count paragraphs from the part's top."""
        self._label, self._paragraphs = label, paragraphs

    def _add(self, text: str, kind: str, label: str | None = None) -> None:
        if len(self.blocks) >= MAX_BLOCKS:
            raise SkipFile(TOO_MANY_BLOCKS, limit=MAX_BLOCKS)
        self._chars += len(text)
        if self._chars > MAX_CHARS:
            raise SkipFile(TOO_MUCH_TEXT, limit=MAX_CHARS)
        place = self._label if label is None else label
        self.blocks.append(_Block(text, kind, place, self._paragraphs and label is None))

    def add(self, text: str) -> None:
        text = clean_text(text)
        if text:
            self._add(text, TEXT)

    def heading(self, text: str) -> None:
        """A heading: it starts a section (and is the first paragraph of it)."""
        text = one_line(clean_text(text))
        if text:
            self._add(text, HEADING)

    def end_section(self) -> None:
        """What follows is under no heading (a slide without a title)."""
        if self.blocks and self.blocks[-1].kind != CUT:
            self._add("", CUT)

    def add_list(self, items: Iterable[tuple[str, int | None]]) -> None:
        """List items as the lines of one paragraph: (text, its number or None for a bullet)."""
        lines = []
        for text, number in items:
            line = one_line(clean_text(text))
            if line:
                lines.append(("- " if number is None else f"{number}) ") + line)
        if lines:
            self._add("\n".join(lines), TEXT)

    def add_code(self, text: str) -> None:
        text = clean_code(text)
        if text:
            self._add(text, CODE)

    def add_table(self, cells: Sequence[Sequence[str]], place: str = "") -> None:
        """A table (rows of cell texts) as one paragraph per row, cells led by their headers;
        each row in the place ``place`` + ", row N" (N counted from the table's top, the
        header being row 1), or the current part's when ``place`` is ""."""
        counted = False
        for number, text in table_rows(cells):
            if not counted:
                self.tables += 1
                counted = True
            label = f"{place}, row {number}" if place else None
            self._add(text, ROW, label)

    def add_row(self, text: str, label: str) -> None:
        """One row already joined (a spreadsheet's, read row by row), in the place ``label``."""
        if text:
            self._add(text, ROW, label)

    def first_heading(self) -> str:
        return next((b.text for b in self.blocks if b.kind == HEADING), "")

    def document(self, source: str, digest: str) -> Document:
        """The assembled document; its title from the properties, else the first heading (else
        the file name, which :class:`Document` puts in)."""
        pieces: list[str] = []
        sections: list[tuple[int, str]] = []  # (start, heading); "" closes a section
        code: list[tuple[int, int]] = []
        rows: list[tuple[int, int]] = []
        parts: list[Part] = []
        pos = 0
        for block in self.blocks:
            if block.kind == CUT:
                sections.append((pos, ""))
                continue
            if pieces:
                pieces.append("\n\n")
                pos += 2
            start, pos = pos, pos + len(block.text)
            pieces.append(block.text)
            if block.kind == HEADING:
                sections.append((start, block.text))
            elif block.kind == CODE:
                code.append((start, pos))
            elif block.kind == ROW:
                rows.append((start, pos))
            _extend(parts, Part(start, pos, block.label, block.paragraphs))
        text = "".join(pieces)
        if not text.strip():
            raise SkipFile(NO_TEXT)
        ends = [s for s, _ in sections[1:]] + [pos]
        spans = zip(sections, ends, strict=False)  # no sections: no ends
        found = tuple(Section(s, e, h) for (s, h), e in spans if h and s < e)
        title = self.title or (self.first_heading() if self.heading_titles else "")
        return Document(
            source,
            digest,
            text,
            title=title,
            sections=found,
            code=tuple(code),
            parts=tuple(p for p in parts if p.label),
            rows=tuple(rows),
            tables=self.tables,
        )


def _extend(parts: list[Part], part: Part) -> None:
    """Add ``part``, or widen the last part to it when both are the same place."""
    if parts and (parts[-1].label, parts[-1].paragraphs) == (part.label, part.paragraphs):
        last = parts[-1]
        parts[-1] = Part(last.start, part.end, last.label, last.paragraphs)
    else:
        parts.append(part)


# --- tables --------------------------------------------------------------------------------

_FINAL = (".", "!", "?", "…")
_YEAR = re.compile(r"(19|20)\d\d")
_NUMBER = re.compile(r"[-+(]?[$€£¥₸₽]?\s?\d[\d\s,.'’]*%?\)?")


def table_rows(cells: Iterable[Sequence[str]]) -> Iterator[tuple[int, str]]:
    """(row number from 1, the row as text) of each row of a table that holds text, read as
    the rows come (a sheet of a million rows is never held whole).

    The first row with text is read as the header when it names every column that has a value
    in the next such row and no header is a bare number (a year may be one); then each cell
    reads "Header: value", and the header row is not repeated as a row of its own. A row of
    one cell above a wider one is a caption ("Budget 2026" over the table), read as it is, and
    the row after it is the one that may be the header."""
    headers: list[str] | None = None  # None until decided
    candidate: tuple[int, list[str]] | None = None  # the row that may be the header
    for number, row in enumerate(cells, start=1):
        texts = [one_line(clean_text(c)) for c in row]
        if not any(texts):
            continue
        if headers is None:
            if candidate is None:
                candidate = (number, texts)
                continue
            if _filled(candidate[1]) == 1 and _filled(texts) > 1:  # a caption
                yield candidate[0], row_text(candidate[1])
                candidate = (number, texts)
                continue
            headers = candidate[1] if _is_header(candidate[1], texts) else []
            if not headers:
                yield candidate[0], row_text(candidate[1])
        yield number, row_text(texts, headers)
    if candidate is not None and headers is None:  # one row only
        yield candidate[0], row_text(candidate[1])


def _filled(row: Sequence[str]) -> int:
    return sum(1 for c in row if c)


def _is_header(row: Sequence[str], below: Sequence[str]) -> bool:
    if any(c and _NUMBER.fullmatch(c) and not _YEAR.fullmatch(c) for c in row):
        return False
    return all(j < len(row) and row[j] for j, c in enumerate(below) if c)


def row_text(cells: Sequence[str], headers: Sequence[str] = ()) -> str:
    """A row's cells with their headers, ended as a sentence: "Region: Almaty | Budget: 1.2
    bn." (a cell without a header, or repeating it, reads as itself; empty cells are left out).
    The full stop makes the row read as a statement, not a heading, to whatever weighs how a
    sentence ends (choosing an answer penalises a unit that does not end like a sentence)."""
    out: list[str] = []
    for j, cell in enumerate(cells):
        if not cell:
            continue
        header = headers[j] if j < len(headers) else ""
        out.append(f"{header}: {cell}" if header and header != cell else cell)
    text = CELL_SEPARATOR.join(out)
    return text if not text or text.endswith(_FINAL) else text + "."


def one_line(text: str) -> str:
    return " ".join(text.split())


def quoted(name: str) -> str:
    """A name as a place quotes it: '"Budget"', cut at ``NAME_CHARS``."""
    name = one_line(name)
    if len(name) > NAME_CHARS:
        name = name[: NAME_CHARS - 1].rstrip() + "\u2026"
    return f'"{name}"'
