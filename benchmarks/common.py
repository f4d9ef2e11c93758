"""Shared pieces of the retrieval benchmarks: a vector cache, nDCG, and chunk-to-doc ranking.

Nothing here copies benchmark data into the project: corpora are read from ``../shared`` and
written only to temporary folders; ``benchmarks/.cache/`` (git-ignored) keeps embeddings.
"""

from __future__ import annotations

import hashlib
import math
import os
import time
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from index.chunking import chunk_document, deduplicate
from index.dense import DenseIndex
from index.documents import SkipFile
from index.embedding import Embedder
from index.loading import load, scan
from index.retriever import Index, Parts
from index.settings import IndexSettings
from index.sparse import SparseIndex

# DOCBOT_BENCH_CACHE moves it out of the checkout (a fresh clone then reuses the vectors).
CACHE_DIR = Path(os.environ.get("DOCBOT_BENCH_CACHE") or Path(__file__).resolve().parent / ".cache")


class CachingEmbedder:
    """The product's embedder behind a disk cache keyed by model and text hash.

    Only texts never seen before reach the model; new vectors are saved in blocks as they are
    computed, so an interrupted run keeps its work. Same ``model_id``/``dimension`` as the
    wrapped embedder, so indexes built through it are ordinary product indexes.
    """

    def __init__(self, inner: Embedder, folder: Path = CACHE_DIR, block: int = 256) -> None:
        self.inner = inner
        self.model_id = inner.model_id
        self.dimension = inner.dimension
        self.folder = folder / hashlib.sha1(self.model_id.encode()).hexdigest()[:12]
        self.folder.mkdir(parents=True, exist_ok=True)
        self.block = block
        self.encoded = 0  # texts that went through the model in this process
        self._vectors: dict[str, np.ndarray] = {}
        for shard in sorted(self.folder.glob("*.npz")):
            with np.load(shard) as data:
                for key, vector in zip(data["keys"], data["vectors"], strict=True):
                    self._vectors[str(key)] = vector

    @staticmethod
    def key(text: str) -> str:
        return hashlib.sha1(text.encode("utf-8")).hexdigest()

    def encode(
        self, texts: Sequence[str], progress: Callable[[int], None] | None = None
    ) -> np.ndarray:
        out = np.empty((len(texts), self.dimension), dtype=np.float32)
        missing: dict[str, list[int]] = {}
        for i, text in enumerate(texts):
            k = self.key(text)
            cached = self._vectors.get(k)
            if cached is None:
                missing.setdefault(k, []).append(i)
            else:
                out[i] = cached
        if progress:
            progress(len(texts) - sum(len(v) for v in missing.values()))
        keys = list(missing)
        for lo in range(0, len(keys), self.block):
            block = keys[lo : lo + self.block]
            vectors = self.inner.encode([texts[missing[k][0]] for k in block])
            self._save(block, vectors)
            for k, vector in zip(block, vectors, strict=True):
                self._vectors[k] = vector
                out[missing[k]] = vector
            self.encoded += len(block)
            if progress:
                progress(sum(len(missing[k]) for k in block))
        return out

    def _save(self, keys: list[str], vectors: np.ndarray) -> None:
        name = f"{time.time_ns()}-{os.getpid()}"
        tmp = self.folder / f"{name}.tmp.npz"
        np.savez(tmp, keys=np.array(keys), vectors=vectors.astype(np.float32))
        tmp.rename(self.folder / f"{name}.npz")


def ndcg_at(ranked: Sequence[str], relevant: Mapping[str, int], k: int = 10) -> float:
    """nDCG@k with gain = qrel score and a log2 discount; the ideal ranking comes from qrels."""
    dcg = sum(relevant.get(doc, 0) / math.log2(rank + 1) for rank, doc in enumerate(ranked[:k], 1))
    ideal_gains = sorted((g for g in relevant.values() if g > 0), reverse=True)[:k]
    idcg = sum(g / math.log2(rank + 1) for rank, g in enumerate(ideal_gains, 1))
    return dcg / idcg if idcg > 0 else 0.0


def recall_at(ranked: Sequence[str], relevant: Mapping[str, int], k: int) -> float:
    wanted = {d for d, g in relevant.items() if g > 0}
    return len(wanted & set(ranked[:k])) / len(wanted) if wanted else 0.0


def docs_by_max(scored: Iterable[tuple[str, float]]) -> list[str]:
    """Doc ids ordered by their best chunk's score (ties: first seen wins)."""
    best: dict[str, float] = {}
    for doc, score in scored:
        if doc not in best or score > best[doc]:
            best[doc] = score
    return sorted(best, key=lambda d: -best[d])


@dataclass(frozen=True)
class Assembled:
    index: Index
    chunks: int
    duplicates: int
    skipped: int
    embedded: int  # texts that went through the model (the rest came from the cache)
    seconds: float


def assemble_index(docs: Path, embedder: CachingEmbedder, settings: IndexSettings) -> Assembled:
    """An in-memory product ``Index`` over ``docs``, made the way ``index.build`` makes one.

    Same steps and functions as ``build`` (scan, load, ``chunk_document``, ``deduplicate``,
    embed, ``DenseIndex.build``, ``SparseIndex.build``), searched by the product's own
    ``Index.search_encoded``. It skips what ranking never reads (answer-unit vectors, files on
    disk, the swap), which would otherwise multiply the embedding work on 5k abstracts.
    """
    t0 = time.monotonic()
    before = embedder.encoded
    files, skipped = scan(docs, settings.max_file_bytes)
    n_skipped = len(skipped)
    candidates = []
    for f in files:
        try:
            candidates.extend(chunk_document(load(f), settings.chunker))
        except SkipFile:
            n_skipped += 1
    kept, dropped = deduplicate(candidates, settings.chunker.duplicate_threshold)
    vectors = embedder.encode([c.text for c in kept])
    index = Index(
        Parts(
            folder=docs,
            manifest={"chunker": settings.chunker.as_dict(), "files": {}},
            chunks=kept,
            vectors=vectors,
            dense=DenseIndex.build(vectors, settings.dense_kind),
            sparse=SparseIndex.build([c.text for c in kept]),
        ),
        embedder=embedder,
        settings=settings,
    )
    return Assembled(
        index=index,
        chunks=len(kept),
        duplicates=len(dropped),
        skipped=n_skipped,
        embedded=embedder.encoded - before,
        seconds=time.monotonic() - t0,
    )
