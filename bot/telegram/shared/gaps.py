"""The question log in PostgreSQL (``bot_asked``): the lines of :mod:`bot.telegram.asked`, one
row each, written by every worker and read whole by any of them for ``/gaps`` and ``/stats``."""

from __future__ import annotations

from typing import Any

from bot.answering.gaps import ANSWERED, Asked
from bot.telegram.shared.db import SharedDb


class PgAskedLog:
    def __init__(self, db: SharedDb, bot_id: str) -> None:
        self.db = db
        self.bot_id = bot_id

    def record(self, asked: Asked) -> None:
        kept = asked.kind != ANSWERED  # an answered question keeps no text
        self.db.run(
            lambda conn: conn.execute(
                "INSERT INTO bot_asked (bot_id, at, kind, chat, question, asker, scope)"
                " VALUES (%s, to_timestamp(%s), %s, %s, %s, %s, %s)",
                (
                    self.bot_id,
                    asked.at,
                    asked.kind,
                    asked.chat,
                    asked.question if kept else None,
                    asked.asker if kept else None,
                    asked.scope or None,  # NULL: everything, as rows written before scopes
                ),
            )
        )

    def read(self, since: float = 0.0) -> list[Asked]:
        def rows(conn: Any) -> list[Any]:
            return list(
                conn.execute(
                    "SELECT kind, extract(epoch FROM at), chat, question, asker, scope"
                    " FROM bot_asked"
                    " WHERE bot_id = %s AND at >= to_timestamp(%s) ORDER BY at, seq",
                    (self.bot_id, since),
                ).fetchall()
            )

        return [
            Asked(str(kind), float(at), str(chat), question or "", asker or "", scope or "")
            for kind, at, chat, question, asker, scope in self.db.run(rows)
        ]
