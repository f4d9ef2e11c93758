"""The tables of the PostgreSQL store, and the current version.

- ``docbot_index_versions``: one row a build: its build id, status (``building`` until it is
  published, then ``ready``), when it was created, its manifest and its BM25 index (``sparse``,
  the bm25s folder as a tar blob);
- ``docbot_index_current``: one row, the version every worker answers from;
- ``docbot_index_chunks``: each searchable chunk of a version (``row_id`` is its row), its
  vector (pgvector) and its answer units' float16 vectors (``units``, row after row);
- ``docbot_index_dropped``: chunks dropped as duplicates (a later build reuses them).

With the multilingual space (``index.multilingual``) a chunk also has ``multi_embedding`` and
``multi_units``: the same for the multilingual model (NULL in a version built without it).

A version's vectors have an HNSW index of their own (:func:`hnsw_name`), partial on the
version, over the vectors cast to their dimension; dropping the version drops it too.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from psycopg import sql

from index.postgres.connection import SCHEMA_LOCK

NOTIFY_CHANNEL = "docbot_index"

_TABLES = """
CREATE TABLE IF NOT EXISTS docbot_index_versions (
    id bigserial PRIMARY KEY,
    build_id text NOT NULL UNIQUE,
    status text NOT NULL DEFAULT 'building' CHECK (status IN ('building', 'ready')),
    created timestamptz NOT NULL DEFAULT now(),
    manifest jsonb,
    sparse bytea
);
CREATE TABLE IF NOT EXISTS docbot_index_current (
    singleton boolean PRIMARY KEY DEFAULT true CHECK (singleton),
    version bigint NOT NULL REFERENCES docbot_index_versions (id)
);
CREATE TABLE IF NOT EXISTS docbot_index_chunks (
    version bigint NOT NULL REFERENCES docbot_index_versions (id) ON DELETE CASCADE,
    row_id integer NOT NULL,
    chunk jsonb NOT NULL,
    embedding vector NOT NULL,
    units bytea NOT NULL,
    PRIMARY KEY (version, row_id)
);
ALTER TABLE docbot_index_chunks ADD COLUMN IF NOT EXISTS multi_embedding vector;
ALTER TABLE docbot_index_chunks ADD COLUMN IF NOT EXISTS multi_units bytea;
CREATE TABLE IF NOT EXISTS docbot_index_dropped (
    version bigint NOT NULL REFERENCES docbot_index_versions (id) ON DELETE CASCADE,
    row_id integer NOT NULL,
    chunk jsonb NOT NULL,
    PRIMARY KEY (version, row_id)
);
"""


# Vectors stay in the row: pgvector's default storage lets PostgreSQL move them out of line
# (TOAST) once a row - with its chunk JSON and unit vectors - passes ~2 kB, and an exact search
# then fetches every vector from the TOAST table (measured: 7.1 ms -> 1.4 ms at 3,053 rows).
_INLINE_VECTORS = """
DO $$ BEGIN
    IF (SELECT attstorage FROM pg_attribute
        WHERE attrelid = 'docbot_index_chunks'::regclass AND attname = 'embedding') <> 'p' THEN
        ALTER TABLE docbot_index_chunks ALTER COLUMN embedding SET STORAGE PLAIN;
    END IF;
    IF (SELECT attstorage FROM pg_attribute
        WHERE attrelid = 'docbot_index_chunks'::regclass AND attname = 'multi_embedding')
        <> 'p' THEN
        ALTER TABLE docbot_index_chunks ALTER COLUMN multi_embedding SET STORAGE PLAIN;
    END IF;
END $$;
"""


def ensure_schema(conn: Any) -> None:
    """Create the extension and tables once (concurrent builders wait on each other)."""
    with conn.transaction():
        conn.execute("SELECT pg_advisory_xact_lock(%s)", (SCHEMA_LOCK,))
        conn.execute("CREATE EXTENSION IF NOT EXISTS vector")
        conn.execute(_TABLES)
        conn.execute(_INLINE_VECTORS)


def has_schema(conn: Any) -> bool:
    row = conn.execute("SELECT to_regclass('docbot_index_current') IS NOT NULL").fetchone()
    return bool(row and row[0])


def current_version(conn: Any) -> int | None:
    """The version workers answer from, or None before the first build."""
    if not has_schema(conn):
        return None
    row = conn.execute("SELECT version FROM docbot_index_current").fetchone()
    return int(row[0]) if row else None


@dataclass(frozen=True)
class Columns:
    """Where a vector space's chunk vectors and unit vectors are kept."""

    vectors: str = "embedding"
    units: str = "units"
    suffix: str = ""  # of its HNSW index's name


INDEX_SPACE = Columns()
MULTILINGUAL_SPACE = Columns("multi_embedding", "multi_units", "_multi")


def hnsw_name(version: int, columns: Columns = INDEX_SPACE) -> sql.Identifier:
    return sql.Identifier(f"docbot_index_hnsw_{int(version)}{columns.suffix}")


def vector_expr(dimension: int, columns: Columns = INDEX_SPACE) -> sql.Composed:
    """The indexed expression: the vector cast to its dimension (HNSW needs one)."""
    return sql.SQL("({}::vector({}))").format(
        sql.Identifier(columns.vectors), sql.Literal(int(dimension))
    )
