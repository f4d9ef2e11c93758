"""The question log: one line per question's outcome (answered, refused, or its answer voted
👎), for ``/gaps`` and ``/stats``. Answered questions keep no text; no line holds a user's name or
id (the asker is the feedback log's salted hash). A JSONL file appended with ``fsync``, so a line
written survives ``kill -9`` and a power cut; a torn last line (a write cut short) is skipped
when read and closed off before the next append. With ``DOCBOT_STORE`` the same lines live in
PostgreSQL (:mod:`bot.telegram.shared.gaps`)."""

from __future__ import annotations

import json
import logging
import os
import threading
import time
from pathlib import Path
from typing import Protocol

from bot.answering.answers import Answer
from bot.answering.gaps import ANSWERED, DOWN, REFUSED, Asked
from index.scope import EVERYTHING, Scope

logger = logging.getLogger("docbot.telegram")


class AskedStore(Protocol):
    def record(self, asked: Asked) -> None: ...

    def read(self, since: float = 0.0) -> list[Asked]: ...


def asked_file(feedback_file: Path) -> Path:
    """The question log: next to the feedback log."""
    return Path(feedback_file).parent / "questions.jsonl"


def scope_key(scope: Scope) -> str:
    """What a line keeps of the chat's scope (``DOCBOT_SCOPES``): its key, "" for everything
    (as lines written before scopes read)."""
    return "" if scope.everything else scope.key


def answer_outcome(
    answer: Answer, chat: str, asker: str, at: float | None = None, scope: Scope = EVERYTHING
) -> Asked:
    """An answered question keeps its time, chat kind and scope only; a refused one its text
    too."""
    when = time.time() if at is None else at
    if answer.found:
        return Asked(ANSWERED, when, chat, scope=scope_key(scope))
    return Asked(REFUSED, when, chat, asked_question(answer), asker, scope_key(scope))


def vote_outcome(
    answer: Answer,
    vote: str,
    chat: str,
    asker: str,
    at: float | None = None,
    scope: Scope = EVERYTHING,
) -> Asked | None:
    """A 👎 on an answer is a gap; a 👍, or a 👎 on a refusal (already recorded), is not."""
    if vote != "down" or not answer.found:
        return None
    when = time.time() if at is None else at
    return Asked(DOWN, when, chat, asked_question(answer), asker, scope_key(scope))


def asked_question(answer: Answer) -> str:
    """The question as searched: a follow-up ("and in 2012?") read with its conversation."""
    return answer.resolved or answer.question


class AskedLog:
    """The question log in a JSONL file (one process writes it)."""

    def __init__(self, path: Path) -> None:
        self.path = Path(path)
        self._lock = threading.Lock()
        self._checked = False

    def record(self, asked: Asked) -> None:
        data = (json.dumps(asked.to_json(), ensure_ascii=False) + "\n").encode("utf-8")
        with self._lock:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            fd = os.open(self.path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
            try:
                if not self._checked:
                    data = self._torn_tail(fd) + data
                    self._checked = True
                os.write(fd, data)
                os.fsync(fd)
            finally:
                os.close(fd)

    def _torn_tail(self, fd: int) -> bytes:
        """A newline when the file ends inside a line (a write cut by a crash), so that the
        next line stays whole and only the torn one is skipped."""
        size = os.fstat(fd).st_size
        if size == 0:
            return b""
        with self.path.open("rb") as f:
            f.seek(size - 1)
            return b"" if f.read(1) == b"\n" else b"\n"

    def read(self, since: float = 0.0) -> list[Asked]:
        """Every whole line at or after ``since``, in order; torn or foreign lines skipped."""
        try:
            raw = self.path.read_bytes()
        except FileNotFoundError:
            return []
        out: list[Asked] = []
        skipped = 0
        for line in raw.split(b"\n"):
            if not line.strip():
                continue
            try:
                row = json.loads(line)
                asked = Asked.from_json(row) if isinstance(row, dict) else None
            except (ValueError, UnicodeDecodeError):
                asked = None
            if asked is None:
                skipped += 1
            elif asked.at >= since:
                out.append(asked)
        if skipped:
            logger.warning("%s: skipped %d unreadable line(s)", self.path, skipped)
        return out
