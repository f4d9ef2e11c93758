"""The index in PostgreSQL (DOCBOT_STORE, issue 14): the same hits as the file store, versions
swapped atomically, builds locked, killed builds cleaned up, workers following new versions."""

from __future__ import annotations

import threading
import time
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from support.documents import write_documents
from support.engines import settings_for
from support.fakes import FakeEmbedder
from support.postgres import query

from bot.answering.engine import Engine
from bot.cli.main import main
from index import build, load
from index.errors import IndexLockedError
from index.postgres import PgStore
from index.postgres.connection import BUILD_LOCK
from index.settings import IndexSettings

TOPICS = {
    "rivers.txt": "The Danube flows through ten countries. Barges carry grain down the river. "
    "Floods in spring raise the water level near Vienna.",
    "bakery.md": "# Bakery\n\nSourdough bread needs a starter of flour and water. The dough "
    "rests overnight. Bakers score the loaf before it goes into the oven.",
    "volcano.txt": "Mount Etna erupted again this week. Lava reached the lower slopes. "
    "Flights to Catania were cancelled because of the ash cloud.",
    "chess.txt": "The world chess championship lasted fourteen games. The challenger won the "
    "final tie-break. Both players opened with the queen's gambit.",
}
QUESTIONS = ["Which river flows through Vienna?", "How is sourdough made?", "Etna lava ash",
             "Who won the chess championship?", "weather forecast"]  # fmt: skip


def ranked(index: Any, questions: list[str] = QUESTIONS) -> list[list[tuple[int, float]]]:
    return [[(h.row, round(h.score, 5)) for h in hits] for hits in index.search(questions, 5)]


def current(url: str) -> int:
    return int(query(url, "SELECT version FROM docbot_index_current")[0][0])


def statuses(url: str) -> list[tuple[int, str]]:
    return [(int(v), s) for v, s in query(url, "SELECT id, status FROM docbot_index_versions")]


class FailingEmbedder(FakeEmbedder):
    """Fails on its first encode: a build that dies half-way."""

    def encode(self, texts: Any, progress: Any = None) -> np.ndarray:
        raise RuntimeError("the embedder died")


def test_same_hits_as_the_file_store(pg_url: str, tmp_path: Path) -> None:
    docs = write_documents(tmp_path / "documents", TOPICS)
    embedder = FakeEmbedder()
    build(docs, tmp_path / "index", embedder)
    store = PgStore(pg_url)
    report = store.build(docs, embedder)
    assert report.chunks == len(load(tmp_path / "index", embedder))
    pg, files = store.load(embedder), load(tmp_path / "index", embedder)
    assert ranked(pg) == ranked(files)
    assert pg.sources() == files.sources()
    assert pg.chunks == files.chunks  # the same passages in the same rows
    for row in range(len(files)):
        np.testing.assert_array_equal(pg.unit_vectors(row), files.unit_vectors(row))


def test_hnsw_search_finds_the_same_on_a_small_collection(pg_url: str, tmp_path: Path) -> None:
    docs = write_documents(tmp_path / "documents", TOPICS)
    store = PgStore(pg_url)
    store.build(docs, FakeEmbedder())
    exact = store.load(FakeEmbedder())
    approximate = store.load(FakeEmbedder(), IndexSettings(dense_kind="hnsw"))
    assert ranked(approximate) == ranked(exact)


def test_an_incremental_build_embeds_only_new_text(pg_url: str, tmp_path: Path) -> None:
    docs = write_documents(tmp_path / "documents", TOPICS)
    store = PgStore(pg_url)
    first = store.build(docs, FakeEmbedder())
    again = FakeEmbedder()
    second = store.build(docs, again)
    assert (second.embedded, second.reused, second.unchanged) == (0, first.chunks, len(TOPICS))
    assert again.texts_encoded == 0
    write_documents(docs, {"tea.txt": "Green tea is steamed. Black tea is oxidised first."})
    third = store.build(docs, FakeEmbedder())
    assert third.added == ["tea.txt"] and third.embedded == 1 and third.reused == first.chunks
    assert len(statuses(pg_url)) == 2  # the current version and the one before


def test_a_second_build_is_refused_while_one_holds_the_lock(pg_url: str, tmp_path: Path) -> None:
    import psycopg

    docs = write_documents(tmp_path / "documents", TOPICS)
    with psycopg.connect(pg_url, autocommit=True) as other:
        other.execute("SELECT pg_advisory_lock(%s)", (BUILD_LOCK,))
        with pytest.raises(IndexLockedError, match="Another `docbot index` is running"):
            PgStore(pg_url).build(docs, FakeEmbedder(), lock_wait=0.3)
        threading.Timer(0.5, lambda: other.execute("SELECT pg_advisory_unlock_all()")).start()
        started = time.monotonic()
        report = PgStore(pg_url).build(docs, FakeEmbedder(), lock_wait=30)
    assert time.monotonic() - started >= 0.4 and report.chunks > 0


def test_a_failed_build_leaves_the_previous_version(pg_url: str, tmp_path: Path) -> None:
    docs = write_documents(tmp_path / "documents", TOPICS)
    store = PgStore(pg_url)
    store.build(docs, FakeEmbedder())
    before = current(pg_url)
    write_documents(docs, {"tea.txt": "Green tea is steamed. Black tea is oxidised first."})
    with pytest.raises(RuntimeError, match="the embedder died"):
        store.build(docs, FailingEmbedder())
    assert current(pg_url) == before and statuses(pg_url) == [(before, "ready")]
    assert "tea.txt" not in store.load(FakeEmbedder()).sources()


