"""Two workers over one PostgreSQL store, each watching the same documents folder (as two
``docbot serve`` processes do): a change is built once or twice at most (the store's lock; a
change already indexed costs the other no build), and both follow the new version."""

from __future__ import annotations

import time
from collections.abc import Callable
from contextlib import ExitStack
from pathlib import Path

from support.documents import ARTICLES, write_documents
from support.engines import settings_for
from support.fakes import FakeEmbedder

from bot.answering.engine import Engine
from bot.cli.commands import watching
from index.watching import FolderWatcher

SETTLE = 0.3


def test_two_workers_follow_one_watched_build(pg_url: str, tmp_path: Path) -> None:
    docs = write_documents(tmp_path / "documents", ARTICLES)
    workers = [
        Engine(
            settings_for(docs, tmp_path / f"unused-{i}", store=pg_url, watch_settle_s=SETTLE),
            embedder=FakeEmbedder(),
        )
        for i in range(2)
    ]
    workers[0].reindex()
    with ExitStack() as stack:
        watchers: list[FolderWatcher] = []
        for engine in workers:
            engine.index()
            watcher = stack.enter_context(watching(engine.settings, engine))
            assert watcher is not None and watcher.wait_ready()
            watchers.append(watcher)
        (docs / "zorblax.txt").write_text("The Zorblax festival is in Quentaria.", "utf-8")
        (docs / "dogs.md").unlink()
        wait_for_all(workers, lambda s: "zorblax.txt" in s and "dogs.md" not in s)
        time.sleep(SETTLE * 4)  # a redundant second build would have run by now
        builds = sum(w.builds for w in watchers)
    assert builds in (1, 2)
    for engine in workers:
        hits = engine.search(["Dogs bark at strangers"], 10)[0]
        assert "dogs.md" not in {h.chunk.source for h in hits}


def wait_for_all(
    workers: list[Engine], check: Callable[[dict[str, int]], bool], timeout: float = 30.0
) -> None:
    started = time.monotonic()
    while not all(check(engine.index().sources()) for engine in workers):
        assert time.monotonic() - started < timeout, "a worker did not follow the build"
        time.sleep(0.05)
