"""A loaded index and its ``search``: dense (FAISS) and sparse (BM25) candidates, fused,
re-ranked by their best answer unit (``index.rerank``), then the top few read again by a
cross-encoder (``index.cross_encoder``) when the settings ask for it."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any, Protocol

import numpy as np

from index import cross_encoder, disk, integrity, multilingual
from index.chunking import Chunk
from index.dense import DenseIndex
from index.embedding import Embedder
from index.errors import IndexCorruptError, IndexIncompatibleError
from index.fusion import fuse, minmax
from index.languages import detect
from index.rerank import Candidate, Question, UnitTerms, rerank
from index.scope import Scope, ScopeRows
from index.settings import IndexSettings
from index.sparse import SparseIndex
from index.statistics import Sources, Stats


class DenseSearch(Protocol):
    """Nearest rows by inner product: FAISS (``index.dense``) or PostgreSQL (``index.postgres``)."""

    def search(
        self, queries: np.ndarray, k: int, within: ScopeRows | None = None
    ) -> tuple[np.ndarray, np.ndarray]:
        """Only rows of ``within`` when it is given."""

    def __len__(self) -> int: ...


@dataclass(frozen=True)
class Hit:
    """One ranked passage. ``score`` is the fused score; ``dense`` is the cosine similarity."""

    chunk: Chunk
    score: float
    dense: float
    sparse: float
    rank: int
    row: int = -1  # the chunk's row in the index (-1: not from an index)
    cross: float | None = None  # the cross-encoder's logit, when it read this passage


@dataclass(frozen=True)
class Space:
    """A second vector space of a build (``index.multilingual``): its chunk vectors, their
    dense search and its answer-unit vectors (the units' offsets are the build's)."""

    vectors: np.ndarray
    dense: DenseSearch
    units: np.ndarray

    @classmethod
    def load(cls, folder: Path, kind: str) -> Space:
        return cls(
            np.load(folder / disk.VECTORS, mmap_mode="r"),
            DenseIndex.load(folder / disk.DENSE, kind),
            np.load(folder / disk.UNITS, mmap_mode="r"),
        )


@dataclass(frozen=True)
class Parts:
    """What a store loads of one build: its chunks in row order and what searches them."""

    folder: Path | str  # str: where another store keeps it (a PostgreSQL version)
    manifest: dict[str, Any]
    chunks: list[Chunk]
    vectors: np.ndarray  # one per chunk
    dense: DenseSearch
    sparse: SparseIndex
    units: np.ndarray | None = None  # answer-unit vectors, chunk after chunk (index.units)
    unit_offsets: np.ndarray | None = None  # where each chunk's units start (one more: the end)
    notes: tuple[str, ...] = ()  # for the operator, e.g. an index written before checksums
    spaces: dict[str, Space] = field(default_factory=dict)  # by name (index.multilingual)


class Index:
    """Chunks, vectors, FAISS and BM25 of one build, ready to search with ``embedder``."""

    def __init__(self, parts: Parts, embedder: Embedder, settings: IndexSettings) -> None:
        self.folder = parts.folder
        self.manifest = parts.manifest
        self.chunks = parts.chunks
        self.vectors = parts.vectors
        self.dense = parts.dense
        self.sparse = parts.sparse
        self.units = parts.units
        self.unit_offsets = parts.unit_offsets
        self.notes = parts.notes
        self.parts = parts
        self.space = ""  # the vector space searched ("": the index's own; index.multilingual)
        self.embedder = embedder
        self.settings = settings
        self._sources: Sources | None = None
        self._stats: Stats | None = None
        self.unit_terms = UnitTerms()
        self._cross_encoder: cross_encoder.CrossEncoder | None = None
        self._scopes: dict[Scope, ScopeRows] = {}
        self._views: dict[str, Index] = {}

    @classmethod
    def load(cls, root: Path, embedder: Embedder, settings: IndexSettings | None = None) -> Index:
        """Load the current build under ``root``; refuse one made with another model or
        chunker, or one whose files differ from what its build wrote (``index.integrity``)."""
        settings = settings or IndexSettings()
        folder = disk.current(Path(root))
        manifest = disk.read_manifest(folder)
        check_compatible(folder, manifest, embedder, settings)
        notes = integrity.verify(folder, manifest, settings.verify)
        try:
            chunks = [Chunk.from_json(row) for row in disk.read_jsonl(folder / disk.CHUNKS)]
            vectors = np.load(folder / disk.VECTORS, mmap_mode="r")
            dense = DenseIndex.load(folder / disk.DENSE, manifest.get("dense_kind", "flat"))
            sparse = SparseIndex.load(folder / disk.SPARSE)
            units = np.load(folder / disk.UNITS, mmap_mode="r")
            unit_offsets = np.load(folder / disk.UNIT_OFFSETS)
            spaces = {
                name: Space.load(folder / name, manifest.get("dense_kind", "flat"))
                for name in (multilingual.SPACE,)
                if name in manifest
            }
        except (OSError, ValueError, KeyError, RuntimeError) as exc:
            raise IndexCorruptError(folder, f"{type(exc).__name__}: {exc}") from exc
        if not (len(chunks) == len(vectors) == len(dense)):
            raise IndexCorruptError(folder, "chunk, vector and FAISS row counts differ")
        if len(unit_offsets) != len(chunks) + 1 or unit_offsets[-1] != len(units):
            raise IndexCorruptError(folder, "unit vectors do not match the chunks")
        if any(len(space.vectors) != len(chunks) for space in spaces.values()):
            raise IndexCorruptError(folder, "the multilingual vectors do not match the chunks")
        parts = Parts(
            folder, manifest, chunks, vectors, dense, sparse, units, unit_offsets, notes, spaces
        )
        return cls(parts, embedder, settings)

    def __len__(self) -> int:
        return len(self.chunks)

    def for_question(self, text: str) -> Index:
        """The index as the question ``text`` is searched: itself, or its multilingual view
        when the question is not English or the passages are not all English
        (``index.multilingual.space_for``)."""
        name = multilingual.space_for(detect(text), self.manifest)
        return self.view(name) if name in self.parts.spaces else self

    def view(self, name: str) -> Index:
        """The same passages searched in the vector space ``name`` (made once; the
        cross-encoder, which reads English, stays off there)."""
        built = self._views.get(name)
        if built is None:
            model = multilingual.model(self.settings.multilingual_threads)
            built = self._made_view(name, multilingual.Questions(model))
            built.space = name
            built._sources, built._stats = self.sources_of_rows, self.stats
            built.unit_terms, built._scopes = self.unit_terms, self._scopes
            self._views[name] = built
        return built

    def sources(self) -> dict[str, int]:
        """Indexed files and their chunk counts."""
        files = self.manifest.get("files", {})
        return {name: int(info.get("chunks", 0)) for name, info in sorted(files.items())}

    def unit_vectors(self, row: int) -> np.ndarray | None:
        """Vectors of the answer units of chunk ``row`` (``index.units``), or None."""
        if self.units is None or self.unit_offsets is None or not 0 <= row < len(self.chunks):
            return None
        a, b = int(self.unit_offsets[row]), int(self.unit_offsets[row + 1])
        return np.asarray(self.units[a:b], dtype=np.float32)

    def _made_view(self, name: str, embedder: Embedder) -> Index:
        space = self.parts.spaces[name]
        parts = replace(
            self.parts, vectors=space.vectors, dense=space.dense, units=space.units, spaces={}
        )
        return Index(parts, embedder, self.view_settings)

    @property
    def view_settings(self) -> IndexSettings:
        """The settings of a view in another space: no cross-encoder (it reads English)."""
        return replace(self.settings, cross_encoder_depth=0, cross_encoder_sentences=0)

    def row_vectors(self, rows: np.ndarray) -> np.ndarray:
        """The chunk vectors of ``rows``, in that order."""
        return np.asarray(self.vectors[rows])

    @property
    def sources_of_rows(self) -> Sources:
        """Each row's document (built on first use; the re-ranker's per-document counts)."""
        if self._sources is None:
            self._sources = Sources(self.chunks)
        return self._sources

    def scope_rows(self, scope: Scope | None) -> ScopeRows | None:
        """``scope`` on this index (its row mask, made once per scope), or None for
        everything."""
        if scope is None or scope.everything:
            return None
        rows = self._scopes.get(scope)
        if rows is None:
            rows = self._scopes[scope] = ScopeRows.of(scope, self.sources_of_rows)
        return rows

    def scope_sources(self, scope: Scope | None) -> dict[str, int]:
        """:meth:`sources` in ``scope``."""
        return {s: n for s, n in self.sources().items() if scope is None or scope.admits(s)}

    def scope_passages(self, scope: Scope | None) -> int:
        """How many passages (rows) are in ``scope``."""
        within = self.scope_rows(scope)
        return len(self) if within is None else within.count

    @property
    def stats(self) -> Stats:
        """IDF and which documents use a term, for answering (built on first use)."""
        if self._stats is None:
            self._stats = Stats.of_index(self.sparse, self.sources_of_rows, len(self.chunks))
        return self._stats

    def _reranked(
        self,
        query: str,
        vector: np.ndarray,
        rows: np.ndarray,
        fused: np.ndarray,
        dense: np.ndarray,
    ) -> np.ndarray:
        candidates = [
            Candidate(int(r), self.chunks[int(r)], float(f), float(d), self.unit_vectors(int(r)))
            for r, f, d in zip(rows, fused, dense, strict=True)
        ]
        asked = Question(query, self.sparse.rows_with, len(self.chunks), self.sources_of_rows)
        weights = (self.settings.rerank_cosine, self.settings.rerank_overlap)
        return rerank(asked, vector, candidates, self.unit_terms, weights)

    @property
    def cross_encoder(self) -> cross_encoder.CrossEncoder:
        """The second reader (``index.cross_encoder``), loaded on first use."""
        if self._cross_encoder is None:
            s = self.settings
            self._cross_encoder = cross_encoder.shared(
                s.cross_encoder_threads, s.cross_encoder_length
            )
        return self._cross_encoder

    @property
    def reads_again(self) -> int:
        """How many candidate sentences of an answer the cross-encoder reads again
        (``cross_encoder_sentences``; 0: none)."""
        return self.settings.cross_encoder_sentences

    def cross_scores(self, query: str, texts: Sequence[str]) -> np.ndarray:
        """The cross-encoder's logit for each (``query``, text) pair: what answering reads its
        candidate sentences with."""
        return self.cross_encoder.scores(query, texts)

    def _read_again(
        self, query: str, ids: np.ndarray, order: np.ndarray, fused: np.ndarray
    ) -> tuple[np.ndarray, dict[int, float]]:
        """The top ``cross_encoder_depth`` of ``order`` ordered by the cross-encoder's logit
        (below ``cross_encoder_weight`` 1: its min-max blend with their score so far; ties: the
        order they came in); they take the head's scores, best first, so a hit's
        score still falls with its rank. Returns the new order and each read row's logit."""
        depth = min(self.settings.cross_encoder_depth, len(order))
        if depth < 1:
            return order, {}
        head = order[:depth]
        titles = self.settings.cross_encoder_titles
        texts = [self.chunks[int(ids[j])].search_text(titles) for j in head]
        logits = self.cross_encoder.scores(query, texts)
        weight = self.settings.cross_encoder_weight
        by = logits if weight >= 1 else weight * minmax(logits) + (1 - weight) * minmax(fused[head])
        read = head[np.argsort(-by, kind="stable")]
        fused[read] = np.sort(fused[head])[::-1]
        logit_of = {int(ids[j]): float(x) for j, x in zip(head, logits, strict=True)}
        return np.concatenate([read, order[depth:]]), logit_of

    def search(
        self, queries: Sequence[str], k: int = 5, scope: Scope | None = None
    ) -> list[list[Hit]]:
        """Top ``k`` fused hits per query, only passages in ``scope`` when it is given (None:
        everything). One query is a batch of one."""
        if not queries:
            return []
        vectors = self.embedder.encode(list(queries))
        return self.search_encoded(queries, vectors, k, scope)

    def search_encoded(
        self, queries: Sequence[str], vectors: np.ndarray, k: int = 5, scope: Scope | None = None
    ) -> list[list[Hit]]:
        """Like :meth:`search` with the query vectors already computed. Rows outside the
        scope are masked in the dense and the BM25 search, so they never reach fusion."""
        n = len(self.chunks)
        within = self.scope_rows(scope)
        allowed = n if within is None else within.count
        if allowed == 0 or k <= 0:
            return [[] for _ in queries]
        depth = min(allowed, max(self.settings.candidates, k))
        _, dense_ids = self.dense.search(vectors, depth, within)
        results: list[list[Hit]] = []
        for qi, query in enumerate(queries):
            sparse_all = self.sparse.scores(query, within)
            sparse_top = (
                np.argpartition(-sparse_all, depth - 1)[:depth] if depth < n else np.arange(n)
            )
            sparse_top = sparse_top[sparse_all[sparse_top] > 0]
            ids = np.unique(np.concatenate([dense_ids[qi][dense_ids[qi] >= 0], sparse_top]))
            dense_scores = np.asarray(self.row_vectors(ids) @ vectors[qi], dtype=np.float32)
            sparse_scores = sparse_all[ids]
            fused = fuse(
                dense_scores, sparse_scores, self.settings.fusion, self.settings.fusion_param
            )
            keep = max(k, self.settings.rerank_depth, self.settings.cross_encoder_depth)
            order = np.lexsort((ids, -fused))[:keep]
            reranked = min(self.settings.rerank_depth, len(order))
            if reranked > 0:
                head, rest = order[:reranked], order[reranked:]
                fused[head] = self._reranked(
                    query, vectors[qi], ids[head], fused[head], dense_scores[head]
                )
                if len(rest):  # the rest stays below the re-ranked head, in fused order
                    fused[rest] -= max(0.0, float(fused[rest].max() - fused[head].min()) + 1e-6)
                order = np.concatenate([head[np.lexsort((ids[head], -fused[head]))], rest])
            order, logits = self._read_again(query, ids, order, fused)
            results.append(
                [
                    Hit(
                        chunk=self.chunks[int(ids[j])],
                        score=float(fused[j]),
                        dense=float(dense_scores[j]),
                        sparse=float(sparse_scores[j]),
                        rank=rank,
                        row=int(ids[j]),
                        cross=logits.get(int(ids[j])),
                    )
                    for rank, j in enumerate(order[:k], start=1)
                ]
            )
        return results


def check_compatible(
    folder: Path | str, manifest: dict[str, Any], embedder: Embedder, settings: IndexSettings
) -> None:
    version = manifest.get("format_version")
    if version != disk.FORMAT_VERSION:
        raise IndexIncompatibleError(folder, "format version", version, disk.FORMAT_VERSION)
    if manifest.get("model") != embedder.model_id:
        raise IndexIncompatibleError(folder, "model", manifest.get("model"), embedder.model_id)
    if manifest.get("dimension") != embedder.dimension:
        raise IndexIncompatibleError(
            folder, "vector dimension", manifest.get("dimension"), embedder.dimension
        )
    wanted = settings.chunker.as_dict()
    if manifest.get("chunker") != wanted:
        raise IndexIncompatibleError(folder, "chunker settings", manifest.get("chunker"), wanted)
