"""A PostgreSQL version ready to search: :class:`PgIndex` is an :class:`~index.retriever.Index`
whose dense side runs in PostgreSQL (exact, or HNSW when ``dense_kind`` is ``hnsw``) and whose
vectors and unit vectors are fetched per question, so a worker holds only chunks and BM25."""

from __future__ import annotations

import threading
from collections import OrderedDict
from dataclasses import replace
from typing import Any

import numpy as np
import psycopg
from psycopg import sql

from index import multilingual
from index.chunking import Chunk
from index.embedding import Embedder
from index.errors import IndexCorruptError, NoIndexError
from index.postgres import schema
from index.postgres.blobs import sparse_from_blob, units_from_blob
from index.postgres.connection import translated
from index.retriever import Index, Parts, Space, check_compatible
from index.scope import ScopeRows
from index.settings import IndexSettings

UNIT_CACHE_ROWS = 4096  # unit vectors of recent candidates (a question re-ranks ~15 rows)


class PgDense:
    """Top rows of one version by inner product, searched in PostgreSQL; a scope is a WHERE
    on the chunk's source (``^@``: starts with one of the scope's folders)."""

    def __init__(
        self,
        conn: Any,
        url: str,
        version: int,
        rows: int,
        dim: int,
        hnsw: bool,
        columns: schema.Columns = schema.INDEX_SPACE,
    ) -> None:
        self.conn, self.url, self.rows, self.hnsw = conn, url, rows, hnsw
        # Exact: the bare column, which no index covers. HNSW: the indexed expression.
        bare = sql.Identifier(columns.vectors)
        vector = schema.vector_expr(dim, columns) if hnsw else bare
        cast = sql.SQL("::vector({})").format(sql.Literal(dim)) if hnsw else sql.SQL("")
        query = (
            "SELECT row_id, -({vector} <#> %b{cast}) FROM docbot_index_chunks "
            "WHERE version = {version}{scope} ORDER BY {vector} <#> %b{cast} LIMIT %s"
        )
        parts = {"vector": vector, "cast": cast, "version": sql.Literal(version)}
        self.query = sql.SQL(query).format(scope=sql.SQL(""), **parts)
        self.scoped = sql.SQL(query).format(scope=sql.SQL(_IN_SCOPE), **parts)
        self._iterative: bool | None = None  # pgvector 0.8's iterative HNSW scans, once known

    def __len__(self) -> int:
        return self.rows

    def search(
        self, queries: np.ndarray, k: int, within: ScopeRows | None = None
    ) -> tuple[np.ndarray, np.ndarray]:
        k = min(k, self.rows if within is None else within.count)
        if self.hnsw:  # pgvector's HNSW returns at most ef_search rows (FAISS: the same rule)
            ef = sql.SQL("SET hnsw.ef_search = {}").format(sql.Literal(max(64, 2 * k)))
            with translated(self.url):
                self.conn.execute(ef)
        scores = np.zeros((len(queries), max(k, 0)), dtype=np.float32)
        ids = np.full((len(queries), max(k, 0)), -1, dtype=np.int64)
        if k <= 0:
            return scores, ids
        if self.hnsw and within is not None:
            self._scan_on()
        query = self.query if within is None else self.scoped
        prefixes = () if within is None else (list(within.scope.prefixes),)
        with translated(self.url), self.conn.cursor(binary=True) as cur:
            for qi, vector in enumerate(np.asarray(queries, dtype=np.float32)):
                found = cur.execute(query, (vector, *prefixes, vector, k)).fetchall()
                for j, (row, score) in enumerate(found):
                    ids[qi, j], scores[qi, j] = row, score
        return scores, ids

    def _scan_on(self) -> None:
        """With a scope, HNSW's ``ef_search`` nearest rows may hold few of the scope's: from
        pgvector 0.8 the scan goes on until it has ``k`` rows in scope, in order. Before 0.8
        (the setting is refused) the search returns the ones it found."""
        if self._iterative is not None:
            return
        try:
            self.conn.execute("SET hnsw.iterative_scan = strict_order")
            self._iterative = True
        except psycopg.Error:
            self._iterative = False


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
        columns: schema.Columns = schema.INDEX_SPACE,
    ) -> None:
        super().__init__(parts, embedder, settings)
        self.conn, self.url, self.version = conn, url, version
        self.columns = columns
        self._vectors_sql = sql.SQL(_OF_ROWS).format(sql.Identifier(columns.vectors))
        self._units_sql = sql.SQL(_OF_ROWS).format(sql.Identifier(columns.units))
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
        entry = manifest.get(multilingual.SPACE)
        if entry:
            hnsw, columns = settings.dense_kind == "hnsw", schema.MULTILINGUAL_SPACE
            spoken = PgDense(conn, url, version, len(chunks), entry["dimension"], hnsw, columns)
            parts = replace(parts, spaces={multilingual.SPACE: Space(empty, spoken, empty)})
        return cls(conn, url, version, parts, embedder, settings)

    def _made_view(self, name: str, embedder: Embedder) -> Index:
        parts = replace(self.parts, dense=self.parts.spaces[name].dense, spaces={})
        columns = schema.MULTILINGUAL_SPACE
        settings = self.view_settings
        return PgIndex(self.conn, self.url, self.version, parts, embedder, settings, columns)

    def row_vectors(self, rows: np.ndarray) -> np.ndarray:
        ids = [int(r) for r in rows]
        with translated(self.url), self.conn.cursor(binary=True) as cur:
            found = dict(cur.execute(self._vectors_sql, (self.version, ids)).fetchall())
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
            found = cur.execute(self._units_sql, (self.version, rows)).fetchall()
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


_IN_SCOPE = " AND (chunk->>'source') ^@ ANY(%s::text[])"
_VERSION = "SELECT manifest, sparse FROM docbot_index_versions WHERE id = %s"
_CHUNKS = "SELECT chunk FROM docbot_index_chunks WHERE version = %s ORDER BY row_id"
# a column of some rows: their vectors or their units in the space the index searches
_OF_ROWS = "SELECT row_id, {} FROM docbot_index_chunks WHERE version = %s AND row_id = ANY(%s)"
