"""docbot's retrieval engine: files -> chunks -> vectors and terms -> index folder -> hits.

The verbs: :func:`build` (incremental unless ``full``), :func:`load` and
:meth:`Index.search`. This package never imports ``bot``.

The names below are imported on first use (a module ``__getattr__``), so importing a light
module of the package (``index.errors``, ``index.settings``) loads no FAISS, numpy or model.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from index.lazy import names_from

if TYPE_CHECKING:
    from index.builder import build
    from index.chunking import Chunk
    from index.embedding import (
        Embedder,
        SentenceTransformerEmbedder,
        TorchBertEmbedder,
        load_embedder,
    )
    from index.report import BuildReport
    from index.retriever import Hit, Index
    from index.settings import ChunkerSettings, IndexSettings

__getattr__ = names_from(
    __name__,
    {
        "BuildReport": "index.report",
        "build": "index.builder",
        "Chunk": "index.chunking",
        "ChunkerSettings": "index.settings",
        "Embedder": "index.embedding",
        "SentenceTransformerEmbedder": "index.embedding",
        "TorchBertEmbedder": "index.embedding",
        "load_embedder": "index.embedding",
        "Hit": "index.retriever",
        "Index": "index.retriever",
        "IndexSettings": "index.settings",
    },
)


def load(root: Path, embedder: Embedder, settings: IndexSettings | None = None) -> Index:
    from index.retriever import Index

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