def test_the_next_build_removes_what_a_killed_build_left(pg_url: str, tmp_path: Path) -> None:
    docs = write_documents(tmp_path / "documents", TOPICS)
    store = PgStore(pg_url)
    store.build(docs, FakeEmbedder())
    before = current(pg_url)
    # What `kill -9` during a build leaves: a registered version, never published.
    query(pg_url, "INSERT INTO docbot_index_versions (build_id) VALUES ('killed') RETURNING id")
    assert current(pg_url) == before
    report = store.build(docs, FakeEmbedder())
    assert any("unfinished build" in n for n in report.notes)
    assert all(status == "ready" for _, status in statuses(pg_url))


def test_a_worker_answers_from_a_new_version_without_restart(pg_url: str, tmp_path: Path) -> None:
    docs = write_documents(tmp_path / "documents", TOPICS)
    settings = settings_for(docs, tmp_path / "unused-index", store=pg_url)
    worker = Engine(settings, FakeEmbedder())
    worker.reindex()
    old = worker.index()
    assert worker.search(["green tea oxidised"])[0][0].chunk.source != "tea.txt"
    write_documents(docs, {"tea.txt": "Green tea is steamed. Black tea is oxidised first."})
    Engine(settings, FakeEmbedder()).reindex()  # another process's build
    assert worker.search(["green tea oxidised"])[0][0].chunk.source == "tea.txt"
    assert worker.index() is not old
    assert old.search(["Etna lava"])[0][0].chunk.source == "volcano.txt"  # in flight: still there


def test_an_unreachable_store_is_one_line_and_exit_2(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    pytest.importorskip("psycopg")
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("DOCBOT_STORE", "postgresql://docbot:secret@127.0.0.1:1/docbot")
    assert main(["search", "anything"]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "Traceback" not in err and "secret" not in err
    assert "Cannot reach the PostgreSQL store" in err and "scripts/postgres start" in err


@pytest.mark.model
def test_the_real_model_gives_the_same_hits_in_both_stores(
    pg_url: str, tmp_path: Path, real_embedder: Any, seed_documents: Path
) -> None:
    build(seed_documents, tmp_path / "index", real_embedder)
    store = PgStore(pg_url)
    store.build(seed_documents, real_embedder)
    questions = ["What do the regional commissions do?", "Who manages them?", "terrorism"]
    files, pg = load(tmp_path / "index", real_embedder), store.load(real_embedder)
    assert ranked(pg, questions) == ranked(files, questions)


def random_documents(folder: Path, files: int, words: int, seed: int) -> None:
    """Files of made-up sentences: enough text that embedding takes a while."""
    rng = np.random.default_rng(seed)
    vocabulary = [f"word{i}" for i in range(2000)]
    for f in range(files):
        sentences = [
            " ".join(rng.choice(vocabulary, 12)).capitalize() + "." for _ in range(words // 12)
        ]
        (folder / f"made-up-{seed}-{f}.txt").write_text(" ".join(sentences), encoding="utf-8")


@pytest.mark.model
@pytest.mark.subprocess
def test_kill_9_of_docbot_index_keeps_the_previous_version(
    pg_url: str, tmp_path: Path, real_embedder: Any
) -> None:
    import os
    import signal
    import subprocess
    import sys

    from support.paths import ROOT

    docs = write_documents(tmp_path / "documents", TOPICS)
    store = PgStore(pg_url)
    store.build(docs, real_embedder)
    before = current(pg_url)
    random_documents(docs, files=40, words=240, seed=1)
    env = {**os.environ, "PYTHONPATH": str(ROOT), "DOCBOT_STORE": pg_url,
           "DOCBOT_DOCUMENTS_DIR": str(docs), "DOCBOT_INDEX_DIR": str(tmp_path / "unused"),
           "DOCBOT_TORCH_THREADS": "1", "DOCBOT_INDEX_THREADS": "1",
           "HF_HUB_OFFLINE": "1", "TRANSFORMERS_OFFLINE": "1"}  # fmt: skip
    indexer = subprocess.Popen(
        [sys.executable, "-m", "bot.cli", "index"],
        cwd=tmp_path,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        deadline = time.monotonic() + 120
        while ("building" not in {s for _, s in statuses(pg_url)}) and indexer.poll() is None:
            assert time.monotonic() < deadline, "the build never registered its version"
            time.sleep(0.02)
        time.sleep(0.3)  # into the embedding
    finally:
        indexer.send_signal(signal.SIGKILL)
        indexer.wait(timeout=30)
    assert indexer.returncode == -signal.SIGKILL, "the build finished before it was killed"
    assert current(pg_url) == before and (before, "ready") in statuses(pg_url)
    assert "made-up-1-0.txt" not in store.load(real_embedder).sources()
    report = store.build(docs, real_embedder)
    assert any("unfinished build" in n for n in report.notes)
    assert all(status == "ready" for _, status in statuses(pg_url))
    assert "made-up-1-0.txt" in store.load(real_embedder).sources()
