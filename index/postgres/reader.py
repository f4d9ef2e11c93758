"""A PostgreSQL version ready to search: :class:`PgIndex` is an :class:`~index.retriever.Index`
whose dense side runs in PostgreSQL (exact, or HNSW when ``dense_kind`` is ``hnsw``) and whose
vectors and unit vectors are fetched per question, so a worker holds only chunks and BM25."""

from __future__ import annotations

import threading
from collections import OrderedDict
from typing import Any

import numpy as np
from psycopg import sql

from index.chunking import Chunk
from index.embedding import Embedder
from index.errors import IndexCorruptError, NoIndexError
from index.postgres import schema
from index.postgres.blobs import sparse_from_blob, units_from_blob
from index.postgres.connection import translated
from index.retriever import Index, Parts, check_compatible
from index.settings import IndexSettings

UNIT_CACHE_ROWS = 4096  # unit vectors of recent candidates (a question re-ranks ~15 rows)


class PgDense:
    """Top rows of one version by inner product, searched in PostgreSQL."""

    def __init__(self, conn: Any, url: str, version: int, rows: int, dim: int, hnsw: bool) -> None:
        self.conn, self.url, self.rows, self.hnsw = conn, url, rows, hnsw
        # Exact: the bare column, which no index covers. HNSW: the indexed expression.
        vector = schema.vector_expr(dim) if hnsw else sql.SQL("embedding")
        cast = sql.SQL("::vector({})").format(sql.Literal(dim)) if hnsw else sql.SQL("")
        self.query = sql.SQL(
            "SELECT row_id, -({vector} <#> %b{cast}) FROM docbot_index_chunks "
            "WHERE version = {version} ORDER BY {vector} <#> %b{cast} LIMIT %s"
        ).format(vector=vector, cast=cast, version=sql.Literal(version))

    def __len__(self) -> int:
        return self.rows

    def search(self, queries: np.ndarray, k: int) -> tuple[np.ndarray, np.ndarray]:
        k = min(k, self.rows)
        if self.hnsw:  # pgvector's HNSW returns at most ef_search rows (FAISS: the same rule)
            ef = sql.SQL("SET hnsw.ef_search = {}").format(sql.Literal(max(64, 2 * k)))
            with translated(self.url):
                self.conn.execute(ef)
        scores = np.zeros((len(queries), max(k, 0)), dtype=np.float32)
        ids = np.full((len(queries), max(k, 0)), -1, dtype=np.int64)
        with translated(self.url), self.conn.cursor(binary=True) as cur:
            for qi, query in enumerate(np.asarray(queries, dtype=np.float32)):
                found = cur.execute(self.query, (query, query, k)).fetchall()
                for j, (row, score) in enumerate(found):
                    ids[qi, j], scores[qi, j] = row, score
        return scores, ids


class PgIndex(Index):
    """One version of the PostgreSQL store; searches like :class:`Index`, re-ranks the same."""

    def __init__(
        self,
        conn: Any,
        url: str,
        version: int,
        parts: Parts,
        embedder: Embedder,
        settings: IndexSettings,
    ) -> None:
        super().__init__(parts, embedder, settings)
        self.conn, self.url, self.version = conn, url, version
        self._units: OrderedDict[int, np.ndarray] = OrderedDict()
        self._units_lock = threading.Lock()

    @classmethod
    def open(
        cls, conn: Any, url: str, embedder: Embedder, settings: IndexSettings | None = None
    ) -> PgIndex:
        """The current version; :class:`NoIndexError` before the first build."""
        settings = settings or IndexSettings()
        with translated(url):
            version = schema.current_version(conn)
            if version is None:
                raise NoIndexError(url)
            where = f"{url} version {version}"
            found = conn.execute(_VERSION, (version,)).fetchone()
            if found is None:  # removed since it was current: a third build ran meanwhile
                raise IndexCorruptError(where, "the version was removed while loading it")
            manifest, blob = found
            check_compatible(where, manifest, embedder, settings)
            rows = [r[0] for r in conn.execute(_CHUNKS, (version,)).fetchall()]
        if blob is None:
            raise IndexCorruptError(where, "its BM25 index is missing")
        chunks = [Chunk.from_json(row) for row in rows]
        dense = PgDense(
            conn, url, version, len(chunks), embedder.dimension, settings.dense_kind == "hnsw"
        )
        empty = np.zeros((0, embedder.dimension), dtype=np.float32)
        sparse = sparse_from_blob(bytes(blob))
        parts = Parts(where, manifest, chunks, empty, dense, sparse)
        return cls(conn, url, version, parts, embedder, settings)

    def row_vectors(self, rows: np.ndarray) -> np.ndarray:
        ids = [int(r) for r in rows]
        with translated(self.url), self.conn.cursor(binary=True) as cur:
            found = dict(cur.execute(_VECTORS, (self.version, ids)).fetchall())
        out = np.zeros((len(ids), self.embedder.dimension), dtype=np.float32)
        for i, row in enumerate(ids):
            out[i] = found[row]
        return out

    def unit_vectors(self, row: int) -> np.ndarray | None:
        if not 0 <= row < len(self.chunks):
            return None
        with self._units_lock:
            cached = self._units.get(row)
        if cached is None:
            self._fetch_units([row])
            with self._units_lock:
                cached = self._units.get(row)
        return None if cached is None else np.asarray(cached, dtype=np.float32)

    def _fetch_units(self, rows: list[int]) -> None:
        with translated(self.url), self.conn.cursor(binary=True) as cur:
            found = cur.execute(_UNITS, (self.version, rows)).fetchall()
        with self._units_lock:
            for row, blob in found:
                self._units[int(row)] = units_from_blob(blob, self.embedder.dimension)
                self._units.move_to_end(int(row))
            while len(self._units) > UNIT_CACHE_ROWS:
                self._units.popitem(last=False)

    def _reranked(
        self,
        query: str,
        vector: np.ndarray,
        rows: np.ndarray,
        fused: np.ndarray,
        dense: np.ndarray,
    ) -> np.ndarray:
        self._fetch_units([int(r) for r in rows])  # one query for the whole head
        return super()._reranked(query, vector, rows, fused, dense)


_VERSION = "SELECT manifest, sparse FROM docbot_index_versions WHERE id = %s"
_CHUNKS = "SELECT chunk FROM docbot_index_chunks WHERE version = %s ORDER BY row_id"
_VECTORS = (
    "SELECT row_id, embedding FROM docbot_index_chunks WHERE version = %s AND row_id = ANY(%s)"
)
_UNITS = "SELECT row_id, units FROM docbot_index_chunks WHERE version = %s AND row_id = ANY(%s)"
