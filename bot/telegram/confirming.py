"""Changes to the documents that wait for an admin's confirm button: replacing a file by an
upload of the same name, deleting one. Each waits as a small JSON file (and the upload's bytes)
in a folder beside the feedback log, named by a random token the button carries, so a press
works after a restart and on any worker sharing the folder; taking one is a rename, so two
presses (or two workers) carry it out once. Requests older than ``max_age`` are forgotten."""

from __future__ import annotations

import contextlib
import json
import os
import secrets
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from telegram import InlineKeyboardButton, InlineKeyboardMarkup

from bot.settings import Settings
from bot.telegram.catalogue import text
from bot.telegram.replies import CANCEL_BUTTON

Action = Literal["replace", "delete"]
MAX_AGE_S = 3600.0  # a confirm button works for an hour
PREFIX = "dc:"  # callback data: dc:<token>:y (confirm) or dc:<token>:n (cancel)


def confirmations(settings: Settings) -> Confirmations:
    """The waiting changes of this bot: beside the feedback log (like the delivery journal)."""
    return Confirmations(Path(settings.feedback_file).parent / "confirmations")


def confirm_keyboard(token: str, label: str, language: str) -> InlineKeyboardMarkup:
    """The two buttons under a question: ``label`` (carry it out) and Cancel, in ``language``."""
    return InlineKeyboardMarkup(
        [
            [
                InlineKeyboardButton(text(language, label), callback_data=f"{PREFIX}{token}:y"),
                InlineKeyboardButton(
                    text(language, CANCEL_BUTTON), callback_data=f"{PREFIX}{token}:n"
                ),
            ]
        ]
    )


@dataclass(frozen=True)
class Pending:
    """One change waiting for its button: ``name`` relative to the documents folder."""

    action: Action
    name: str
    user: int
    data: bytes | None = None  # the uploaded content that replaces the file


class Confirmations:
    """The waiting changes, kept in ``folder``."""

    def __init__(self, folder: Path, max_age: float = MAX_AGE_S) -> None:
        self.folder = Path(folder)
        self.max_age = max_age

    def add(self, pending: Pending) -> str:
        """Keep ``pending``; the token its buttons carry (16 characters)."""
        self.folder.mkdir(parents=True, exist_ok=True)
        self._forget_old()
        token = secrets.token_urlsafe(12)
        if pending.data is not None:
            (self.folder / f"{token}.data").write_bytes(pending.data)
        record = {"action": pending.action, "name": pending.name, "user": pending.user}
        tmp = self.folder / f".{token}.tmp"
        tmp.write_text(json.dumps(record, ensure_ascii=False), encoding="utf-8")
        os.replace(tmp, self.folder / f"{token}.json")
        return token

    def take(self, token: str) -> Pending | None:
        """The change behind ``token``, removed; None when unknown, expired or already taken."""
        if not token or not token.replace("-", "").replace("_", "").isalnum():
            return None
        path, claimed = self.folder / f"{token}.json", self.folder / f"{token}.taken"
        try:
            os.rename(path, claimed)  # one press wins
        except OSError:
            return None
        data_path = self.folder / f"{token}.data"
        try:
            fresh = time.time() - claimed.stat().st_mtime <= self.max_age
            record = json.loads(claimed.read_text(encoding="utf-8"))
            data = data_path.read_bytes() if data_path.exists() else None
        except (OSError, ValueError):
            return None
        finally:
            for leftover in (claimed, data_path):
                with contextlib.suppress(OSError):
                    leftover.unlink()
        if not fresh:
            return None
        return Pending(record["action"], str(record["name"]), int(record["user"]), data)

    def _forget_old(self) -> None:
        cutoff = time.time() - self.max_age
        for path in self.folder.iterdir():
            with contextlib.suppress(OSError):
                if path.stat().st_mtime < cutoff:
                    path.unlink()
