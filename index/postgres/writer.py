"""``build`` into PostgreSQL: the file store's pipeline (``index.build.assemble``), written as a
new version.

The version is registered first (status ``building``, committed), then its rows are copied
and its HNSW index built, and one transaction marks it ready, makes it current and notifies
the workers. A build killed at any moment leaves the previous version current and its own
version ``building``: the next build deletes it. Builds take an advisory lock, so a second one
waits ``lock_wait`` seconds and is then refused (:class:`IndexLockedError`).
"""

from __future__ import annotations

import contextlib
import os
import secrets
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import numpy as np
from psycopg import sql
from psycopg.types.json import Jsonb

from index import multilingual
from index.builder import Assembled, Embedded, assemble
from index.embedding import Embedder
from index.errors import IndexLockedError
from index.postgres import schema
from index.postgres.blobs import sparse_blob, units_blob
from index.postgres.connection import BUILD_LOCK
from index.postgres.previous import read_previous, read_previous_space
from index.report import BuildReport, Progress, no_progress
from index.reuse import Previous
from index.settings import IndexSettings
from index.sparse import SparseIndex

KEEP = 2  # versions kept: the current one and the one before (questions in flight use it)


@contextlib.contextmanager
def build_lock(conn: Any, wait: float) -> Iterator[None]:
    """The builders' advisory lock, held by this session (a dead builder's goes with it)."""
    deadline = time.monotonic() + wait
    while not conn.execute("SELECT pg_try_advisory_lock(%s)", (BUILD_LOCK,)).fetchone()[0]:
        if time.monotonic() >= deadline:
            raise IndexLockedError(f"PostgreSQL advisory lock {BUILD_LOCK}")
        time.sleep(0.1)
    try:
        yield
    finally:
        if not conn.closed:
            conn.execute("SELECT pg_advisory_unlock(%s)", (BUILD_LOCK,))


def build_into(
    conn: Any,
    where: str,
    documents: Path,
    embedder: Embedder,
    settings: IndexSettings,
    *,
    full: bool = False,
    progress: Progress = no_progress,
    lock_wait: float = 0.0,
    log: Callable[[str], None] = lambda line: None,
) -> BuildReport:
    """Build or update the index in the store behind ``conn`` (``where`` names it)."""
    started = time.monotonic()
    schema.ensure_schema(conn)
    with build_lock(conn, lock_wait):
        notes: list[str] = []
        removed = remove_unfinished(conn)
        if removed:
            notes.append(f"removed {removed} unfinished build(s) left by a killed `docbot index`")
        prev = Previous() if full else read_previous(conn, embedder, settings, notes)
        again = Previous()
        if settings.multilingual and not full:
            model = multilingual.model(settings.multilingual_threads)
            again = read_previous_space(conn, model)
        version = register(conn)
        try:
            made = assemble(Path(documents), prev, embedder, settings, progress, log, again)
            write_version(conn, version, made, settings, embedder.dimension)
            publish(conn, version, made.manifest)
        except BaseException:
            with contextlib.suppress(Exception):
                remove_version(conn, version)
            raise
        prune(conn, KEEP)
    return made.report(f"{where} version {version}", full, prev, notes, started)


def register(conn: Any) -> int:
    build_id = f"{time.strftime('%Y%m%dT%H%M%S')}-{os.getpid()}-{secrets.token_hex(3)}"
    row = conn.execute(
        "INSERT INTO docbot_index_versions (build_id) VALUES (%s) RETURNING id", (build_id,)
    ).fetchone()
    return int(row[0])


def write_version(
    conn: Any, version: int, made: Assembled, settings: IndexSettings, dimension: int
) -> None:
    """The version's rows, BM25 blob and HNSW index (the version is not current yet)."""
    embedded, spoken = made.embedded, made.multilingual
    offsets = embedded.unit_offsets
    with conn.cursor() as cur:
        copy_sql = (
            "COPY docbot_index_chunks (version, row_id, chunk, embedding, units, "
            "multi_embedding, multi_units) FROM STDIN (FORMAT BINARY)"
        )
        with cur.copy(copy_sql) as copy:
            copy.set_types(["int8", "int4", "jsonb", "vector", "bytea", "vector", "bytea"])
            for i, chunk in enumerate(made.kept):
                a, b = offsets[i], offsets[i + 1]
                own = (version, i, Jsonb(chunk.to_json()))
                vectors = _space_row(embedded, i, a, b)
                copy.write_row(own + vectors + _space_row(spoken, i, a, b))
        with cur.copy("COPY docbot_index_dropped (version, row_id, chunk) FROM STDIN") as copy:
            for i, (chunk, duplicate_of) in enumerate(made.dropped):
                row = {**chunk.to_json(), "duplicate_of": duplicate_of}
                copy.write_row((version, i, Jsonb(row)))
    texts = [c.search_text(settings.titles) for c in made.kept]
    blob = sparse_blob(SparseIndex.build(texts))
    conn.execute("UPDATE docbot_index_versions SET sparse = %s WHERE id = %s", (blob, version))
    spaces = [(schema.INDEX_SPACE, dimension)]
    if spoken is not None:
        spaces.append((schema.MULTILINGUAL_SPACE, int(spoken.vectors.shape[1])))
    for columns, size in spaces:
        conn.execute(
            sql.SQL(
                "CREATE INDEX {} ON docbot_index_chunks USING hnsw ({} vector_ip_ops) "
                "WHERE version = {}"
            ).format(
                schema.hnsw_name(version, columns),
                schema.vector_expr(size, columns),
                sql.Literal(version),
            )
        )


def _space_row(embedded: Embedded | None, i: int, a: int, b: int) -> tuple[Any, Any]:
    """Chunk ``i``'s vector and unit vectors (rows ``a:b``) in a space, or NULLs without it."""
    if embedded is None:
        return None, None
    return np.asarray(embedded.vectors[i]), units_blob(embedded.units[a:b])


def publish(conn: Any, version: int, manifest: dict[str, Any]) -> None:
    """Make ``version`` current: one transaction, then every listening worker is told."""
    with conn.transaction():
        conn.execute(
            "UPDATE docbot_index_versions SET status = 'ready', manifest = %s WHERE id = %s",
            (Jsonb(manifest), version),
        )
        conn.execute(
            "INSERT INTO docbot_index_current (singleton, version) VALUES (true, %s) "
            "ON CONFLICT (singleton) DO UPDATE SET version = EXCLUDED.version",
            (version,),
        )
        conn.execute("SELECT pg_notify(%s, %s)", (schema.NOTIFY_CHANNEL, str(version)))


def remove_version(conn: Any, version: int) -> None:
    with conn.transaction():
        conn.execute(sql.SQL("DROP INDEX IF EXISTS {}").format(schema.hnsw_name(version)))
        conn.execute("DELETE FROM docbot_index_versions WHERE id = %s", (version,))


def remove_unfinished(conn: Any) -> int:
    """Delete versions still ``building``: under the build lock, only killed builds left them."""
    rows = conn.execute("SELECT id FROM docbot_index_versions WHERE status = 'building'").fetchall()
    for (version,) in rows:
        remove_version(conn, int(version))
    return len(rows)


def prune(conn: Any, keep: int) -> None:
    """Keep the newest ``keep`` ready versions (the current one among them)."""
    rows = conn.execute(
        "SELECT id FROM docbot_index_versions WHERE status = 'ready' "
        "AND id <> (SELECT version FROM docbot_index_current) ORDER BY id DESC OFFSET %s",
        (keep - 1,),
    ).fetchall()
    for (version,) in rows:
        remove_version(conn, int(version))
