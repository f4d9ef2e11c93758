"""What the markup readers (:mod:`index.markdown`, :mod:`index.hypertext`,
:mod:`index.restructured`) build: :class:`Blocks`, a document's paragraphs in reading order.

Paragraphs of clean text are joined by blank lines (which is how
:func:`index.chunking.split_paragraphs` finds paragraphs); headings among them become the
document's sections, code blocks its code spans. A definition or an admonition keeps its term
or label in front of its first paragraph, in the same sentence (:meth:`Blocks.lead`):
"postgres: Postgresql databases are owned by this user.", "Note: ...".
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from index.documents import Section, clean_code, clean_text

TEXT, HEADING, CODE = "text", "heading", "code"  # the kinds of block
_LIST_LINE = re.compile(r"(?:- |\d+\) )")  # how the readers start a list item's line


@dataclass
class Blocks:
    """Paragraphs of a document in reading order; a heading starts a new section, code is
    kept as written."""

    title: str = ""  # from the markup itself (<title>, front matter); may be empty
    parts: list[tuple[str, str]] = field(default_factory=list)  # (text, its kind)

    def add(self, text: str, heading: bool = False) -> None:
        text = clean_text(text)
        if text:
            self.parts.append((text, HEADING if heading else TEXT))

    def add_code(self, text: str) -> None:
        """A code block: indentation and spaces kept (see :func:`clean_code`)."""
        text = clean_code(text)
        if text:
            self.parts.append((text, CODE))

    def mark(self) -> int:
        """Where the next block will go: for :meth:`lead` once a definition's blocks are in."""
        return len(self.parts)

    def lead(self, mark: int, label: str) -> None:
        """``label`` (a term, "Note") leads the blocks added since ``mark``: "label: first
        paragraph" as one sentence (no second colon after a label ending in one; a list whose
        lines start "- " or "1) " starts on the next line). Before code or a heading, or with
        nothing after it, the label is a paragraph of its own ("label:" before code, "label"
        alone)."""
        label = one_line(label)
        if not label:
            return
        head = label if label.endswith(":") else label + ":"
        if mark < len(self.parts) and self.parts[mark][1] == TEXT:
            text = self.parts[mark][0]
            self.parts[mark] = (head + ("\n" if _LIST_LINE.match(text) else " ") + text, TEXT)
        else:
            self.parts.insert(mark, (head if mark < len(self.parts) else label, TEXT))

    def first_heading(self) -> str:
        return next((one_line(t) for t, kind in self.parts if kind == HEADING), "")

    def texts(self) -> list[str]:
        return [text for text, _ in self.parts]

    def assemble(self) -> Assembled:
        """The text (blocks split by blank lines), its sections and its code, by offset."""
        pieces: list[str] = []
        starts: list[tuple[int, str]] = []
        code: list[tuple[int, int]] = []
        pos = 0
        for text, kind in self.parts:
            if pieces:
                pieces.append("\n\n")
                pos += 2
            if kind == HEADING:
                starts.append((pos, one_line(text)))
            elif kind == CODE:
                code.append((pos, pos + len(text)))
            pieces.append(text)
            pos += len(text)
        ends = [s for s, _ in starts[1:]] + [pos]  # one more than starts when there are none
        sections = (Section(s, e, h) for (s, h), e in zip(starts, ends, strict=False))
        return Assembled("".join(pieces), tuple(sections), tuple(code))


@dataclass(frozen=True)
class Assembled:
    """A marked-up file's plain text, with where its sections and its code blocks lie."""

    text: str
    sections: tuple[Section, ...]
    code: tuple[tuple[int, int], ...]


@dataclass
class Terms:
    """An open definition list: the terms read since its last definition, and the last term (a
    second definition of the same term gets it too)."""

    pending: list[str] = field(default_factory=list)
    last: str = ""

    def definition(self) -> str:
        """The term of the definition that starts now: "-v, --verbose" for several."""
        self.last = terms_text(self.pending) or self.last
        self.pending.clear()
        return self.last


def one_line(text: str) -> str:
    return " ".join(text.split())


def terms_text(terms: list[str]) -> str:
    """Several terms of one definition, as one term: "-v, --verbose"."""
    return ", ".join(t for t in (one_line(term) for term in terms) if t)
