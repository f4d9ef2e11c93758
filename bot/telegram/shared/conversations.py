"""Conversation turns in PostgreSQL: a follow-up posted to one worker resolves against the
question another worker answered. Same limits as the memory store (turns per conversation, a
maximum age), measured with the database's clock so that workers on several machines agree."""

from __future__ import annotations

import json
from dataclasses import asdict
from typing import Any

from bot.answering.conversation import Turn
from bot.telegram.shared.db import SharedDb


def _turn(data: dict[str, Any], at: float) -> Turn:
    data = {**data, "cited": tuple(data.get("cited", ())), "at": at}
    return Turn(**data)


class PgConversationStore:
    """A :class:`~bot.answering.conversation.ConversationStore` in the ``bot_turns`` table."""

    def __init__(self, db: SharedDb, bot_id: str, turns: int = 6, max_age: float = 1800.0) -> None:
        self.db, self.bot_id, self.turns, self.max_age = db, bot_id, turns, max_age

    def recent(self, conversation_id: str) -> list[Turn]:
        def read(conn: Any) -> list[Turn]:
            rows = conn.execute(
                "SELECT turn, extract(epoch FROM at) FROM bot_turns"
                " WHERE bot_id = %s AND conversation_id = %s"
                " AND at > now() - make_interval(secs => %s) ORDER BY seq DESC LIMIT %s",
                (self.bot_id, conversation_id, self.max_age, self.turns),
            ).fetchall()
            return [_turn(data, float(at)) for data, at in reversed(rows)]

        return self.db.run(read)

    def add(self, conversation_id: str, turn: Turn) -> None:
        data = {k: v for k, v in asdict(turn).items() if k != "at"}

        def write(conn: Any) -> None:
            with conn.transaction():
                conn.execute(
                    "INSERT INTO bot_turns (bot_id, conversation_id, turn) VALUES (%s, %s, %s)",
                    (self.bot_id, conversation_id, json.dumps(data, ensure_ascii=False)),
                )
                conn.execute(  # keep the last turns only
                    "DELETE FROM bot_turns WHERE bot_id = %s AND conversation_id = %s AND seq <="
                    " (SELECT seq FROM bot_turns WHERE bot_id = %s AND conversation_id = %s"
                    "  ORDER BY seq DESC OFFSET %s LIMIT 1)",
                    (self.bot_id, conversation_id, self.bot_id, conversation_id, self.turns),
                )

        self.db.run(write)

    def clear(self, conversation_id: str) -> None:
        self.db.run(
            lambda conn: conn.execute(
                "DELETE FROM bot_turns WHERE bot_id = %s AND conversation_id = %s",
                (self.bot_id, conversation_id),
            )
        )
