"""Documents to chunks: paragraphs, sentences, overlapping sentence windows, and deduplication.

Sizes (by eval, see benchmarks/RESULTS.md): windows of at most ``max_words`` = 120 words made of
whole sentences, overlapping by one sentence. all-MiniLM-L6-v2 reads at most 256 word pieces:
news runs ~1.3 pieces a word, scientific abstracts ~1.6, so 120 words fit (0.1% of SciFact
windows are cut) where 200-word windows (40% cut) and whole abstracts (71%) lose their ends.
On SciFact train (809 queries) 120-word windows gave the best dense ranking (nDCG@10 0.683 vs
0.661 at 200 and 0.660 whole) and the same fused one (0.735 vs 0.736 and 0.735, within noise);
on the seed + BBC dev set the named file ranked higher with 120 (MRR 1.00) than 80 (0.92) or
200 (0.89). The one-sentence overlap was not tuned.

Duplicates are dropped twice over: inside a document, a paragraph whose sentences all appear in
other paragraphs is dropped (shorter paragraphs win, so an article that repeats itself as one
block keeps its paragraph structure); across the whole collection, a chunk whose sentences are
(mostly) already in kept chunks is dropped, so no search can return the same passage twice.
"""

from __future__ import annotations

import bisect
import hashlib
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from index.documents import Document
from index.settings import ChunkerSettings
from index.text import ALNUM_RUN, split_sentences, strip_span


@dataclass(frozen=True)
class Chunk:
    """A passage: a window of whole sentences, quoted verbatim from ``source``."""

    id: str  # stable: derived from source and text
    source: str  # relative to the documents folder
    text: str
    start: int  # character offsets in the document's text
    end: int
    page: int | None = None  # PDFs
    # Per sentence: (start, end) inside ``text`` and its paragraph number (1-based, 0 = unknown).
    sentences: tuple[tuple[int, int], ...] = field(default=())
    paragraphs: tuple[int, ...] = field(default=())
    title: str = ""  # the document's title
    section: str = ""  # the heading of the section the first sentence is in ("" for none)
    code: tuple[int, ...] = field(default=())  # indexes of the sentences that are code lines
    # Per sentence, the named place it lies in ("slide 4", 'sheet "Budget", row 12'; "" for
    # none); () in documents without named parts (see Document.parts)
    places: tuple[str, ...] = field(default=())
    rows: tuple[int, ...] = field(default=())  # indexes of the sentences that are table rows
    ocr: bool = False  # read by OCR from its page's image: its location says so

    def search_text(self, with_title: bool) -> str:
        """What BM25 and the embedding read for this passage: its text, after its document's
        title when ``with_title`` (once: a passage that opens with the title keeps it as is),
        so a passage is found with what its document is about (benchmarks/RESULTS.md)."""
        if not with_title or not self.title or self.text.startswith(self.title):
            return self.text
        return f"{self.title}\n{self.text}"

    def search_key(self, with_title: bool) -> str:
        """Key for reusing vectors: a hash of exactly what the model read (``search_text``)."""
        return hashlib.sha1(self.search_text(with_title).encode("utf-8")).hexdigest()

    @property
    def paragraph(self) -> int | None:
        known = [p for p in self.paragraphs if p]
        return known[0] if known else None

    def location(self, sentence: int | None = None) -> str:
        """Human-readable place: "page 3", "paragraph 4", "paragraphs 4-5", a named place
        ("slide 4", 'sheet "Budget", row 12', 'chapter "Introduction", paragraph 3'), and, in a
        document with headings, its section first: '"Install Python", paragraph 4' (not when
        the place names it already). Paragraphs are counted from the top of the document, not
        of the section, or from the top of a named place that counts them. Text read by OCR
        says so: "page 7 (OCR)"."""
        place = self._place(sentence)
        if self.section:
            named = f'"{_shorten(self.section, SECTION_CHARS)}"'
            if named not in place:
                place = f"{named}, {place}" if place else named
        return f"{place} (OCR)" if self.ocr else place

    def _place(self, sentence: int | None) -> str:
        if self.places:
            if sentence is None:
                named = _place_range(self.places[0], self.places[-1])
            else:
                named = self.places[sentence if 0 <= sentence < len(self.places) else 0]
            if named:
                return named
        if self.page is not None:
            return f"page {self.page}"
        if (
            sentence is not None
            and 0 <= sentence < len(self.paragraphs)
            and self.paragraphs[sentence]
        ):
            return f"paragraph {self.paragraphs[sentence]}"
        known = sorted({p for p in self.paragraphs if p})
        if not known:
            return ""
        if len(known) == 1:
            return f"paragraph {known[0]}"
        return f"paragraphs {known[0]}-{known[-1]}"

    def sentence_texts(self) -> list[str]:
        return [self.text[a:b] for a, b in self.sentences]

    def to_json(self) -> dict[str, object]:
        return {
            "id": self.id,
            "source": self.source,
            "text": self.text,
            "start": self.start,
            "end": self.end,
            "page": self.page,
            "sentences": [list(s) for s in self.sentences],
            "paragraphs": list(self.paragraphs),
            "title": self.title,
            "section": self.section,
            "code": list(self.code),
            "places": list(self.places),
            "rows": list(self.rows),
            "ocr": self.ocr,
        }

    @classmethod
    def from_json(cls, row: dict[str, Any]) -> Chunk:
        return cls(
            id=row["id"],
            source=row["source"],
            text=row["text"],
            start=row["start"],
            end=row["end"],
            page=row.get("page"),
            sentences=tuple((int(a), int(b)) for a, b in row.get("sentences", ())),
            paragraphs=tuple(int(p) for p in row.get("paragraphs", ())),
            title=str(row.get("title") or ""),
            section=str(row.get("section") or ""),
            code=tuple(int(i) for i in row.get("code", ())),
            places=tuple(str(p) for p in row.get("places", ())),
            rows=tuple(int(i) for i in row.get("rows", ())),
            ocr=bool(row.get("ocr", False)),
        )


