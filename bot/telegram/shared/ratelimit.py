"""The per-user question limit in PostgreSQL: every worker counts the same questions. One
transaction per question, serialized per user by an advisory lock, so two workers cannot both
let through the last question of a minute."""

from __future__ import annotations

import hashlib
from typing import Any

from bot.telegram.shared.db import SharedDb


def _user_lock(bot_id: str, user_id: int) -> int:
    digest = hashlib.sha256(f"docbot-rate:{bot_id}:{user_id}".encode()).digest()
    return int.from_bytes(digest[:8], "big", signed=True)


class PgRateLimit:
    """At most ``per_minute`` questions per user in any sliding ``window`` seconds."""

    def __init__(self, db: SharedDb, bot_id: str, per_minute: int, window: float = 60.0) -> None:
        self.db, self.bot_id, self.per_minute, self.window = db, bot_id, per_minute, window

    def wait_time(self, user_id: int) -> float:
        """0 when the user may ask now (and counts the question), else seconds to wait."""
        return self.db.run(lambda conn: self._count(conn, user_id))

    def _count(self, conn: Any, user_id: int) -> float:
        key = (self.bot_id, user_id)
        with conn.transaction():
            conn.execute("SELECT pg_advisory_xact_lock(%s)", (_user_lock(*key),))
            conn.execute(
                "DELETE FROM bot_rate WHERE bot_id = %s AND user_id = %s"
                " AND at <= clock_timestamp() - make_interval(secs => %s)",
                (*key, self.window),
            )
            count, age = conn.execute(
                "SELECT count(*), extract(epoch FROM clock_timestamp() - min(at)) FROM bot_rate"
                " WHERE bot_id = %s AND user_id = %s",
                key,
            ).fetchone()
            if count >= self.per_minute:
                return max(self.window - float(age), 0.1)
            conn.execute("INSERT INTO bot_rate (bot_id, user_id) VALUES (%s, %s)", key)
        return 0.0
