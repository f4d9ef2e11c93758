"""Which documents each chat may be answered from: the scopes file (``DOCBOT_SCOPES``), a
small TOML file mapping chat ids to subfolders of the documents folder::

    default = "all"                       # chats not listed: "all" or "none"
    [chats]
    "-1001234567890" = ["hr", "public"]   # subfolders of the documents folder
    "42" = ["finance"]
    "7" = "all"                           # e.g. the admins' chat when the default is "none"

:class:`ChatScopes` reads it at start (a bad file stops the bot with the fix) and again whenever
it changes (its modification time or size): a bad change is logged and the scopes read before
it stay. Without the setting every chat sees everything. The scope itself, and how a search
keeps to it, is :mod:`index.scope`'s."""

from __future__ import annotations

import logging
import os
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from bot.telegram.catalogue import text
from bot.telegram.errors import ScopesFileError
from bot.telegram.replies import SCOPE_ALL, SCOPE_NONE
from index.scope import EVERYTHING, NOTHING, Scope

logger = logging.getLogger("docbot.telegram")

DEFAULTS = {"all": EVERYTHING, "none": NOTHING}


def described(scope: Scope, language: str) -> str:
    """:meth:`Scope.describe` in ``language``: "all documents", "no documents", or its folders
    ("hr/, public/")."""
    if scope.everything:
        return text(language, SCOPE_ALL)
    return scope.describe() if scope.folders else text(language, SCOPE_NONE)


@dataclass(frozen=True)
class ScopeMap:
    """The scopes of one reading of the file: listed chats, and the default for the rest."""

    default: Scope = EVERYTHING
    chats: Mapping[int, Scope] = field(default_factory=dict)

    def of(self, chat_id: int) -> Scope:
        return self.chats.get(chat_id, self.default)


def parse(text: str) -> ScopeMap:
    """A scopes file's text as a :class:`ScopeMap`; ValueError says what is wrong."""
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ValueError(f"it is not valid TOML ({exc})") from exc
    unknown = sorted(set(data) - {"default", "chats"})
    if unknown:
        raise ValueError(f"unknown key(s) {', '.join(unknown)}: only default and [chats]")
    default = data.get("default", "all")
    if not isinstance(default, str) or default not in DEFAULTS:
        raise ValueError(f'default is {default!r}: use "all" or "none"')
    chats = data.get("chats", {})
    if not isinstance(chats, dict):
        raise ValueError('chats must be a table: [chats] then "CHAT_ID" = ["folder", ...]')
    return ScopeMap(DEFAULTS[default], {_chat_id(k): _scope(k, v) for k, v in chats.items()})


def _chat_id(key: str) -> int:
    try:
        return int(key)
    except ValueError:
        raise ValueError(f"chat {key!r} is not a chat id (a number: -1001234567890)") from None


def _scope(chat: str, value: Any) -> Scope:
    if isinstance(value, str) and value in DEFAULTS:
        return DEFAULTS[value]
    if not isinstance(value, list) or not all(isinstance(f, str) for f in value):
        raise ValueError(f'chat {chat}: give a list of folders such as ["hr", "public"], or "all"')
    try:
        return Scope.of(value)
    except ValueError as exc:
        raise ValueError(f"chat {chat}: folder {exc}") from None


def read(path: Path) -> ScopeMap:
    """The scopes file at ``path``; :class:`ScopesFileError` says what to fix."""
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise ScopesFileError(path, f"it cannot be read ({type(exc).__name__}: {exc})") from None
    try:
        return parse(text)
    except ValueError as exc:
        raise ScopesFileError(path, str(exc)) from None


def _signature(path: Path) -> tuple[int, int] | None:
    try:
        st = os.stat(path)
    except OSError:
        return None
    return st.st_mtime_ns, st.st_size


class ChatScopes:
    """The scope of each chat, following the scopes file at ``path`` (None: no file, every
    chat sees everything)."""

    def __init__(self, path: Path | None, documents: Path | None = None) -> None:
        self.path, self.documents = path, documents
        self.map = ScopeMap()
        self.problem: str | None = None  # why the last change was not taken
        self._seen: tuple[int, int] | None = None
        if path is not None:
            self._seen = _signature(path)
            self.map = read(path)  # at start a bad file stops the bot
            self._warn_missing_folders()

    @classmethod
    def of_setting(cls, setting: str, documents: Path) -> ChatScopes:
        """From ``DOCBOT_SCOPES`` (empty: no file)."""
        return cls(Path(setting) if setting.strip() else None, documents)

    def of(self, chat_id: int) -> Scope:
        """The chat's scope, after taking in a change of the file."""
        self.refresh()
        return self.map.of(chat_id)

    def refresh(self) -> None:
        """Read the file again when it changed; a bad change is logged and ignored."""
        if self.path is None:
            return
        seen = _signature(self.path)
        if seen == self._seen:
            return
        self._seen = seen
        try:
            self.map = read(self.path)
        except ScopesFileError as exc:
            self.problem = str(exc)
            logger.error("%s; the scopes read before still apply", exc)
            return
        self.problem = None
        logger.info("scopes file %s read again", self.path)
        self._warn_missing_folders()

    def _warn_missing_folders(self) -> None:
        """A folder the documents folder does not have is most likely a typo: say so."""
        if self.documents is None:
            return
        folders = {f for s in self.map.chats.values() for f in s.folders or ()}
        for folder in sorted(f for f in folders if not (self.documents / f).is_dir()):
            logger.warning(
                "scopes file %s names %s/, which is not a folder of %s",
                self.path,
                folder,
                self.documents,
            )
