"""A tiny deterministic embedder for tests that need no real model."""

from __future__ import annotations

import hashlib
import re
from collections.abc import Callable, Sequence

import numpy as np


class FakeEmbedder:
    """Deterministic bag-of-words hashing embedder: texts sharing words get similar vectors."""

    model_id = "fake-hashing-64"
    dimension = 64

    def __init__(self) -> None:
        self.calls = 0
        self.texts_encoded = 0

    def encode(
        self, texts: Sequence[str], progress: Callable[[int], None] | None = None
    ) -> np.ndarray:
        self.calls += 1
        self.texts_encoded += len(texts)
        out = np.zeros((len(texts), self.dimension), dtype=np.float32)
        for i, text in enumerate(texts):
            for word in re.findall(r"\w+", text.lower()):
                h = int.from_bytes(hashlib.md5(word.encode()).digest()[:4], "little")
                out[i, h % self.dimension] += 1.0 if (h >> 16) & 1 else -1.0
            norm = np.linalg.norm(out[i])
            out[i] = out[i] / norm if norm else out[i]
        if progress:
            progress(len(texts))
        return out
