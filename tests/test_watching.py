"""The documents folder watched (``index/watching.py``, started by ``bot/cli/commands.py``):
files saved, copied in bulk, deleted, renamed and half-written reach the index with no
command run; with the fake embedder, so each test takes a second or two."""

from __future__ import annotations

import shutil
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from support.bots import NEW_DOC, USER, texts
from support.documents import ARTICLES, write_documents
from support.engines import settings_for
from support.fakebotapi import FakeBotAPI
from support.fakes import FakeEmbedder
from support.paths import DOCUMENTS
from support.pdfgen import make_pdf
from support.processes import Serve

from bot.answering.engine import Engine
from bot.cli.commands import watching
from index.report import BuildReport
from index.watching import FolderWatcher, describe, needs_build

SETTLE = 0.3
ZORBLAX = "The Zorblax festival is held every autumn in Quentaria. Marta Velikova founded it."


def wait_until(check: Callable[[], bool], timeout: float = 15.0) -> float:
    """Seconds until ``check()`` held; fails after ``timeout``."""
    started = time.monotonic()
    while not check():
        assert time.monotonic() - started < timeout, "timed out"
        time.sleep(0.05)
    return time.monotonic() - started


@pytest.fixture
def engine(tmp_path: Path) -> Engine:
    docs = write_documents(tmp_path / "documents", ARTICLES)
    settings = settings_for(docs, tmp_path / "index", watch_settle_s=SETTLE)
    engine = Engine(settings, embedder=FakeEmbedder())
    engine.reindex()
    engine.index()
    return engine


@pytest.fixture
def watched(engine: Engine) -> Iterator[FolderWatcher]:
    with watching(engine.settings, engine) as watcher:
        assert watcher is not None and watcher.wait_ready()
        yield watcher


def sources(engine: Engine) -> dict[str, int]:
    return engine.index().sources()


def cited(engine: Engine, query: str) -> set[str]:
    return {hit.chunk.source for hit in engine.search([query], k=10)[0]}


def test_a_saved_file_is_searchable_with_no_command(engine: Engine, watched: Any) -> None:
    docs = engine.settings.documents_dir
    (docs / "zorblax.txt").write_text(ZORBLAX, encoding="utf-8")
    wait_until(lambda: "zorblax.txt" in sources(engine))
    assert "zorblax.txt" in cited(engine, "Who founded the Zorblax festival?")
    assert watched.builds == 1


def test_500_files_copied_at_once_are_one_or_two_builds(
    engine: Engine, watched: Any, tmp_path: Path
) -> None:
    outside = tmp_path / "outside"
    outside.mkdir()
    for i in range(500):
        (outside / f"note{i:03}.txt").write_text(f"Note {i} says the code word is w{i}x.")
    shutil.copytree(outside, engine.settings.documents_dir / "bulk")
    wait_until(lambda: sum(n.startswith("bulk/") for n in sources(engine)) == 500, timeout=60)
    time.sleep(SETTLE * 3)  # a late second build would have started by now
    assert watched.builds in (1, 2)
    assert "bulk/note417.txt" in cited(engine, "w417x")


def test_deleted_and_renamed_files_leave_the_index(engine: Engine, watched: Any) -> None:
    docs = engine.settings.documents_dir
    (docs / "cats.txt").unlink()
    (docs / "dogs.md").rename(docs / "hounds.md")
    wait_until(lambda: "cats.txt" not in sources(engine) and "hounds.md" in sources(engine))
    assert "dogs.md" not in sources(engine)
    assert cited(engine, "Cats sleep for most of the day") <= {"hounds.md", "news/rain.txt"}


def test_a_folder_moved_out_takes_its_files_along(
    engine: Engine, watched: Any, tmp_path: Path
) -> None:
    (engine.settings.documents_dir / "news").rename(tmp_path / "news-gone")
    wait_until(lambda: "news/rain.txt" not in sources(engine))
    assert set(sources(engine)) == {"cats.txt", "dogs.md"}


