"""Requests to be told when the documents answer a refused question ("🔔 Tell me when the
documents answer this"): :class:`Request`, what every store of them offers
(:class:`RequestStore`), and :class:`FileRequests`, the one-process store: one JSON file next to
the bot's other state, rewritten atomically on every change (a temporary file, fsync, rename),
so that a ``kill -9`` at any moment leaves either the old or the new list, never half of one.

Each request remembers the index version it was last asked against (``checked``): after every
new build the waiting questions are asked again (:mod:`bot.telegram.notify`), and one that is
still refused records the new version, so each is asked once per build, across restarts too.
With ``DOCBOT_STORE`` the requests live in PostgreSQL (:mod:`bot.telegram.shared.requests`)."""

from __future__ import annotations

import json
import logging
import os
import secrets
import tempfile
import threading
import time
from dataclasses import asdict, dataclass, replace
from pathlib import Path
from typing import Any, Literal, Protocol

logger = logging.getLogger("docbot.telegram")

MAX_PER_USER = 20  # requests one user may have waiting in one chat
FILE_FORMAT = 1

Added = Literal["added", "already", "full"]


@dataclass(frozen=True)
class Request:
    """A question someone wants answered once the documents answer it."""

    id: str  # 8 hex characters, carried by the cancel button
    chat_id: int
    user_id: int
    question: str  # as searched: a follow-up resolved against its conversation
    reply_to: int | None  # the message the answer replies to, when it still exists
    topic: int | None  # the forum topic, if any
    asked_at: float  # seconds since the epoch
    checked: str = ""  # the index version it was last asked against ("": none yet)
    language: str = ""  # the asker's, for the notification ("": the chat's last known)

    @classmethod
    def new(
        cls,
        chat_id: int,
        user_id: int,
        question: str,
        reply_to: int | None,
        topic: int | None,
        now: float | None = None,
        language: str = "",
    ) -> Request:
        asked = time.time() if now is None else now
        return cls(
            secrets.token_hex(4), chat_id, user_id, question, reply_to, topic, asked, "", language
        )

    def same_question(self, other: Request) -> bool:
        """The same person waiting for the same question in the same chat."""
        return (self.chat_id, self.user_id, self.question.casefold()) == (
            other.chat_id,
            other.user_id,
            other.question.casefold(),
        )


class RequestStore(Protocol):
    """Where requests wait. Calls block (file or database): the bot runs them in a thread."""

    def add(self, request: Request) -> Added:
        """``added``; ``already`` when the person waits for this question here; ``full`` at
        :data:`MAX_PER_USER`."""

    def of_user(self, chat_id: int, user_id: int) -> list[Request]:
        """The person's requests in the chat, oldest first."""

    def cancel(self, request_id: str, user_id: int) -> Request | None:
        """Forget the person's request; None when there is no such request of theirs."""

    def next_due(self, version: str) -> Request | None:
        """A request not yet asked against index ``version``, now this process's (claimed:
        no other worker takes it until :meth:`checked`, :meth:`release`, :meth:`done` or the
        claim's lease runs out); None when there is none."""

    def checked(self, request_id: str, version: str) -> None:
        """Asked against ``version`` and still not answered: it waits for the next build."""

    def release(self, request_id: str) -> None:
        """Not sent (Telegram unreachable): it is asked again on the next look."""

    def done(self, request_id: str) -> None:
        """Sent (or never sendable): forgotten."""

    def expire(self, before: float) -> int:
        """Forget the requests made before ``before``; how many."""


class FileRequests:
    """The requests of one bot process in a JSON file (``path``), kept in memory too."""

    def __init__(self, path: Path) -> None:
        self.path = Path(path)
        self._lock = threading.Lock()
        self._items: dict[str, Request] = self._read()

    def _read(self) -> dict[str, Request]:
        for left in self.path.parent.glob(f"{self.path.name}*.tmp"):  # a write killed half-way
            left.unlink(missing_ok=True)
        try:
            data = json.loads(self.path.read_text(encoding="utf-8"))
            items = [Request(**row) for row in data["requests"]]
        except FileNotFoundError:
            return {}
        except (OSError, ValueError, KeyError, TypeError) as exc:
            kept = self.path.with_name(self.path.name + ".unreadable")
            logger.error(
                "%s cannot be read (%s): kept as %s, starting with no waiting requests",
                self.path,
                exc,
                kept,
            )
            self.path.replace(kept)
            return {}
        return {r.id: r for r in items}

    def _write(self) -> None:
        """The whole list, atomically: a temporary file in the same folder, fsynced, renamed
        over the old one, and the folder fsynced (the rename survives a power cut too)."""
        self.path.parent.mkdir(parents=True, exist_ok=True)
        rows: list[dict[str, Any]] = [asdict(r) for r in self._items.values()]
        text = json.dumps({"format": FILE_FORMAT, "requests": rows}, ensure_ascii=False)
        fd, tmp = tempfile.mkstemp(prefix=self.path.name, suffix=".tmp", dir=self.path.parent)
        try:
            with os.fdopen(fd, "w", encoding="utf-8") as out:
                out.write(text)
                out.flush()
                os.fsync(out.fileno())
            os.replace(tmp, self.path)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise
        folder = os.open(self.path.parent, os.O_RDONLY)
        try:
            os.fsync(folder)
        finally:
            os.close(folder)

    def add(self, request: Request) -> Added:
        with self._lock:
            waiting = [r for r in self._items.values() if r.chat_id == request.chat_id]
            mine = [r for r in waiting if r.user_id == request.user_id]
            if any(r.same_question(request) for r in mine):
                return "already"
            if len(mine) >= MAX_PER_USER:
                return "full"
            self._items[request.id] = request
            self._write()
            return "added"

    def of_user(self, chat_id: int, user_id: int) -> list[Request]:
        with self._lock:
            mine = [r for r in self._items.values() if (r.chat_id, r.user_id) == (chat_id, user_id)]
        return sorted(mine, key=lambda r: r.asked_at)

    def cancel(self, request_id: str, user_id: int) -> Request | None:
        with self._lock:
            request = self._items.get(request_id)
            if request is None or request.user_id != user_id:
                return None
            del self._items[request_id]
            self._write()
            return request

    def next_due(self, version: str) -> Request | None:
        # one process asks them one at a time: no claim needed beyond the order of calls
        with self._lock:
            due = [r for r in self._items.values() if r.checked != version]
        return min(due, key=lambda r: r.asked_at) if due else None

    def checked(self, request_id: str, version: str) -> None:
        with self._lock:
            request = self._items.get(request_id)
            if request is not None and request.checked != version:
                self._items[request_id] = replace(request, checked=version)
                self._write()

    def release(self, request_id: str) -> None:
        """Nothing to undo: the request stays as it was and is due again."""

    def done(self, request_id: str) -> None:
        with self._lock:
            if self._items.pop(request_id, None) is not None:
                self._write()

    def expire(self, before: float) -> int:
        with self._lock:
            old = [i for i, r in self._items.items() if r.asked_at < before]
            for request_id in old:
                del self._items[request_id]
            if old:
                self._write()
            return len(old)
