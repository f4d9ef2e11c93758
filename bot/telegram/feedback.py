"""👍/👎 feedback: a bounded memory of recent answers behind short ids (what the buttons carry),
and a JSONL log with one line per vote. User ids are stored only as a salted hash."""

from __future__ import annotations

import hashlib
import json
import os
import secrets
import threading
import time
from collections import OrderedDict
from pathlib import Path

from bot.answering.answers import Answer

VOTES = {"up": "up", "down": "down"}


class RecentAnswers:
    """The last ``size`` answers, each under a short random id (8 hex characters)."""

    def __init__(self, size: int = 2000) -> None:
        self.size = size
        self._items: OrderedDict[str, Answer] = OrderedDict()
        self._lock = threading.Lock()

    def add(self, answer: Answer) -> str:
        with self._lock:
            key = secrets.token_hex(4)
            while key in self._items:
                key = secrets.token_hex(4)
            self._items[key] = answer
            while len(self._items) > self.size:
                self._items.popitem(last=False)
            return key

    def get(self, key: str) -> Answer | None:
        with self._lock:
            return self._items.get(key)


def load_salt(path: Path) -> bytes:
    """The salt for user-id hashes, created once (random, owner-readable only) next to the log."""
    path.parent.mkdir(parents=True, exist_ok=True)
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        return path.read_bytes().strip()
    with os.fdopen(fd, "wb") as out:
        salt = secrets.token_hex(16).encode()
        out.write(salt)
    return salt


class FeedbackLog:
    """Appends one JSON line per vote to ``path``; the salt lives in ``<path>.salt``. Each line
    names the bot that gave the answer (``bot_id``), so a log outlives a change of token."""

    def __init__(self, path: Path, bot_id: str | None = None) -> None:
        self.path = Path(path)
        self.bot_id = bot_id
        self._salt: bytes | None = None
        self._lock = threading.Lock()

    def user_hash(self, user_id: int) -> str:
        if self._salt is None:
            self._salt = self.load_salt()
        return hashlib.sha256(self._salt + str(user_id).encode()).hexdigest()[:16]

    def load_salt(self) -> bytes:
        return load_salt(self.path.with_name(self.path.name + ".salt"))

    def record(
        self, answer: Answer, vote: str, user_id: int, now: float | None = None
    ) -> dict[str, object]:
        """Append the vote; returns the line written."""
        if vote not in VOTES:
            raise ValueError(f"vote must be 'up' or 'down', not {vote!r}")
        line = {
            "time": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(now)),
            "question": answer.question,
            "resolved": answer.resolved,
            "answer": answer.text,
            "found": answer.found,
            "short_answer": answer.short.to_json() if answer.short else None,
            "confidence": answer.confidence,
            "sources": [
                {"n": c.n, "source": c.source, "location": c.location, "text": c.quote}
                for c in answer.citations
            ],
            "vote": vote,
            "user": self.user_hash(user_id),
        }
        if self.bot_id is not None:
            line["bot"] = self.bot_id
        self.write(line)
        return line

    def write(self, line: dict[str, object]) -> None:
        """Append one vote's line to the log file."""
        with self._lock:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            with self.path.open("a", encoding="utf-8") as out:
                out.write(json.dumps(line, ensure_ascii=False) + "\n")