def test_a_half_written_file_is_not_indexed_broken(engine: Engine, watched: Any) -> None:
    """Half a PDF: skipped with its reason (the bot keeps answering); the rest written later:
    read again and indexed."""
    pdf = make_pdf([["The Zorblax festival is held every autumn in Quentaria."]])
    target = engine.settings.documents_dir / "zorblax.pdf"
    target.write_bytes(pdf[: len(pdf) // 2])
    wait_until(lambda: watched.builds == 1)
    skipped = {s["source"] for s in engine.index().manifest["skipped"]}
    assert "zorblax.pdf" in skipped and "zorblax.pdf" not in sources(engine)
    assert "cats.txt" in cited(engine, "Cats sleep")  # still answering
    with target.open("ab") as out:
        out.write(pdf[len(pdf) // 2 :])
    wait_until(lambda: "zorblax.pdf" in sources(engine))
    assert "zorblax.pdf" in cited(engine, "When is the Zorblax festival held?")


def test_a_file_written_slowly_waits_for_the_last_write(engine: Engine, watched: Any) -> None:
    target = engine.settings.documents_dir / "slow.txt"
    with target.open("w", encoding="utf-8") as out:
        for i in range(6):  # a write every SETTLE / 3: never quiet for SETTLE
            out.write(f"Line {i} of the slow file mentions quokka{i}. ")
            out.flush()
            time.sleep(SETTLE / 3)
    wait_until(lambda: "slow.txt" in sources(engine))
    time.sleep(SETTLE * 2)
    assert watched.builds == 1
    assert "slow.txt" in cited(engine, "quokka5")


def test_changes_during_a_build_are_built_next(tmp_path: Path, engine: Engine) -> None:
    docs = engine.settings.documents_dir
    reports: list[BuildReport] = []

    def build() -> BuildReport:
        reports.append(engine.reindex())
        if len(reports) == 1:  # a file lands after the first build read the folder
            (docs / "late.txt").write_text("A late file about the walrus.", encoding="utf-8")
            time.sleep(SETTLE)
        engine.index()
        return reports[-1]

    with FolderWatcher(docs, build, lambda: engine.index().manifest, settle=SETTLE) as watcher:
        assert watcher.wait_ready()
        (docs / "first.txt").write_text("The first file is about the narwhal.", encoding="utf-8")
        wait_until(lambda: "late.txt" in sources(engine))
    assert "first.txt" in sources(engine) and len(reports) == 2


def test_a_change_already_indexed_costs_no_build(engine: Engine, watched: Any) -> None:
    """An upload or `docbot index` built it already: the watcher sees it is current."""
    docs = engine.settings.documents_dir
    (docs / "zorblax.txt").write_text(ZORBLAX, encoding="utf-8")
    engine.reindex()  # someone else, at once
    time.sleep(SETTLE * 4)
    assert watched.builds == 0 and "zorblax.txt" in sources(engine)


def test_hidden_files_and_editor_leftovers_are_ignored(engine: Engine, watched: Any) -> None:
    docs = engine.settings.documents_dir
    (docs / ".upload-1.tmp").write_text("half an upload")
    (docs / "cats.txt~").write_text("a backup")
    (docs / ".cats.txt.swp").write_text("swap")
    time.sleep(SETTLE * 4)
    assert watched.builds == 0


def test_watching_can_be_turned_off(tmp_path: Path) -> None:
    settings = settings_for(tmp_path / "documents", tmp_path / "index", watch=False)
    engine = Engine(settings, embedder=FakeEmbedder())
    with watching(settings, engine) as watcher:
        assert watcher is None


def test_needs_build_compares_with_the_manifest(engine: Engine) -> None:
    docs = engine.settings.documents_dir.resolve()
    manifest = engine.index().manifest
    assert not needs_build(docs, [str(docs / "cats.txt"), str(docs / "gone.txt")], manifest)
    (docs / "cats.txt").write_text("Cats changed their minds.", encoding="utf-8")
    assert needs_build(docs, [str(docs / "cats.txt")], manifest)
    (docs / "dogs.md").unlink()
    assert needs_build(docs, [str(docs / "dogs.md")], manifest)
    assert needs_build(docs, [str(docs / "news")], manifest)  # a folder: the build walks it


def test_describe_names_what_changed(engine: Engine) -> None:
    docs = engine.settings.documents_dir
    (docs / "cats.txt").unlink()
    for i in range(10):
        (docs / f"n{i}.txt").write_text(f"Note {i} is about owls.", encoding="utf-8")
    (docs / "tool.exe").write_bytes(b"MZ")
    line = describe(engine.reindex())
    assert line.startswith("added n0.txt, n1.txt") and "and 2 more" in line
    assert "removed cats.txt" in line and "skipped tool.exe (unsupported file type" in line


def test_a_folder_emptied_keeps_the_last_index(
    engine: Engine, watched: Any, caplog: pytest.LogCaptureFixture
) -> None:
    """No readable file left (a share unmounted by mistake): no build, the log says why."""
    for path in sorted(engine.settings.documents_dir.rglob("*"), reverse=True):
        path.rmdir() if path.is_dir() else path.unlink()
    with caplog.at_level("ERROR", logger="docbot.watching"):
        wait_until(lambda: "re-indexing after a change" in caplog.text)
    assert watched.builds == 0 and len(sources(engine)) == 3


@pytest.mark.model
@pytest.mark.subprocess
def test_docbot_serve_answers_from_a_file_saved_while_it_runs(
    fake_bot_api: FakeBotAPI, tmp_path: Path
) -> None:
    """`docbot serve` as a process watches its documents folder: a file saved into it is
    answered from, with no command run, and the log names it."""
    api = fake_bot_api
    shutil.copytree(DOCUMENTS, tmp_path / "documents")
    serve = Serve(api.token, api.base_url, tmp_path, "serve", {"DOCBOT_WATCH_SETTLE_S": "0.5"})
    try:
        api.wait_for(lambda: api.calls_to("getUpdates") or serve.process.poll() is not None, 90)
        assert serve.process.poll() is None, serve.output()
        time.sleep(1)  # the watcher starts with the bot
        (tmp_path / "documents" / "zorblax.txt").write_text(NEW_DOC, encoding="utf-8")
        wait_until(lambda: "documents changed: added zorblax.txt" in serve.output(), 60)
        api.private_text(USER, "Who founded the Zorblax Harvest Festival?")
        reply = texts(api.wait_sent(USER))[0]
    finally:
        code = serve.stop()
    assert "Velikova" in reply and "zorblax.txt" in reply
    assert code == 0, serve.output()
