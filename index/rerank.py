"""Re-ranking the fused candidates by their best answer unit.

A passage is a window of ~120 words; the question is usually answered by one sentence of it.
Fusion scores whole passages, so inside a long document the passage that *mentions* the topic
most can outrank the one whose sentence answers. The re-ranker looks at the top ``depth`` fused
candidates sentence by sentence (the answer units the index already stores, ``index.units``)
and adds to each passage's fused score the score of its best unit:

    unit = cosine(question, unit vector) + OVERLAP * local overlap

where *local overlap* is the share of the question's terms the unit contains, each term
weighted by its IDF over the collection times its IDF inside the candidate's own document (a
term every passage of that document uses, like "Yuan" in the Yuan dynasty article, tells its
passages apart no better than a stop word). The best unit's score enters relative to the best
candidate's, so the re-ranker only reorders candidates; nothing else in the index changes.

Weights chosen over news, Wikipedia and SciFact train together (benchmarks/passages.py,
benchmarks/RESULTS.md, issue 12).
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np

from index.chunking import Chunk
from index.statistics import Sources, idf
from index.text import sentence_spans, terms_by_span, tokenize
from index.units import unit_bounds

RowsWith = Callable[[str], np.ndarray]  # rows whose text has a term (SparseIndex.rows_with)
COSINE = 1.0
OVERLAP = 0.8


@dataclass(frozen=True)
class Candidate:
    """One fused candidate as the re-ranker reads it."""

    row: int
    chunk: Chunk
    fused: float
    dense: float  # the passage's cosine: stands in for unit vectors an index lacks
    units: np.ndarray | None  # its answer-unit vectors (float32), or None


class UnitTerms:
    """Each passage's answer units as sets of stemmed terms, kept for the most recently
    re-ranked ``size`` rows (the same passages come back question after question)."""

    def __init__(self, size: int = 4096) -> None:
        self.size = size
        self._rows: OrderedDict[int, list[frozenset[str]]] = OrderedDict()
        self._lock = threading.Lock()

    def of(self, row: int, chunk: Chunk) -> list[frozenset[str]]:
        with self._lock:
            found = self._rows.get(row)
            if found is not None:
                self._rows.move_to_end(row)
                return found
        sentences = terms_by_span(chunk.text, sentence_spans(chunk))
        found = [frozenset().union(*sentences[a : b + 1]) for a, b in unit_bounds(chunk)]
        with self._lock:
            self._rows[row] = found
            while len(self._rows) > self.size:
                self._rows.popitem(last=False)
        return found


class Question:
    """A question's terms weighted by their IDF over the collection, and per document."""

    def __init__(self, text: str, rows_with: RowsWith, passages: int, sources: Sources) -> None:
        self.idf: dict[str, float] = {}
        self.per_doc: dict[str, np.ndarray] = {}
        self.sources = sources
        self._local: dict[str, tuple[dict[str, float], float]] = {}
        for term in dict.fromkeys(tokenize(text)):
            rows = rows_with(term)
            self.idf[term] = idf(passages, len(rows))
            self.per_doc[term] = sources.frequencies(rows)

    def weights_in(self, source: str) -> tuple[dict[str, float], float]:
        """Term weights inside one document (collection IDF x the document's IDF), and their
        sum."""
        cached = self._local.get(source)
        if cached is None:
            sid = self.sources.ids.get(source)
            size = float(self.sources.sizes[sid]) if sid is not None else 0.0
            weights = {
                t: w * idf(size, int(self.per_doc[t][sid])) if sid is not None else w
                for t, w in self.idf.items()
            }
            cached = self._local[source] = (weights, sum(weights.values()))
        return cached


def best_unit(
    vector: np.ndarray,
    candidate: Candidate,
    terms: list[frozenset[str]],
    question: Question,
    weights: tuple[float, float] = (COSINE, OVERLAP),
) -> float:
    """The best score of one candidate's answer units (module docstring)."""
    cosine_weight, overlap_weight = weights
    term_weights, total = question.weights_in(candidate.chunk.source)
    units = candidate.units
    cosines = (
        units @ vector
        if units is not None and len(units) == len(terms)
        else np.full(len(terms), candidate.dense, dtype=np.float32)
    )
    best = cosine_weight * candidate.dense  # a passage scores at least as its own cosine
    for have, cosine in zip(terms, cosines, strict=True):
        share = sum(w for t, w in term_weights.items() if t in have) / total if total else 0.0
        best = max(best, cosine_weight * float(cosine) + overlap_weight * share)
    return float(best)


def rerank(
    question: Question,
    vector: np.ndarray,
    candidates: Sequence[Candidate],
    unit_terms: UnitTerms,
    weights: tuple[float, float] = (COSINE, OVERLAP),
) -> np.ndarray:
    """New scores for ``candidates``: fused score + best unit - the best candidate's best unit."""
    if not candidates:
        return np.zeros(0, dtype=np.float32)
    units = np.array(
        [
            best_unit(vector, c, unit_terms.of(c.row, c.chunk), question, weights)
            for c in candidates
        ],
        dtype=np.float32,
    )
    fused = np.array([c.fused for c in candidates], dtype=np.float32)
    return np.asarray(fused + units - units.max(), dtype=np.float32)
