""":class:`PgStore`: the PostgreSQL store behind one ``DOCBOT_STORE`` URL, an
:class:`index.store.Store`: build, load the current version, and a cheap check of which
version is current."""

from __future__ import annotations

import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any

from index.embedding import Embedder
from index.report import BuildReport, Progress, no_progress
from index.retriever import Index
from index.settings import IndexSettings


class PgStore:
    """One connection for reading (thread-safe in psycopg 3, reopened after it breaks); each
    build has a connection of its own, so its advisory lock dies with it."""

    def __init__(self, url: str) -> None:
        from index.postgres.connection import redacted

        self.url = url
        self.where = redacted(url)
        self._conn: Any = None
        self._lock = threading.Lock()

    def _reader(self) -> Any:
        from index.postgres.connection import connect

        with self._lock:
            if self._conn is None or self._conn.closed or self._conn.broken:
                self._conn = connect(self.url)
            return self._conn

    def current_version(self) -> int | None:
        """The current version (one indexed lookup), or None before the first build."""
        from index.postgres import schema
        from index.postgres.connection import translated

        with translated(self.where):
            return schema.current_version(self._reader())

    def current(self) -> str:
        """Names the current version; a worker reloads when it changes."""
        return f"{self.where} version {self.current_version()}"

    def exists(self) -> bool:
        return self.current_version() is not None

    def load(self, embedder: Embedder, settings: IndexSettings | None = None) -> Index:
        """The current version as a :class:`~index.postgres.reader.PgIndex`."""
        from index.postgres.reader import PgIndex

        return PgIndex.open(self._reader(), self.where, embedder, settings)

    def build(
        self,
        documents: Path,
        embedder: Embedder,
        settings: IndexSettings | None = None,
        *,
        full: bool = False,
        progress: Progress = no_progress,
        lock_wait: float = 0.0,
        log: Callable[[str], None] = lambda line: None,
    ) -> BuildReport:
        from index.postgres.connection import connect, translated
        from index.postgres.writer import build_into

        conn = connect(self.url, create_extension=True)
        try:
            with translated(self.where):
                return build_into(
                    conn,
                    self.where,
                    documents,
                    embedder,
                    settings or IndexSettings(),
                    full=full,
                    progress=progress,
                    lock_wait=lock_wait,
                    log=log,
                )
        finally:
            conn.close()

    def close(self) -> None:
        with self._lock:
            if self._conn is not None:
                self._conn.close()
                self._conn = None
