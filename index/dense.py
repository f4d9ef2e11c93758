"""Dense retrieval: normalised vectors in FAISS, scored by inner product (= cosine)."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

import faiss
import numpy as np

if TYPE_CHECKING:
    from index.scope import ScopeRows

KINDS = ("flat", "hnsw")


class DenseIndex:
    """Exact (``flat``) by default; ``hnsw`` is approximate and faster on large collections."""

    def __init__(self, index: Any, kind: str) -> None:
        self.index = index
        self.kind = kind

    @classmethod
    def build(cls, vectors: np.ndarray, kind: str = "flat", hnsw_m: int = 32) -> DenseIndex:
        if kind not in KINDS:
            raise ValueError(f"unknown FAISS index kind {kind!r}; use one of {', '.join(KINDS)}")
        dim = int(vectors.shape[1])
        index: Any
        if kind == "hnsw":
            hnsw = faiss.IndexHNSWFlat(dim, hnsw_m, faiss.METRIC_INNER_PRODUCT)
            hnsw.hnsw.efConstruction = 80
            index = hnsw
        else:
            index = faiss.IndexFlatIP(dim)
        if len(vectors):
            index.add(np.ascontiguousarray(vectors, dtype=np.float32))
        return cls(index, kind)

    def __len__(self) -> int:
        return int(self.index.ntotal)

    def search(
        self, queries: np.ndarray, k: int, within: ScopeRows | None = None
    ) -> tuple[np.ndarray, np.ndarray]:
        """Top ``k`` (scores, row ids) per query, only rows of ``within`` when given (FAISS
        skips the others while it searches); ids of -1 mean "no more rows"."""
        k = min(k, len(self) if within is None else within.count)
        if k <= 0:
            empty = np.zeros((len(queries), 0))
            return empty.astype(np.float32), empty.astype(np.int64)
        x = np.ascontiguousarray(queries, dtype=np.float32)
        ef = max(64, 2 * k)
        if within is None:
            if self.kind == "hnsw":
                self.index.hnsw.efSearch = ef
            scores, ids = self.index.search(x, k)
            return scores, ids
        swig: Any = faiss  # the search parameters' SWIG classes, which its stubs do not know
        bitmap = np.packbits(within.mask, bitorder="little")  # kept alive through the search
        selector = swig.IDSelectorBitmap(len(within.mask), swig.swig_ptr(bitmap))
        params = (
            swig.SearchParametersHNSW(sel=selector, efSearch=ef)
            if self.kind == "hnsw"
            else swig.SearchParameters(sel=selector)
        )
        scores, ids = self.index.search(x, k, params=params)
        return scores, ids

    def save(self, path: Path) -> None:
        faiss.write_index(self.index, str(path))

    @classmethod
    def load(cls, path: Path, kind: str) -> DenseIndex:
        return cls(faiss.read_index(str(path)), kind)
