"""The answers behind the inline buttons (Sources, 👍/👎) in PostgreSQL: a press that reaches
any worker finds the answer another worker gave. One row per answer, under the short random
key the buttons carry, with the chat it was given in; the newest :data:`KEEP` per bot are kept
(the oldest row goes as each answer is added), like the memory store's bound."""

from __future__ import annotations

import json
import secrets
from typing import Any

from bot.answering.answers import Answer
from bot.telegram.shared.db import SharedDb

KEEP = 2000  # answers held per bot, as in bot.telegram.feedback.RecentAnswers


class PgRecentAnswers:
    """The recent answers of one bot in the ``bot_answers`` table (calls block: run them in a
    thread)."""

    def __init__(self, db: SharedDb, bot_id: str, keep: int = KEEP) -> None:
        self.db, self.bot_id, self.keep = db, bot_id, keep

    def add(self, answer: Answer, chat_id: int) -> str:
        """The new answer's key (8 hex characters), tied to ``chat_id``."""
        data = json.dumps(answer.to_json(), ensure_ascii=False)

        def write(conn: Any) -> str:
            while True:
                key = secrets.token_hex(4)
                row = conn.execute(
                    "INSERT INTO bot_answers (bot_id, key, chat_id, answer) VALUES (%s, %s, %s, %s)"
                    " ON CONFLICT DO NOTHING RETURNING 1",
                    (self.bot_id, key, chat_id, data),
                ).fetchone()
                if row is not None:
                    break
            self._prune(conn)  # one index range past the newest ``keep``: cheap
            return key

        return self.db.run(write)

    def _prune(self, conn: Any) -> None:
        conn.execute(  # keep the newest ``keep``
            "DELETE FROM bot_answers WHERE bot_id = %s AND seq <= (SELECT seq FROM bot_answers"
            " WHERE bot_id = %s ORDER BY seq DESC OFFSET %s LIMIT 1)",
            (self.bot_id, self.bot_id, self.keep),
        )

    def prune(self) -> None:
        """Keep the newest ``keep`` answers of the bot."""
        self.db.run(self._prune)

    def get(self, key: str) -> tuple[Answer, int] | None:
        """The answer under ``key`` and the chat it was given in; None when unknown."""
        row = self.db.run(
            lambda conn: conn.execute(
                "SELECT answer, chat_id FROM bot_answers WHERE bot_id = %s AND key = %s",
                (self.bot_id, key),
            ).fetchone()
        )
        if row is None:
            return None
        return Answer.from_json(row[0]), int(row[1])
