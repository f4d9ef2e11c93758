"""Requests to be told when the documents answer a refused question, in PostgreSQL
(``bot_requests``): every worker sees the same new build, and each request is sent once.

A worker **claims** a request before asking it again (``FOR UPDATE SKIP LOCKED`` picks a row no
other worker holds, and the claim is a lease: ``claimed_until``). Delivery is **at least once**:
the row is deleted only after Telegram accepted the message, so a worker killed between its
claim and the send loses nothing; another worker takes the request once the lease ran out.
The one window for a second message is a worker dying after Telegram accepted the answer and
before the ``DELETE`` (one round trip). The other choice, deleting first, would lose the answer
for good in the same window, and being told twice beats never being told."""

from __future__ import annotations

from typing import Any

from bot.telegram.requests import MAX_PER_USER, Added, Request
from bot.telegram.shared.db import SharedDb

_COLUMNS = (
    "id, chat_id, user_id, question, reply_to, topic, extract(epoch FROM asked_at)::float8,"
    " checked, language"
)


def _request(row: Any) -> Request:
    return Request(
        row[0],
        int(row[1]),
        int(row[2]),
        row[3],
        row[4],
        row[5],
        float(row[6]),
        row[7] or "",
        row[8] or "",
    )


class PgRequests:
    """The requests of one bot, as worker ``worker`` claims them (calls block: run them in a
    thread)."""

    def __init__(self, db: SharedDb, bot_id: str, worker: str, lease_s: float) -> None:
        self.db, self.bot_id, self.worker, self.lease_s = db, bot_id, worker, lease_s

    def add(self, request: Request) -> Added:
        def write(conn: Any) -> Added:
            with conn.transaction():
                mine = conn.execute(
                    "SELECT count(*), count(*) FILTER (WHERE lower(question) = lower(%s))"
                    " FROM bot_requests WHERE bot_id = %s AND chat_id = %s AND user_id = %s",
                    (request.question, self.bot_id, request.chat_id, request.user_id),
                ).fetchone()
                if mine[1]:
                    return "already"
                if mine[0] >= MAX_PER_USER:
                    return "full"
                inserted = conn.execute(
                    "INSERT INTO bot_requests (bot_id, id, chat_id, user_id, question, reply_to,"
                    " topic, asked_at, checked, language) VALUES (%s, %s, %s, %s, %s, %s, %s,"
                    " to_timestamp(%s), %s, %s) ON CONFLICT DO NOTHING RETURNING 1",
                    (
                        self.bot_id,
                        request.id,
                        request.chat_id,
                        request.user_id,
                        request.question,
                        request.reply_to,
                        request.topic,
                        request.asked_at,
                        request.checked,
                        request.language,
                    ),
                ).fetchone()
                return "added" if inserted else "already"  # a press at the same moment

        return self.db.run(write)

    def of_user(self, chat_id: int, user_id: int) -> list[Request]:
        rows = self.db.run(
            lambda conn: conn.execute(
                f"SELECT {_COLUMNS} FROM bot_requests WHERE bot_id = %s AND chat_id = %s"
                " AND user_id = %s ORDER BY asked_at",
                (self.bot_id, chat_id, user_id),
            ).fetchall()
        )
        return [_request(row) for row in rows]

    def cancel(self, request_id: str, user_id: int) -> Request | None:
        row = self.db.run(
            lambda conn: conn.execute(
                f"DELETE FROM bot_requests WHERE bot_id = %s AND id = %s AND user_id = %s"
                f" RETURNING {_COLUMNS}",
                (self.bot_id, request_id, user_id),
            ).fetchone()
        )
        return _request(row) if row is not None else None

    def next_due(self, version: str) -> Request | None:
        row = self.db.run(
            lambda conn: conn.execute(
                "UPDATE bot_requests SET claimed_by = %s,"
                " claimed_until = now() + make_interval(secs => %s)"
                " WHERE bot_id = %s AND id = (SELECT id FROM bot_requests"
                "  WHERE bot_id = %s AND checked <> %s"
                "  AND (claimed_until IS NULL OR claimed_until < now())"
                "  ORDER BY asked_at LIMIT 1 FOR UPDATE SKIP LOCKED)"
                f" RETURNING {_COLUMNS}",
                (self.worker, self.lease_s, self.bot_id, self.bot_id, version),
            ).fetchone()
        )
        return _request(row) if row is not None else None

    def checked(self, request_id: str, version: str) -> None:
        self._update(
            "UPDATE bot_requests SET checked = %s, claimed_by = NULL, claimed_until = NULL"
            " WHERE bot_id = %s AND id = %s AND claimed_by = %s",
            (version, self.bot_id, request_id, self.worker),
        )

    def release(self, request_id: str) -> None:
        self._update(
            "UPDATE bot_requests SET claimed_by = NULL, claimed_until = NULL"
            " WHERE bot_id = %s AND id = %s AND claimed_by = %s",
            (self.bot_id, request_id, self.worker),
        )

    def done(self, request_id: str) -> None:
        self._update(
            "DELETE FROM bot_requests WHERE bot_id = %s AND id = %s", (self.bot_id, request_id)
        )

    def expire(self, before: float) -> int:
        def delete(conn: Any) -> int:
            return int(
                conn.execute(
                    "DELETE FROM bot_requests WHERE bot_id = %s AND asked_at < to_timestamp(%s)",
                    (self.bot_id, before),
                ).rowcount
            )

        return self.db.run(delete)

    def _update(self, sql: str, params: tuple[Any, ...]) -> None:
        self.db.run(lambda conn: conn.execute(sql, params))
