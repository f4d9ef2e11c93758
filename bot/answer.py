"""Answers: the sentences of the documents that answer a question, each cited."""

from __future__ import annotations

from dataclasses import dataclass, field


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

    @property
    def cited(self) -> str:
        return self.quote[self.highlight[0] : self.highlight[1]]


@dataclass(frozen=True)
class Answer:
    question: str  # as asked
    resolved: str  # as searched, after resolving a follow-up against the conversation
    text: str  # the answer with [n] markers, or the "not in the documents" sentence
    found: bool
    citations: tuple[Citation, ...] = ()
    related: tuple[str, ...] = field(default=())  # closest topics when not found