_NUMBERED = re.compile(r"(.*?)(\w+) (\d+)")  # 'sheet "Budget", row 12': where, what, which


def _place_range(first: str, last: str) -> str:
    """The places from ``first`` to ``last`` as one: 'sheet "Budget", rows 2-9', "slides 3-4";
    the first alone when they differ in more than their number."""
    a, b = _NUMBERED.fullmatch(first), _NUMBERED.fullmatch(last)
    if first == last or not a or not b or a.group(1, 2) != b.group(1, 2):
        return first
    return f"{a.group(1)}{a.group(2)}s {a.group(3)}-{b.group(3)}"


SECTION_CHARS = 80  # a longer heading is cut in locations (a hostile file's 5 MB "heading")


def _shorten(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "\u2026"


def chunk_id(source: str, text: str) -> str:
    return hashlib.sha1(f"{source}\n{text}".encode()).hexdigest()[:16]


# --- sentences -----------------------------------------------------------------------------

CHARS_PERALNUM_RUN = 12  # a sentence longer than max_words * 12 characters is cut as well


def _cap_long(text: str, span: tuple[int, int], max_words: int) -> list[tuple[int, int]]:
    """Split a run-on "sentence" (a 5 MB line, a table, a base64 blob) into pieces of at most
    ``max_words`` words and ``max_words * CHARS_PERALNUM_RUN`` characters."""
    a, b = span
    max_chars = max_words * CHARS_PERALNUM_RUN
    if b - a <= max_chars and len(ALNUM_RUN.findall(text, a, b)) <= max_words:
        return [span]
    pieces: list[tuple[int, int]] = []
    start, count = a, 0
    for m in ALNUM_RUN.finditer(text, a, b):
        count += 1
        if count > max_words:
            pieces.append((start, m.start()))
            start, count = m.start(), 1
        while m.end() - start > max_chars:  # one enormous "word": cut it hard
            cut = start + max_chars
            pieces.append((start, cut))
            start, count = cut, 1
    pieces.append((start, b))
    stripped = (strip_span(text, x, y) for x, y in pieces)
    return [(x, y) for x, y in stripped if x < y]


def _key(sentence: str) -> str:
    return " ".join(w.lower() for w in ALNUM_RUN.findall(sentence))


# --- paragraphs ----------------------------------------------------------------------------


def split_paragraphs(text: str, start: int = 0, end: int | None = None) -> list[tuple[int, int]]:
    """Blank-line separated blocks; a text with no blank lines has one paragraph per line."""
    end = len(text) if end is None else end
    separator = re.compile(r"\n\s*\n") if "\n\n" in text[start:end] else re.compile(r"\n")
    spans: list[tuple[int, int]] = []
    pos = start
    for m in separator.finditer(text, start, end):
        spans.append((pos, m.start()))
        pos = m.end()
    spans.append((pos, end))
    return [strip_span(text, a, b) for a, b in spans if text[a:b].strip()]


@dataclass(frozen=True)
class _Sentence:
    start: int
    end: int
    paragraph: int  # 0 when unknown
    segment: int  # windows never cross segments (pages, dropped paragraphs)
    words: int
    code: bool = False  # a line of a code block
    row: bool = False  # a table row: one sentence
    place: str = ""  # the named place it lies in (Document.parts)


def _sentences(doc: Document, settings: ChunkerSettings) -> list[_Sentence]:
    text = doc.text
    regions: list[tuple[int, int, int | None]] = [(p.start, p.end, p.number) for p in doc.pages]
    regions = regions or [(0, len(text), None)]
    result: list[_Sentence] = []
    segment = 0
    places = _Places(doc)
    for r_start, r_end, page in regions:
        paragraphs = split_paragraphs(text, r_start, r_end)
        in_code = [_inside(doc.code, a) for a, _ in paragraphs]
        in_rows = [_inside(doc.rows, a) for a, _ in paragraphs] if doc.rows else []
        per_paragraph = [
            [
                s
                for span in _split(text, a, b, code, bool(in_rows) and in_rows[i])
                for s in _cap_long(text, span, settings.max_words)
            ]
            for i, ((a, b), code) in enumerate(zip(paragraphs, in_code, strict=True))
        ]
        keep = _unique_paragraphs(text, per_paragraph, settings.duplicate_threshold)
        labels = [places.at(a, n) for n, (a, _) in enumerate(paragraphs, start=1)]
        sections = [places.section(a) for a, _ in paragraphs]
        previous_kept = False
        for number, spans in enumerate(per_paragraph, start=1):
            if number - 1 not in keep:
                previous_kept = False
                continue
            if not previous_kept or (number > 1 and sections[number - 1] != sections[number - 2]):
                segment += 1
            previous_kept = True
            code = in_code[number - 1]
            row = bool(in_rows) and in_rows[number - 1]
            place = labels[number - 1]
            for a, b in spans:
                words = max(len(ALNUM_RUN.findall(text, a, b)), 1)
                paragraph = 0 if page else number
                result.append(_Sentence(a, b, paragraph, segment, words, code, row, place))
        segment += 1
    return result


def _split(text: str, start: int, end: int, code: bool, row: bool) -> list[tuple[int, int]]:
    """A paragraph's sentences: code line by line, a table row whole, prose by sentence."""
    if row:
        return [strip_span(text, start, end)]
    return (split_lines if code else split_sentences)(text, start, end)


class _Places:
    """The named place of each paragraph (Document.parts, in order): the part's label, and in
    a part that counts its paragraphs the paragraph's number from the part's top. In a document
    with named places (office files, e-books) windows do not cross sections either (a sheet, a
    slide, a chapter), so a passage's section is that of each of its sentences."""

    def __init__(self, doc: Document) -> None:
        self.parts = doc.parts
        self.starts = [p.start for p in doc.parts]
        self.first: dict[int, int] = {}  # part index -> number of its first paragraph
        self.sections = doc.sections if doc.parts else ()
        self.section_starts = [s.start for s in self.sections]

    def section(self, offset: int) -> int:
        """Which section ``offset`` lies in: its index, or -1 - the index of the section before
        it when it lies between sections (always 0 when windows may cross sections)."""
        if not self.sections:
            return 0
        i = bisect.bisect_right(self.section_starts, offset) - 1
        return i if i >= 0 and offset < self.sections[i].end else -2 - i

    def at(self, offset: int, paragraph: int) -> str:
        """The place of the paragraph numbered ``paragraph`` that starts at ``offset`` (asked
        in order)."""
        if not self.parts:
            return ""
        i = bisect.bisect_right(self.starts, offset) - 1
        if i < 0 or offset >= self.parts[i].end:
            return ""
        part = self.parts[i]
        if not part.paragraphs:
            return part.label
        first = self.first.setdefault(i, paragraph)
        return f"{part.label}, paragraph {paragraph - first + 1}"


def _inside(spans: tuple[tuple[int, int], ...], offset: int) -> bool:
    """Whether ``offset`` lies in one of ``spans`` (in order, not overlapping)."""
    i = bisect.bisect_right(spans, (offset, _END)) - 1
    return i >= 0 and spans[i][0] <= offset < spans[i][1]


_END = 1 << 62  # greater than any offset


def split_lines(text: str, start: int, end: int) -> list[tuple[int, int]]:
    """The non-blank lines of ``text[start:end]`` (code is read line by line), without the
    spaces at their ends: a quoted line keeps its indentation out, its text verbatim."""
    spans: list[tuple[int, int]] = []
    pos = start
    while pos < end:
        stop = text.find("\n", pos, end)
        stop = end if stop < 0 else stop
        a, b = strip_span(text, pos, stop)
        if a < b:
            spans.append((a, b))
        pos = stop + 1
    return spans


def _unique_paragraphs(
    text: str, per_paragraph: list[list[tuple[int, int]]], threshold: float
) -> set[int]:
    """Indexes of paragraphs to keep: shortest first, drop those already covered by kept ones."""
    order = sorted(range(len(per_paragraph)), key=lambda i: sum(b - a for a, b in per_paragraph[i]))
    seen: set[str] = set()
    keep: set[int] = set()
    for i in order:
        keys = [_key(text[a:b]) for a, b in per_paragraph[i]]
        total = sum(len(k) for k in keys) or 1
        covered = sum(len(k) for k in keys if k in seen)
        if len(keys) > 0 and covered / total >= threshold and covered > 0:
            continue
        keep.add(i)
        seen.update(keys)
    return keep


def chunk_document(doc: Document, settings: ChunkerSettings | None = None) -> list[Chunk]:
    """Overlapping windows of whole sentences; windows do not cross pages or dropped text."""
    settings = settings or ChunkerSettings()
    sentences = _sentences(doc, settings)
    chunks: list[Chunk] = []
    i = 0
    n = len(sentences)
    while i < n:
        j = i + 1
        words = sentences[i].words
        max_chars = settings.max_words * CHARS_PERALNUM_RUN
        while (
            j < n
            and sentences[j].segment == sentences[i].segment
            and words + sentences[j].words <= settings.max_words
            and sentences[j].end - sentences[i].start <= max_chars
        ):
            words += sentences[j].words
            j += 1
        window = sentences[i:j]
        chunks.append(_make_chunk(doc, window))
        if j >= n:
            break
        if sentences[j].segment != sentences[i].segment:
            i = j
        else:
            i = max(i + 1, j - settings.overlap_sentences)
    return chunks


def _make_chunk(doc: Document, window: list[_Sentence]) -> Chunk:
    start, end = window[0].start, window[-1].end
    text = doc.text[start:end]
    page, ocr = None, False
    for p in doc.pages:
        if p.start <= start < p.end:
            page, ocr = p.number, p.ocr
    return Chunk(
        id=chunk_id(doc.source, text),
        source=doc.source,
        text=text,
        start=start,
        end=end,
        page=page,
        sentences=tuple((s.start - start, s.end - start) for s in window),
        paragraphs=tuple(s.paragraph for s in window),
        title=doc.title,
        section=doc.section_at(start),
        code=tuple(i for i, s in enumerate(window) if s.code),
        places=tuple(s.place for s in window) if any(s.place for s in window) else (),
        rows=tuple(i for i, s in enumerate(window) if s.row),
        ocr=ocr,
    )


def deduplicate(
    chunks: Iterable[Chunk], threshold: float = ChunkerSettings.duplicate_threshold
) -> tuple[list[Chunk], list[tuple[Chunk, str]]]:
    """Keep the first of any exact or near-duplicate chunks, in the given order.

    A chunk is dropped when all its sentences are already in kept chunks, or when at least
    ``threshold`` of its text is in kept chunks of *other* files. Neighbouring windows of the
    same file share only their overlap, so a window is never dropped for that alone: its other
    sentences would be lost (a short last sentence after a long overlapping one was).

    Returns the kept chunks and the dropped ones, each with the id of a chunk that holds its text.
    """
    kept: list[Chunk] = []
    dropped: list[tuple[Chunk, str]] = []
    whole: dict[str, str] = {}
    sentence_owner: dict[str, tuple[str, str]] = {}  # sentence key -> (chunk id, source)
    for chunk in chunks:
        keys = [_key(s) for s in chunk.sentence_texts()] or [_key(chunk.text)]
        whole_key = " ".join(keys)
        if whole_key in whole:
            dropped.append((chunk, whole[whole_key]))
            continue
        total = sum(len(k) for k in keys) or 1
        owners = [sentence_owner[k] for k in keys if k in sentence_owner]
        everything_seen = all(k in sentence_owner for k in keys)
        elsewhere = sum(
            len(k) for k in keys if k in sentence_owner and sentence_owner[k][1] != chunk.source
        )
        if owners and (everything_seen or elsewhere / total >= threshold):
            ids = [owner for owner, _ in owners]
            dropped.append((chunk, max(set(ids), key=ids.count)))
            continue
        kept.append(chunk)
        whole[whole_key] = chunk.id
        for k in keys:
            if k:
                sentence_owner.setdefault(k, (chunk.id, chunk.source))
    return kept, dropped
