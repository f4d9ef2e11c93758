"""Sentence vectors by text (bounded, LRU), for texts an index does not store vectors of: the
same passages come back question after question, so most answers encode only the query."""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Sequence
from typing import TYPE_CHECKING

import numpy as np

if TYPE_CHECKING:
    from index.embedding import Embedder


class VectorCache:
    """Thread-safe; keyed by the embedder's ``model_id`` and the text."""

    def __init__(self, size: int = 20_000) -> None:
        self.size = size
        self._rows: OrderedDict[tuple[str, str], np.ndarray] = OrderedDict()
        self._lock = threading.Lock()

    def encode(self, embedder: Embedder, texts: Sequence[str]) -> np.ndarray:
        """The vectors of ``texts`` (one row each), encoding only those not cached."""
        model = getattr(embedder, "model_id", "")
        with self._lock:
            missing = [t for t in dict.fromkeys(texts) if (model, t) not in self._rows]
        if missing:
            vectors = embedder.encode(missing)
            with self._lock:
                for text, vector in zip(missing, vectors, strict=True):
                    self._rows[(model, text)] = vector
                while len(self._rows) > self.size:
                    self._rows.popitem(last=False)
        with self._lock:
            rows = []
            for t in texts:
                self._rows.move_to_end((model, t))
                rows.append(self._rows[(model, t)])
        return np.stack(rows) if rows else np.zeros((0, 1), dtype=np.float32)
