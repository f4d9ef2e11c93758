"""An engine that answers by script, for bot tests that need no index and no model: a question
naming one of its ``known`` words is answered, any other is "not in the documents"; its index
holds nothing but the fake embedder (what ``/gaps`` groups with)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from bot.answering.answers import Answer
from bot.answering.conversation import MemoryConversationStore
from bot.settings import Settings
from index.errors import DocbotError
from index.scope import Scope

from .answers import cite
from .bots import ADMIN
from .fakebotapi import FakeBotAPI
from .fakes import FakeEmbedder

FESTIVAL = "The festival was founded in 1987 by the beekeeper Marta Velikova."


class ScriptedIndex:
    def __init__(self) -> None:
        self.embedder = FakeEmbedder()
        self.folder = "scripted"  # the one build it stands for (the notifier reads it)

    def sources(self) -> dict[str, int]:
        return {"festival.txt": 1}

    def __len__(self) -> int:
        return 1

    def scope_sources(self, scope: Scope) -> dict[str, int]:  # /start and /sources
        return self.sources()

    def scope_passages(self, scope: Scope) -> int:
        return len(self)


class ScriptedEngine:
    def __init__(self, settings: Settings, known: tuple[str, ...] = ("festival",)) -> None:
        self.settings = settings
        self.known = known
        self.conversations: Any = MemoryConversationStore()
        self._index = ScriptedIndex()
        self.embedder = self._index.embedder

    def ask(
        self,
        question: str,
        conversation_id: str | None = None,
        k: int | None = None,
        scope: Scope | None = None,
    ) -> Answer:
        if any(word in question.lower() for word in self.known):
            citation = cite(1, FESTIVAL, FESTIVAL, source="festival.txt")
            return Answer(question, question, f"{FESTIVAL} [1]", True, (citation,))
        return Answer(question, question, "That is not in the documents.", False)

    def index(self) -> Any:  # what the bot reads of an Index: the embedder, sources, size
        return self._index

    def has_index(self) -> bool:
        return True

    def reindex(self, *args: Any, **kwargs: Any) -> Any:
        raise DocbotError("the scripted engine builds nothing")


def scripted(api: FakeBotAPI, tmp_path: Path) -> tuple[Settings, ScriptedEngine]:
    """Settings for a bot on the fake Bot API (``ADMIN`` its admin) and a scripted engine."""
    settings = Settings(
        _env_file=None,
        telegram_bot_token=api.token,
        telegram_base_url=api.base_url,
        documents_dir=tmp_path / "documents",
        index_dir=tmp_path / "index",
        feedback_file=tmp_path / "state" / "feedback.jsonl",
        admins=[ADMIN],
    )
    return settings, ScriptedEngine(settings)
