"""Writing the answer for what was chosen: each unit quoted as a citation (whole sentences around
it) and followed by its ``[n]``, the short answer placed in the first quote, or "not in the
documents" with the closest passages as related. Every answer passes :func:`check`."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

from bot.answering.answers import NOT_FOUND_TEXT, Answer, Citation, ShortAnswer, check, normalize
from index.text import sentence_spans
from index.units import SIGNATURE_LINES

if TYPE_CHECKING:
    from bot.answering.choosing import Reading, Unit
    from index.chunking import Chunk
    from index.retriever import Hit

QUOTE_CHARS = 500  # a quote grows by whole sentences around the cited text up to this length
# In technical text the cited text goes on to the end of its paragraph while it stays this short:
# there a paragraph is one item (an option, a function: "Default: 1000." after "Specifies the
# maximum number of keys"). On the technical training pages the reply then holds the answer for
# 0.55 of answerable questions instead of 0.49 (benchmarks/RESULTS.md, "Technical documentation").
# Prose keeps its sentence: there the rest of the paragraph is what a follow-up asks for.
PARAGRAPH_CHARS = 450
RELATED = 3  # closest passages offered when nothing answers


def cite(
    question: str,
    resolved: str,
    units: Sequence[Unit],
    score: float,
    reading: Reading | None = None,
) -> Answer:
    """The answer quoting ``units`` (best first), each followed by its marker."""
    citations = [quote(unit, n) for n, unit in enumerate(units, start=1)]
    answer = Answer(
        question=question,
        resolved=resolved,
        text=" ".join(f"{normalize(c.cited)} [{c.n}]" for c in citations),
        found=True,
        citations=tuple(citations),
        score=round(score, 4),
        short=short_answer(citations[0], reading),
        confidence=None if reading is None else round(reading.confidence, 4),
    )
    check(answer)
    return answer


def short_answer(citation: Citation, reading: Reading | None) -> ShortAnswer | None:
    """The reading's phrase placed in citation's quote (its offsets are into the cited text)."""
    if reading is None or reading.phrase is None:
        return None
    start, end, probability = reading.phrase
    a = citation.highlight[0]
    text = citation.quote[a + start : a + end]
    return ShortAnswer(text, citation.n, a + start, a + end, round(probability, 4))


def quote(unit: Unit, n: int) -> Citation:
    """Citation ``n``: whole sentences around the unit, up to ``QUOTE_CHARS``."""
    chunk = unit.hit.chunk
    spans = sentence_spans(chunk)
    lo, hi = unit.first, _cited_end(unit, spans)
    start, end = spans[lo][0], spans[hi][1]
    grew = True
    while grew:
        grew = False
        if lo > 0 and spans[hi][1] - spans[lo - 1][0] <= QUOTE_CHARS:
            lo -= 1
            grew = True
        if hi + 1 < len(spans) and spans[hi + 1][1] - spans[lo][0] <= QUOTE_CHARS:
            hi += 1
            grew = True
    q0 = spans[lo][0]
    return Citation(
        n=n,
        source=chunk.source,
        location=chunk.location(unit.last),
        quote=chunk.text[q0 : spans[hi][1]],
        highlight=(start - q0, end - q0),
        score=round(unit.score, 4),
        chunk_id=chunk.id,
        title=chunk.title,
    )


def cited_text(unit: Unit) -> str:
    """What quoting ``unit`` cites: its sentences, those it continues into, and in technical
    text the rest of a short paragraph (:func:`rest_of_paragraph`)."""
    chunk = unit.hit.chunk
    spans = sentence_spans(chunk)
    return chunk.text[spans[unit.first][0] : spans[_cited_end(unit, spans)][1]]


def _cited_end(unit: Unit, spans: Sequence[tuple[int, int]]) -> int:
    if not unit.technical:
        return unit.end
    last = rest_of_paragraph(unit.hit.chunk, spans, unit.first, unit.end)
    return code_after(unit.hit.chunk, spans, unit.first, last)


def code_after(chunk: Chunk, spans: Sequence[tuple[int, int]], first: int, last: int) -> int:
    """The last sentence to cite after sentences ``first..last``: the short block of code right
    after them (at most ``SIGNATURE_LINES`` lines), which they introduce ("... should be used."
    then ``#define CHUNK 16384``), while the cited text stays within ``PARAGRAPH_CHARS``."""
    code = frozenset(chunk.code)
    end = last
    while end + 1 < len(spans) and end + 1 in code:
        end += 1
    if last in code or not 0 < end - last <= SIGNATURE_LINES:
        return last
    return end if spans[end][1] - spans[first][0] <= PARAGRAPH_CHARS else last


def rest_of_paragraph(chunk: Chunk, spans: Sequence[tuple[int, int]], first: int, last: int) -> int:
    """The last sentence to cite after sentences ``first..last``: the rest of their paragraph,
    while the cited text stays within ``PARAGRAPH_CHARS``."""
    paragraphs = chunk.paragraphs
    here = paragraphs[last] if last < len(paragraphs) else 0
    while (
        here
        and last + 1 < len(spans)
        and last + 1 < len(paragraphs)
        and paragraphs[last + 1] == here
        and spans[last + 1][1] - spans[first][0] <= PARAGRAPH_CHARS
    ):
        last += 1
    return last


def not_found(
    question: str,
    resolved: str,
    hits: Sequence[Hit],
    score: float = 0.0,
    confidence: float | None = None,
) -> Answer:
    """The documents do not answer: cite nothing, offer the closest passages as related."""
    related: list[str] = []
    for hit in hits:
        where = ", ".join(p for p in (hit.chunk.source, hit.chunk.location()) if p)
        if where not in related:
            related.append(where)
        if len(related) >= RELATED:
            break
    answer = Answer(
        question=question,
        resolved=resolved,
        text=NOT_FOUND_TEXT,
        found=False,
        related=tuple(related),
        score=round(score, 4),
        confidence=None if confidence is None else round(confidence, 4),
    )
    check(answer)
    return answer
