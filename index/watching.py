"""Folder changes -> builds: :class:`FolderWatcher` watches the documents folder (``watchfiles``,
inotify on Linux) and runs an incremental build once the changes have settled.

Two threads: one only collects changed paths (so nothing that happens during a build is lost),
the other waits until no change came for ``settle`` seconds (at most ``longest_wait`` after the
first), then builds. A burst of 500 copied files is one build; a file still being written keeps
the build waiting. Before building it checks the changed paths against the current index's
manifest (:func:`needs_build`), so a change someone else already indexed (an upload, ``docbot
index``, another worker over PostgreSQL) costs no second build. When another build holds the
lock, it waits and checks again. A file that cannot be read is skipped by the build with its
reason, as always, and read again at its next change; a failed build is logged, never fatal.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Iterable, Mapping
from pathlib import Path
from typing import Any

import watchfiles

from index.errors import DocbotError, IndexLockedError
from index.loading import sha256_file
from index.report import BuildReport

logger = logging.getLogger("docbot.watching")

SETTLE_S = 1.0  # quiet this long after the last change before a build
LONGEST_WAIT_S = 30.0  # a folder that never goes quiet is still built this long after a change
LOCKED_RETRY_S = 1.0  # another build holds the lock: look again this often
SHOWN_NAMES = 8  # file names per kind of change in a log line


def needs_build(folder: Path, paths: Iterable[str], manifest: Mapping[str, Any]) -> bool:
    """True unless every changed path already reads as the current index has it: a file with
    the content the manifest recorded, or a gone file the manifest no longer names."""
    files: Mapping[str, Any] = manifest.get("files", {})
    skipped = {str(s.get("source")) for s in manifest.get("skipped", [])}
    root = Path(folder).resolve()
    for raw in paths:
        path = Path(raw)
        try:
            source = path.relative_to(root).as_posix()
        except ValueError:
            return True
        if path.is_dir():
            return True  # a folder moved in or out: the build walks it
        if not path.exists():
            named = source in files or source in skipped
            if named or any(name.startswith(f"{source}/") for name in files):
                return True
            continue
        info = files.get(source)
        if not isinstance(info, Mapping) or info.get("sha256") != sha256_file(path):
            return True
    return False


def describe(report: BuildReport) -> str:
    """What a build changed, in one line for the log."""
    parts = [
        f"{kind} {_names(names)}"
        for kind, names in (
            ("added", report.added),
            ("changed", report.changed),
            ("removed", report.removed),
        )
        if names
    ]
    skipped = [f"{s.source} ({s.reason})" for s in report.skipped]
    if skipped:
        parts.append(f"skipped {_names(skipped)}")
    what = "; ".join(parts) or "nothing changed"
    return f"{what}; {report.chunks} passages, in {report.seconds:.1f} s"


def _names(names: list[str]) -> str:
    shown = ", ".join(names[:SHOWN_NAMES])
    more = len(names) - SHOWN_NAMES
    return f"{shown} and {more} more" if more > 0 else shown


class FolderWatcher:
    """Watches ``folder`` from :meth:`start` to :meth:`stop` (or as a context manager).

    ``build`` runs an incremental build and loads it (what the front end wants done);
    ``indexed`` returns the current index's manifest (:func:`needs_build` reads it); ``say``
    receives one line per build."""

    def __init__(
        self,
        folder: Path,
        build: Callable[[], BuildReport],
        indexed: Callable[[], Mapping[str, Any]],
        *,
        settle: float = SETTLE_S,
        longest_wait: float = LONGEST_WAIT_S,
        say: Callable[[str], None] = logger.info,
        force_polling: bool | None = None,
    ) -> None:
        self.folder = Path(folder).resolve()
        self._build, self._indexed, self._say = build, indexed, say
        self.settle, self.longest_wait = settle, longest_wait
        self._force_polling = force_polling
        self._changed: set[str] = set()
        self._first = self._last = 0.0
        self._cond = threading.Condition()
        self._stop = threading.Event()
        self._threads = [
            threading.Thread(target=self._collect, name="docbot-watch", daemon=True),
            threading.Thread(target=self._builder, name="docbot-watch-build", daemon=True),
        ]
        self.builds = 0  # builds run (the tests count them)
        self.watching = threading.Event()  # set once the folder is being watched

    def __enter__(self) -> FolderWatcher:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def start(self) -> FolderWatcher:
        for thread in self._threads:
            thread.start()
        return self

    def stop(self, timeout: float = 30.0) -> None:
        """Stop watching; a build in progress finishes first (up to ``timeout`` seconds)."""
        self._stop.set()
        with self._cond:
            self._cond.notify_all()
        for thread in self._threads:
            thread.join(timeout)

    def wait_ready(self, timeout: float = 10.0) -> bool:
        """True once the folder is watched: changes from then on are seen."""
        return self.watching.wait(timeout)

    # --- the collecting thread ------------------------------------------------------------
    def _collect(self) -> None:
        try:
            batches = watchfiles.watch(
                self.folder,
                watch_filter=self._wanted,
                stop_event=self._stop,
                debounce=200,
                step=50,
                rust_timeout=500,
                yield_on_timeout=True,
                raise_interrupt=False,
                force_polling=self._force_polling,
            )
            for batch in batches:
                self.watching.set()
                if batch:
                    self._add({path for _, path in batch})
        except Exception:  # the folder vanished, too many watches...: say so, keep answering
            logger.exception("stopped watching %s; run `docbot index` after changes", self.folder)

    def _wanted(self, change: watchfiles.Change, path: str) -> bool:
        """The default filter (editor swap files, .git, ...) and no hidden file or folder,
        which the build ignores too."""
        if not watchfiles.DefaultFilter()(change, path):
            return False
        try:
            parts = Path(path).relative_to(self.folder).parts
        except ValueError:
            return False
        return not any(part.startswith(".") for part in parts)

    def _add(self, paths: set[str]) -> None:
        with self._cond:
            now = time.monotonic()
            if not self._changed:
                self._first = now
            self._changed |= paths
            self._last = now
            self._cond.notify_all()

    # --- the building thread --------------------------------------------------------------
    def _builder(self) -> None:
        while not self._stop.is_set():
            paths = self._settled()
            if paths:
                self._build_for(paths)

    def _settled(self) -> set[str]:
        """The changed paths once the folder has been quiet for ``settle`` seconds (or
        ``longest_wait`` passed since the first); empty when stopping."""
        with self._cond:
            while not self._stop.is_set():
                if not self._changed:
                    self._cond.wait(1.0)
                    continue
                now = time.monotonic()
                due = min(self._last + self.settle, self._first + self.longest_wait)
                if now >= due:
                    paths, self._changed = self._changed, set()
                    return paths
                self._cond.wait(due - now)
            return set()

    def _build_for(self, paths: set[str]) -> None:
        while not self._stop.is_set():
            if not self._stale(paths):
                logger.info("%d change(s) in %s already indexed", len(paths), self.folder)
                return
            try:
                report = self._build()
            except IndexLockedError:  # another build runs: it may include these changes
                self._stop.wait(LOCKED_RETRY_S)
                continue
            except DocbotError as exc:  # e.g. no usable file left: the old index stays
                logger.error("re-indexing after a change in %s failed: %s", self.folder, exc)
                return
            except Exception:
                logger.exception("re-indexing after a change in %s failed", self.folder)
                return
            self.builds += 1
            self._say(f"documents changed: {describe(report)}")
            return

    def _stale(self, paths: set[str]) -> bool:
        try:
            manifest = self._indexed()
        except Exception:  # no index yet, or it cannot be loaded: a build decides
            return True
        return needs_build(self.folder, paths, manifest)
