"""What an answer is: its text with ``[n]`` markers, the citations that quote the documents, the
short answer, and :func:`check`, the invariant every answer shown must hold. Plain dataclasses
and their JSON, so the front ends read answers without loading what makes them
(``bot.answering.composer``)."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from bot.answering.errors import AnswerCheckError

NOT_FOUND_TEXT = "The documents do not cover this question."

# The markers that tie an answer's text to its citations: an answer writes "[n]"; a model's
# reply may write "[1, 2]" or "[ 3 ]" (``bot.answering.generation.verify`` reads those).
MARKER = re.compile(r"\[(\d+)\]")
MARKER_LIST = r"\[\s*(\d+(?:\s*[,;]\s*\d+)*)\s*\]"


def normalize(text: str) -> str:
    """``text`` with its white space runs made single spaces (how cited text is compared)."""
    return " ".join(text.split())


@dataclass(frozen=True)
class Citation:
    """Source ``n`` of an answer: a passage quoted from ``source``.

    ``quote`` is the passage cut to a readable length around the cited sentence(s);
    ``quote[highlight[0]:highlight[1]]`` is the cited text, verbatim.
    """

    n: int
    source: str  # relative to the documents folder
    location: str  # "paragraph 4", "page 2", ...
    quote: str
    highlight: tuple[int, int]
    score: float
    chunk_id: str
    title: str = ""  # the document's title, as retrieval used it

    @property
    def cited(self) -> str:
        return self.quote[self.highlight[0] : self.highlight[1]]

    @property
    def highlight_inside(self) -> bool:
        """True when the highlight is a non-empty span inside the quote."""
        a, b = self.highlight
        return 0 <= a < b <= len(self.quote)


@dataclass(frozen=True)
class ShortAnswer:
    """The phrase that answers, quoted: ``citations[n - 1].quote[start:end] == text``, inside
    the text that citation highlights."""

    text: str
    n: int
    start: int
    end: int
    confidence: float = 0.0  # the phrase model's probability

    def to_json(self) -> dict[str, object]:
        return {"text": self.text, "n": self.n, "start": self.start, "end": self.end}


@dataclass(frozen=True)
class Answer:
    question: str  # as asked
    resolved: str  # as searched, after resolving a follow-up against the conversation
    text: str  # the answer with [n] markers, or the "not in the documents" sentence
    found: bool
    citations: tuple[Citation, ...] = ()
    related: tuple[str, ...] = field(default=())  # closest topics when not found
    score: float = 0.0  # the best unit's score, compared with ``min_answer_score``
    short: ShortAnswer | None = None  # the answering phrase, when the question asks for one
    confidence: float | None = None  # the answerability model's probability, when it ran

    def to_json(self) -> dict[str, object]:
        """Every field of a plain :class:`Answer` as JSON values (a subclass such as
        ``CheckedAnswer`` gives its ``Answer`` fields only); :meth:`from_json` reads it back."""
        short = self.short
        return {
            "question": self.question,
            "resolved": self.resolved,
            "text": self.text,
            "found": self.found,
            "citations": [_citation_json(c) for c in self.citations],
            "related": list(self.related),
            "score": float(self.score),
            "short": None
            if short is None
            else {
                "text": short.text,
                "n": short.n,
                "start": short.start,
                "end": short.end,
                "confidence": float(short.confidence),
            },
            "confidence": None if self.confidence is None else float(self.confidence),
        }

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Answer:
        """The answer :meth:`to_json` wrote (always a plain :class:`Answer`)."""
        short = data.get("short")
        return Answer(
            question=data["question"],
            resolved=data["resolved"],
            text=data["text"],
            found=bool(data["found"]),
            citations=tuple(
                Citation(**{**c, "highlight": tuple(c["highlight"])}) for c in data["citations"]
            ),
            related=tuple(data.get("related", ())),
            score=float(data.get("score", 0.0)),
            short=ShortAnswer(**short) if short is not None else None,
            confidence=data.get("confidence"),
        )


def _citation_json(c: Citation) -> dict[str, object]:
    return {
        "n": c.n,
        "source": c.source,
        "location": c.location,
        "quote": c.quote,
        "highlight": [int(c.highlight[0]), int(c.highlight[1])],
        "score": float(c.score),
        "chunk_id": c.chunk_id,
        "title": c.title,
    }


def check(answer: Answer) -> None:
    """Raise AnswerCheckError unless every [n] maps to citation n, whose quote contains the
    text cited before that marker, and every citation is cited."""
    markers = list(MARKER.finditer(answer.text))
    if not answer.found:
        if answer.citations or markers or answer.short:
            raise AnswerCheckError(answer.question, "a not-found answer cites sources")
        return
    if not answer.citations or not markers:
        raise AnswerCheckError(answer.question, "an answer without citations")
    by_n = {c.n: c for c in answer.citations}
    if len(by_n) != len(answer.citations):
        raise AnswerCheckError(answer.question, "two citations share a number")
    pos = 0
    for m in markers:
        _check_marker(answer, by_n, int(m.group(1)), answer.text[pos : m.start()])
        pos = m.end()
    if normalize(answer.text[pos:]):
        raise AnswerCheckError(answer.question, "the answer ends with uncited text")
    if {int(m.group(1)) for m in markers} != set(by_n):
        raise AnswerCheckError(answer.question, "a citation is listed but never cited")
    if answer.short is not None:
        _check_short(answer, answer.short, by_n)


def _check_marker(answer: Answer, by_n: dict[int, Citation], n: int, before: str) -> None:
    """Marker ``[n]`` names a citation that highlights inside its quote exactly ``before``."""
    citation = by_n.get(n)
    if citation is None:
        raise AnswerCheckError(answer.question, f"[{n}] has no citation")
    if not citation.highlight_inside:
        raise AnswerCheckError(answer.question, f"citation {n} highlights outside its quote")
    said = normalize(before)
    if not said or normalize(citation.cited) != said:
        raise AnswerCheckError(
            answer.question, f"the text before [{n}] is not the sentence citation {n} quotes"
        )


def _check_short(answer: Answer, short: ShortAnswer, by_n: dict[int, Citation]) -> None:
    citation = by_n.get(short.n)
    if citation is None:
        raise AnswerCheckError(answer.question, f"the short answer cites [{short.n}], not listed")
    a, b = citation.highlight
    if not (a <= short.start < short.end <= b):
        raise AnswerCheckError(answer.question, "the short answer lies outside its cited text")
    if citation.quote[short.start : short.end] != short.text:
        raise AnswerCheckError(answer.question, "the short answer is not quoted verbatim")
