"""docbot's retrieval engine: files -> chunks -> vectors and terms -> index folder -> hits.

The verbs: :func:`build` (incremental unless ``full``), :func:`load` and
:meth:`Index.search`. This package never imports ``bot``.
"""

from __future__ import annotations

from pathlib import Path

from index.build import BuildReport, build
from index.chunking import Chunk, ChunkerSettings
from index.embedding import Embedder, SentenceTransformerEmbedder, TorchBertEmbedder, load_embedder
from index.retriever import Hit, Index, IndexSettings


def load(root: Path, embedder: Embedder, settings: IndexSettings | None = None) -> Index:
    return Index.load(root, embedder, settings)


__all__ = [
    "BuildReport",
    "Chunk",
    "ChunkerSettings",
    "Embedder",
    "Hit",
    "Index",
    "IndexSettings",
    "SentenceTransformerEmbedder",
    "TorchBertEmbedder",
    "build",
    "load",
    "load_embedder",
]
