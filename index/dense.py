"""Dense retrieval: normalised vectors in FAISS, scored by inner product (= cosine)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import faiss
import numpy as np

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

    def search(self, queries: np.ndarray, k: int) -> tuple[np.ndarray, np.ndarray]:
        """Top ``k`` (scores, row ids) per query; ids of -1 mean "no more rows"."""
        k = min(k, len(self))
        if k <= 0:
            empty = np.zeros((len(queries), 0))
            return empty.astype(np.float32), empty.astype(np.int64)
        if self.kind == "hnsw":
            self.index.hnsw.efSearch = max(64, 2 * k)
        scores, ids = self.index.search(np.ascontiguousarray(queries, dtype=np.float32), k)
        return scores, ids

    def save(self, path: Path) -> None:
        faiss.write_index(self.index, str(path))

    @classmethod
    def load(cls, path: Path, kind: str) -> DenseIndex:
        return cls(faiss.read_index(str(path)), kind)
