"""Sparse retrieval: BM25 (bm25s) over stemmed, stop-word-free word tokens."""

from __future__ import annotations

import logging
import re
from collections.abc import Sequence
from functools import lru_cache
from pathlib import Path
from typing import Any

import numpy as np

_TOKEN = re.compile(r"\w+", re.UNICODE)


@lru_cache(maxsize=1)
def _stopwords() -> frozenset[str]:
    from bm25s.stopwords import STOPWORDS_EN

    return frozenset(STOPWORDS_EN)


@lru_cache(maxsize=1)
def _stemmer() -> Any:
    import Stemmer

    return Stemmer.Stemmer("english")


def _bm25s() -> Any:
    """Import bm25s, which sets its own logger to DEBUG on import; quiet it again."""
    import bm25s

    logging.getLogger("bm25s").setLevel(logging.WARNING)
    return bm25s


def tokenize(text: str) -> list[str]:
    """Lower-cased words, English stop words removed, Porter-stemmed."""
    stop = _stopwords()
    words = [w for w in _TOKEN.findall(text.lower()) if w not in stop and len(w) < 40]
    return list(_stemmer().stemWords(words))


_STEMS: dict[str, str] = {}  # word -> stem: a dict lookup is ~5x faster than the stemmer
_STEMS_MAX = 500_000  # words; cleared when full (an English vocabulary fits many times over)


def stems_of(words: Sequence[str]) -> list[str]:
    """The Porter stem of each word, remembered across calls."""
    cache = _STEMS
    new = [w for w in set(words) if w not in cache]
    if new:
        if len(cache) + len(new) > _STEMS_MAX:
            cache.clear()
        cache.update(zip(new, _stemmer().stemWords(new), strict=True))
    return [cache[w] for w in words]


def terms_by_span(text: str, spans: Sequence[tuple[int, int]]) -> list[frozenset[str]]:
    """The distinct :func:`tokenize` terms of each span of ``text``."""
    stop = _stopwords()
    per_span = [
        [w for w in _TOKEN.findall(text[a:b].lower()) if w not in stop and len(w) < 40]
        for a, b in spans
    ]
    stems = stems_of([w for words in per_span for w in words])
    out, at = [], 0
    for words in per_span:
        out.append(frozenset(stems[at : at + len(words)]))
        at += len(words)
    return out


class SparseIndex:
    def __init__(self, model: Any) -> None:
        self.model = model

    @classmethod
    def build(cls, texts: list[str], k1: float = 1.2, b: float = 0.75) -> SparseIndex:
        # The usual k1/b, checked on SciFact train with 120-word chunks (benchmarks/RESULTS.md):
        # k1 0.9-1.5 x b 0.4-0.9 moved BM25 nDCG@10 by < 0.01; the best BM25 (b 0.4) fused no
        # better (0.7348 vs 0.7351).
        model = _bm25s().BM25(k1=k1, b=b)
        corpus = [tokenize(t) for t in texts]
        model.index(corpus, show_progress=False)
        return cls(model)

    def scores(self, query: str) -> np.ndarray:
        """BM25 score of every row for one query (0 where no term matches)."""
        tokens = tokenize(query)
        n = int(self.model.scores["num_docs"])
        if not tokens or n == 0:
            return np.zeros(n, dtype=np.float32)
        return np.asarray(self.model.get_scores(tokens), dtype=np.float32)

    def rows_with(self, term: str) -> np.ndarray:
        """Rows whose text contains ``term`` (a token as :func:`tokenize` makes them)."""
        tid = self.model.vocab_dict.get(term)
        if tid is None or not term:
            return np.zeros(0, dtype=np.int64)
        indptr = self.model.scores["indptr"]
        return np.asarray(self.model.scores["indices"][indptr[tid] : indptr[tid + 1]])

    def document_frequency(self, term: str) -> int:
        """How many rows contain ``term``."""
        return len(self.rows_with(term))

    def save(self, folder: Path) -> None:
        self.model.save(str(folder), show_progress=False)

    @classmethod
    def load(cls, folder: Path) -> SparseIndex:
        return cls(_bm25s().BM25.load(str(folder), show_progress=False, verbosity=0))
