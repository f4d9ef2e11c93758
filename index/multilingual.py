"""The multilingual vector space: questions and passages in Russian and Kazakh, and questions
in one language about documents in another.

all-MiniLM-L6-v2 (the index's own embedder) reads English only. With
``IndexSettings.multilingual`` every passage is also embedded by multilingual-e5-small
(``index.e5``), with its answer units pooled from the same forward pass, into the build's
``multilingual/`` folder (``vectors.npy``, ``dense.faiss``, ``units.npy``; the units' offsets are
the index's own). A question is then searched in the space that reads it
(:func:`space_for`): English questions over English passages in MiniLM's, as before; anything
else in e5's, where a Russian question and an English passage meet.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

from index.embedding import Embedder, unit_pooling
from index.languages import ENGLISH

SPACE = "multilingual"  # the build folder's subfolder, and the manifest's key

_lock = threading.Lock()
_model: Any = None


def model(threads: int = 1) -> Any:
    """The process's multilingual embedder (``index.e5``), loaded on first use."""
    global _model
    with _lock:
        if _model is None:
            from index.e5 import load_e5

            _model = load_e5(threads)
        return _model


class Questions:
    """The multilingual model as the embedder of questions (e5 reads a question after
    "query: " and a passage after "passage: ")."""

    def __init__(self, embedder: Any) -> None:
        self.embedder = embedder
        self.model_id = str(embedder.model_id)
        self.dimension = int(embedder.dimension)

    def encode(
        self, texts: Sequence[str], progress: Callable[[int], None] | None = None
    ) -> np.ndarray:
        vectors = self.embedder.encode_queries(list(texts))
        if progress:
            progress(len(texts))
        return np.asarray(vectors, dtype=np.float32)


def manifest_entry(embedder: Embedder, languages: dict[str, int]) -> dict[str, Any]:
    """What the manifest records of the space: its model, and the passages per language."""
    return {
        "model": embedder.model_id,
        "dimension": embedder.dimension,
        "unit_pooling": unit_pooling(embedder),
        "languages": dict(sorted(languages.items())),
    }


def foreign_passages(manifest: dict[str, Any]) -> int:
    """How many passages of the build are not in English."""
    languages = (manifest.get(SPACE) or {}).get("languages", {})
    return sum(int(n) for lang, n in languages.items() if lang != ENGLISH)


def space_for(language: str, manifest: dict[str, Any]) -> str:
    """The space a question in ``language`` is searched in: English questions over an
    all-English collection stay in the index's own space ("")."""
    if SPACE not in manifest:
        return ""
    if language == ENGLISH and foreign_passages(manifest) == 0:
        return ""
    return SPACE
