""":class:`SharedState`: the shared stores of one bot over one ``DOCBOT_STORE`` database."""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass

from bot.settings import Settings
from bot.telegram.shared import schema
from bot.telegram.shared.answers import PgRecentAnswers
from bot.telegram.shared.conversations import PgAnswerMessages, PgConversationStore
from bot.telegram.shared.db import SharedDb
from bot.telegram.shared.gaps import PgAskedLog
from bot.telegram.shared.ratelimit import PgRateLimit
from bot.telegram.shared.votes import PgFeedbackLog
from index.errors import StoreUnreachableError

logger = logging.getLogger("docbot.workers")

RETRY_S = 5.0  # between attempts to reach the database at start


@dataclass(frozen=True)
class SharedState:
    db: SharedDb
    bot_id: str
    conversations: PgConversationStore
    rate: PgRateLimit
    feedback: PgFeedbackLog
    answers: PgRecentAnswers
    answer_messages: PgAnswerMessages
    asked: PgAskedLog

    @classmethod
    def open(cls, settings: Settings, bot_id: str) -> SharedState:
        """The stores (no connection yet: :meth:`ready` makes the tables)."""
        db = SharedDb(settings.store)
        max_age = settings.conversation_minutes * 60
        return cls(
            db,
            bot_id,
            PgConversationStore(db, bot_id, settings.conversation_turns, max_age),
            PgRateLimit(db, bot_id, settings.questions_per_minute),
            PgFeedbackLog(db, bot_id),
            PgRecentAnswers(db, bot_id),
            PgAnswerMessages(db, bot_id, max_age),
            PgAskedLog(db, bot_id),
        )

    def create_tables(self) -> None:
        """The tables, then the conversation turns tidied (old ones, old keys)."""
        self.db.run(schema.create)
        self.conversations.tidy()

    async def ready(self, retry_s: float = RETRY_S) -> None:
        """The tables exist; while the database cannot be reached, one log line per attempt
        and another attempt (never an exit that a supervisor would turn into a crash loop)."""
        while True:
            try:
                await asyncio.to_thread(self.create_tables)
                return
            except StoreUnreachableError as exc:
                logger.error("%s; trying again in %.0f s", exc, retry_s)
            await asyncio.sleep(retry_s)
