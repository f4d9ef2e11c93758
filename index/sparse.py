"""Sparse retrieval: BM25 (bm25s) over the terms of ``index.text.tokenize``."""

from __future__ import annotations

import logging
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from index.text import tokenize

if TYPE_CHECKING:
    from index.scope import ScopeRows


def _bm25s() -> Any:
    """Import bm25s, which sets its own logger to DEBUG on import; quiet it again."""
    import bm25s

    logging.getLogger("bm25s").setLevel(logging.WARNING)
    return bm25s


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

    def scores(self, query: str, within: ScopeRows | None = None) -> np.ndarray:
        """BM25 score of every row for one query (0 where no term matches, and for the rows
        outside ``within`` when it is given)."""
        tokens = tokenize(query)
        n = int(self.model.scores["num_docs"])
        if not tokens or n == 0:
            return np.zeros(n, dtype=np.float32)
        scores = np.asarray(self.model.get_scores(tokens), dtype=np.float32)
        if within is not None:
            scores[~within.mask] = 0.0
        return scores

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
