"""Conversation turns in PostgreSQL: a follow-up posted to one worker resolves against the
question another worker answered. Same limits as the memory store (turns per conversation, a
maximum age), measured with the database's clock so that workers on several machines agree.
The messages of the bot's answers are kept here too, with the conversation each answered, so
that a reply reaching any worker continues it (:mod:`bot.telegram.conversations`).

Before issue 26 a group's turns were kept under the chat id alone; no key has that form now
(a group's names the person), so :meth:`PgConversationStore.tidy`, run as the bot starts, drops
them (they cannot be told apart by person) with every turn past the maximum age; each turn added
drops the bot's turns past the maximum age as well."""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import asdict
from typing import Any

from bot.answering.conversation import Turn
from bot.telegram.conversations import ConversationKey
from bot.telegram.shared.db import SharedDb

OLD_GROUP_KEY = "^-[0-9]+$"  # a group's chat id alone: how groups' turns were keyed before


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
                conn.execute(  # and no conversation's turns past the maximum age (by index)
                    "DELETE FROM bot_turns WHERE bot_id = %s"
                    " AND at <= now() - make_interval(secs => %s)",
                    (self.bot_id, self.max_age),
                )

        self.db.run(write)

    def clear(self, conversation_id: str) -> None:
        self.db.run(
            lambda conn: conn.execute(
                "DELETE FROM bot_turns WHERE bot_id = %s AND conversation_id = %s",
                (self.bot_id, conversation_id),
            )
        )

    def tidy(self) -> None:
        """Drop the bot's turns past the maximum age, and groups' turns kept under the chat id
        alone (before issue 26: see the module's docstring)."""
        self.db.run(
            lambda conn: conn.execute(
                "DELETE FROM bot_turns WHERE bot_id = %s"
                " AND (at <= now() - make_interval(secs => %s) OR conversation_id ~ %s)",
                (self.bot_id, self.max_age, OLD_GROUP_KEY),
            )
        )


class PgAnswerMessages:
    """The messages of the bot's answers and their conversation, in ``bot_answer_messages``
    (an :class:`~bot.telegram.conversations.AnswerStore`); each add drops the rows past the
    maximum age, when the conversation's turns are gone as well."""

    def __init__(self, db: SharedDb, bot_id: str, max_age: float = 1800.0) -> None:
        self.db, self.bot_id, self.max_age = db, bot_id, max_age

    def add(self, chat_id: int, message_ids: Iterable[int], key: ConversationKey) -> None:
        rows = [(self.bot_id, chat_id, m, key.id) for m in message_ids]

        def write(conn: Any) -> None:
            with conn.transaction():
                conn.cursor().executemany(
                    "INSERT INTO bot_answer_messages (bot_id, chat_id, message_id,"
                    " conversation_id) VALUES (%s, %s, %s, %s) ON CONFLICT DO NOTHING",
                    rows,
                )
                conn.execute(
                    "DELETE FROM bot_answer_messages WHERE bot_id = %s"
                    " AND at <= now() - make_interval(secs => %s)",
                    (self.bot_id, self.max_age),
                )

        self.db.run(write)

    def get(self, chat_id: int, message_id: int) -> ConversationKey | None:
        row = self.db.run(
            lambda conn: conn.execute(
                "SELECT conversation_id FROM bot_answer_messages WHERE bot_id = %s"
                " AND chat_id = %s AND message_id = %s"
                " AND at > now() - make_interval(secs => %s)",
                (self.bot_id, chat_id, message_id, self.max_age),
            ).fetchone()
        )
        return ConversationKey.parse(row[0]) if row is not None else None
