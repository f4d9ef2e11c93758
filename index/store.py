"""Where an index is kept: the :class:`Store` both stores offer, and :func:`open_store`, which
picks one from the settings. The engine holds a store and never asks which one it is.

- :class:`FolderStore`: the index folder (``DOCBOT_INDEX_DIR``), its files as ``index.disk``
  describes them;
- :class:`~index.postgres.store.PgStore`: PostgreSQL with pgvector (``DOCBOT_STORE``); psycopg
  is imported only when it is used.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path
from typing import Protocol

from index import disk
from index.builder import build
from index.embedding import Embedder
from index.postgres.store import PgStore
from index.report import BuildReport, Progress, no_progress
from index.retriever import Index
from index.settings import IndexSettings


class Store(Protocol):
    """Builds an index from a documents folder, loads the current one, and says which is
    current, so that every process using the store follows each new build."""

    @property
    def where(self) -> str:
        """Where the index lives, for messages (a PostgreSQL URL without its password)."""

    def current(self) -> str:
        """Names the current build; it changes whenever another build becomes current."""

    def exists(self) -> bool:
        """True when there is an index, even one too damaged to load."""

    def load(self, embedder: Embedder, settings: IndexSettings | None = None) -> Index: ...

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
    ) -> BuildReport: ...


class FolderStore:
    """The index folder ``root``: a symlink to the current build folder (``index.disk``)."""

    def __init__(self, root: Path) -> None:
        self.root = Path(root)

    @property
    def where(self) -> str:
        return str(self.root)

    def current(self) -> str:
        """The current build folder (swapped in by one rename)."""
        return os.path.realpath(self.root)

    def exists(self) -> bool:
        return disk.exists(self.root)

    def load(self, embedder: Embedder, settings: IndexSettings | None = None) -> Index:
        return Index.load(self.root, embedder, settings)

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
        return build(
            documents,
            self.root,
            embedder,
            settings,
            full=full,
            progress=progress,
            lock_wait=lock_wait,
            log=log,
        )


def open_store(url: str, folder: Path) -> Store:
    """The PostgreSQL store at ``url`` (``DOCBOT_STORE``) when it is set, else the index
    folder ``folder`` (``DOCBOT_INDEX_DIR``)."""
    return PgStore(url) if url else FolderStore(folder)
