"""The current PostgreSQL version as a new build's :class:`~index.reuse.Previous`: its files
and chunks, and its vectors by the text they were made of."""

from __future__ import annotations

from typing import Any

from index import disk, multilingual
from index.embedding import Embedder
from index.postgres import schema
from index.postgres.blobs import units_from_blob
from index.reuse import Previous, reuse_plan, same_space
from index.settings import IndexSettings


def current_manifest(conn: Any) -> tuple[int, dict[str, Any]] | None:
    version = schema.current_version(conn)
    if version is None:
        return None
    row = conn.execute(
        "SELECT manifest FROM docbot_index_versions WHERE id = %s", (version,)
    ).fetchone()
    return (version, dict(row[0])) if row and row[0] else None


def read_previous(
    conn: Any, embedder: Embedder, settings: IndexSettings, notes: list[str]
) -> Previous:
    prev = Previous()
    found = current_manifest(conn)
    if found is None:
        return prev
    version, manifest = found
    if manifest.get("format_version") != disk.FORMAT_VERSION:
        notes.append("the previous index has another format version: rebuilding everything")
        return prev
    same_chunker, same_model, same_units = reuse_plan(manifest, embedder, settings, notes)
    rows = [r[0] for r in conn.execute(_CHUNKS, (version,)).fetchall()]
    if same_chunker:
        dropped = [r[0] for r in conn.execute(_DROPPED, (version,)).fetchall()]
        prev.add_chunks(manifest, rows + dropped)
    if same_model:
        with conn.cursor(binary=True) as cur:
            cur.execute(_VECTORS, (version,))
            found_rows = cur.fetchall()
        vectors = [r[0] for r in found_rows]
        units = [units_from_blob(r[1], embedder.dimension) for r in found_rows]
        if len(vectors) == len(rows):
            prev.add_vectors(manifest, rows, vectors, units if same_units else None)
    return prev


def read_previous_space(conn: Any, embedder: Embedder) -> Previous:
    """The current version's vectors in the multilingual space, when ``embedder`` made them."""
    prev = Previous()
    found = current_manifest(conn)
    if found is None:
        return prev
    version, manifest = found
    if not same_space(manifest, embedder, multilingual.SPACE):
        return prev
    rows = [r[0] for r in conn.execute(_CHUNKS, (version,)).fetchall()]
    with conn.cursor(binary=True) as cur:
        found_rows = cur.execute(_SPACE_VECTORS, (version,)).fetchall()
    if len(found_rows) != len(rows) or any(r[0] is None for r in found_rows):
        return prev
    units = [units_from_blob(r[1], embedder.dimension) for r in found_rows]
    prev.add_vectors(manifest, rows, [r[0] for r in found_rows], units)
    return prev


_CHUNKS = "SELECT chunk FROM docbot_index_chunks WHERE version = %s ORDER BY row_id"
_DROPPED = "SELECT chunk FROM docbot_index_dropped WHERE version = %s ORDER BY row_id"
_VECTORS = "SELECT embedding, units FROM docbot_index_chunks WHERE version = %s ORDER BY row_id"
_SPACE_VECTORS = (
    "SELECT multi_embedding, multi_units FROM docbot_index_chunks WHERE version = %s "
    "ORDER BY row_id"
)
