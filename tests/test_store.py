"""One store interface, two stores (issue 21): the index folder and PostgreSQL answer the
engine's questions the same way, and the engine's reload check holds for both."""

from __future__ import annotations

from pathlib import Path

import pytest
from support.documents import write_documents
from support.fakes import FakeEmbedder

from index.postgres.store import PgStore
from index.store import FolderStore, Store, open_store

DOCUMENTS = {
    "cats.txt": "Cats sleep most of the day. They hunt at dawn and dusk.",
    "tea.txt": "Green tea is steamed. Black tea is oxidised before it is dried.",
}


def _one_life(store: Store, docs: Path) -> None:
    """No index, a build, its load, and a second build that another reader sees as new."""
    assert not store.exists()
    empty = store.current()
    first = store.build(docs, FakeEmbedder())
    assert store.exists()
    built = store.current()
    assert built != empty
    index = store.load(FakeEmbedder())
    assert len(index) == first.chunks == 2
    # The engine reloads when current() differs from the loaded index's folder: equal here,
    # or it would reload on every question.
    assert str(index.folder) == built
    write_documents(docs, {"rivers.txt": "The Danube flows through Vienna and Budapest."})
    second = store.build(docs, FakeEmbedder())
    assert store.current() not in (empty, built)
    assert len(store.load(FakeEmbedder())) == second.chunks == 3


def test_the_folder_store(tmp_path: Path) -> None:
    store = open_store("", tmp_path / "index")
    assert isinstance(store, FolderStore) and store.where == str(tmp_path / "index")
    _one_life(store, write_documents(tmp_path / "documents", DOCUMENTS))


def test_the_postgres_store(pg_url: str, tmp_path: Path) -> None:
    import psycopg

    # A fresh database says "no index" once it has pgvector (a build creates it; before, the
    # store reports the extension missing).
    with psycopg.connect(pg_url, autocommit=True) as conn:
        conn.execute("CREATE EXTENSION IF NOT EXISTS vector")
    store = open_store(pg_url, tmp_path / "unused-index")
    assert isinstance(store, PgStore) and "version" not in store.where
    _one_life(store, write_documents(tmp_path / "documents", DOCUMENTS))
    assert not (tmp_path / "unused-index").exists()


@pytest.mark.parametrize("url", ["", "postgresql://docbot:pw@127.0.0.1:9/docbot"])
def test_choosing_a_store_opens_no_connection(url: str, tmp_path: Path) -> None:
    store = open_store(url, tmp_path / "index")
    assert "pw" not in store.where  # the password never reaches a message
