"""Feedback votes in PostgreSQL: the same lines as the JSONL log (:mod:`bot.telegram.feedback`),
one row each in ``bot_votes``; the salt of the user hashes is kept in ``bot_secrets`` so that
every worker hashes a user alike."""

from __future__ import annotations

import json
import secrets
from pathlib import Path
from typing import Any

from bot.telegram.feedback import FeedbackLog
from bot.telegram.shared.db import SharedDb


class PgFeedbackLog(FeedbackLog):
    def __init__(self, db: SharedDb, bot_id: str) -> None:
        super().__init__(Path("(bot_votes)"), bot_id)
        self.db = db
        self.shared_bot = bot_id

    def load_salt(self) -> bytes:
        def read(conn: Any) -> bytes:
            conn.execute(
                "INSERT INTO bot_secrets (bot_id, name, value) VALUES (%s, 'vote_salt', %s)"
                " ON CONFLICT DO NOTHING",
                (self.shared_bot, secrets.token_hex(16)),
            )
            row = conn.execute(
                "SELECT value FROM bot_secrets WHERE bot_id = %s AND name = 'vote_salt'",
                (self.shared_bot,),
            ).fetchone()
            return str(row[0]).encode()

        return self.db.run(read)

    def write(self, line: dict[str, object]) -> None:
        self.db.run(
            lambda conn: conn.execute(
                "INSERT INTO bot_votes (bot_id, vote) VALUES (%s, %s)",
                (self.shared_bot, json.dumps(line, ensure_ascii=False)),
            )
        )
