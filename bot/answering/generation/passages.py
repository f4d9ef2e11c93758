"""The passages a model is shown, numbered [1]..[k] as the prompt numbers them."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from index.retriever import Hit
from index.text import sentence_spans, split_sentences


@dataclass(frozen=True)
class Passage:
    """Passage ``n`` of a prompt: its text and sentence spans (a retrieved chunk's, or split
    from plain text for the calibration set), and the hit it came from, if any."""

    n: int
    text: str
    spans: tuple[tuple[int, int], ...]
    hit: Hit | None = None
    source: str = ""

    @classmethod
    def of_hit(cls, n: int, hit: Hit) -> Passage:
        chunk = hit.chunk
        return cls(n, chunk.text, sentence_spans(chunk), hit, chunk.source)

    @classmethod
    def of_text(cls, n: int, text: str) -> Passage:
        spans = tuple(split_sentences(text)) or ((0, len(text)),)
        return cls(n, text, spans)

    @property
    def sentences(self) -> list[str]:
        return [self.text[a:b] for a, b in self.spans]


def passages_of(hits: Sequence[Hit], limit: int) -> tuple[Passage, ...]:
    """The first ``limit`` distinct passages of ``hits``, numbered from 1 in rank order."""
    out: list[Passage] = []
    seen: set[str] = set()
    for hit in hits:
        if hit.chunk.id in seen:
            continue
        seen.add(hit.chunk.id)
        out.append(Passage.of_hit(len(out) + 1, hit))
        if len(out) >= limit:
            break
    return tuple(out)
