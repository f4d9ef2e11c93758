"""Claims: the delivery journal of the webhook workers. A worker claims an update (one row per
bot and :func:`~bot.telegram.delivery.update_key`) before it acknowledges the webhook call, so
the same update posted to two workers is answered by one; the row is marked done once the reply
was sent.

Updates of one chat are answered in order: whoever holds the chat's advisory lock answers the
chat's open claims in update-id order, whichever worker claimed them. A worker that dies
releases its locks with its connections; its open claims are taken over after the lease
(:meth:`Claims.take_over_expired`, ``FOR UPDATE SKIP LOCKED`` so that two scanners never take
the same rows)."""

from __future__ import annotations

import contextlib
import hashlib
import json
import logging
from collections.abc import AsyncIterator, Mapping
from dataclasses import dataclass
from typing import Any

from bot.telegram.delivery import update_key
from bot.telegram.shared.db import SharedDb

logger = logging.getLogger("docbot.workers")

MAX_ATTEMPTS = 5  # an update that took down this many workers is given up (logged)
KEEP_DONE_DAYS = 2  # Telegram re-delivers for 24 hours at most

# where the chat is, per kind of update (Bot API field names, dotted for nesting)
_CHAT_FIELDS = ("chat.id", "message.chat.id", "from.id", "user.id", "voter_chat.id")


@dataclass(frozen=True)
class Claim:
    key: str
    raw: dict[str, Any]
    attempts: int


def _field(payload: Any, dotted: str) -> Any:
    for part in dotted.split("."):
        payload = payload.get(part) if isinstance(payload, Mapping) else None
    return payload


def chat_of(raw: Mapping[str, Any]) -> int:
    """The chat an update belongs to (the user for chat-less updates; 0 when neither)."""
    payload = next((v for k, v in raw.items() if k != "update_id" and isinstance(v, Mapping)), {})
    for dotted in _CHAT_FIELDS:
        value = _field(payload, dotted)
        if isinstance(value, int):
            return value
    return 0


def lock_key(bot_id: str, chat: int) -> int:
    """The chat's advisory lock key (a signed 64-bit number)."""
    digest = hashlib.sha256(f"docbot-chat:{bot_id}:{chat}".encode()).digest()
    return int.from_bytes(digest[:8], "big", signed=True)


class Claims:
    """The claims of one bot, as one worker (``worker``) sees them."""

    def __init__(self, db: SharedDb, bot_id: str, worker: str, lease_s: float) -> None:
        self.db, self.bot_id, self.worker, self.lease_s = db, bot_id, worker, lease_s

    async def claim(self, raw: dict[str, Any]) -> bool:
        """True when this worker claimed the update; False when it was claimed before."""
        async with self.db.connection() as conn:
            cursor = await conn.execute(
                "INSERT INTO bot_claims (bot_id, update_key, update_id, chat_key, raw, worker)"
                " VALUES (%s, %s, %s, %s, %s, %s) ON CONFLICT DO NOTHING RETURNING 1",
                (
                    self.bot_id,
                    update_key(raw),
                    int(raw["update_id"]),
                    chat_of(raw),
                    json.dumps(raw),
                    self.worker,
                ),
            )
            return await cursor.fetchone() is not None

    async def done(self, key: str, conn: Any = None) -> None:
        sql = "UPDATE bot_claims SET done_at = now() WHERE bot_id = %s AND update_key = %s"
        if conn is not None:
            await conn.execute(sql, (self.bot_id, key))
            return
        async with self.db.connection() as fresh:
            await fresh.execute(sql, (self.bot_id, key))

    @contextlib.asynccontextmanager
    async def chat(self, chat: int, wait: bool = True) -> AsyncIterator[ChatTurn | None]:
        """The chat's turn: its advisory lock, held on one connection until the block ends.
        ``wait=False`` yields None at once when another worker holds it."""
        key = lock_key(self.bot_id, chat)
        async with self.db.connection() as conn:
            if wait:
                await conn.execute("SELECT pg_advisory_lock(%s)", (key,))
            else:
                cursor = await conn.execute("SELECT pg_try_advisory_lock(%s)", (key,))
                row = await cursor.fetchone()
                if not row[0]:
                    yield None
                    return
            try:
                yield ChatTurn(self, conn, chat)
            finally:
                if not conn.broken:
                    await conn.execute("SELECT pg_advisory_unlock(%s)", (key,))

    async def take_over_expired(self) -> list[int]:
        """Open claims older than the lease become this worker's (at most 100 a call); their
        chats, to be answered."""
        async with self.db.connection() as conn:
            cursor = await conn.execute(
                "WITH expired AS (SELECT update_key, worker FROM bot_claims"
                "  WHERE bot_id = %s AND done_at IS NULL"
                "  AND claimed_at < now() - make_interval(secs => %s)"
                "  ORDER BY update_id LIMIT 100 FOR UPDATE SKIP LOCKED)"
                " UPDATE bot_claims c SET worker = %s, claimed_at = now() FROM expired e"
                " WHERE c.bot_id = %s AND c.update_key = e.update_key"
                " RETURNING c.chat_key, c.update_key, e.worker",
                (self.bot_id, self.lease_s, self.worker, self.bot_id),
            )
            rows = await cursor.fetchall()
        for _, key, previous in rows:
            logger.warning("update %s: the claim of %s expired; taken over", key, previous)
        return sorted({int(chat) for chat, _, _ in rows})

    async def purge_done(self, days: float = KEEP_DONE_DAYS) -> None:
        async with self.db.connection() as conn:
            await conn.execute(
                "DELETE FROM bot_claims WHERE bot_id = %s AND done_at < now() - make_interval("
                "days => %s)",
                (self.bot_id, int(days)),
            )


class ChatTurn:
    """A chat's open claims while its lock is held (on the lock's own connection, so that a
    full pool cannot keep the holder from finishing)."""

    def __init__(self, claims: Claims, conn: Any, chat: int) -> None:
        self.claims, self.conn, self.chat = claims, conn, chat

    async def next(self) -> Claim | None:
        """The chat's first open claim (lowest update id), now this worker's; None when the
        chat has none. Claims past :data:`MAX_ATTEMPTS` are given up on the way."""
        while True:
            cursor = await self.conn.execute(
                "UPDATE bot_claims SET worker = %s, claimed_at = now(), attempts = attempts + 1"
                " WHERE bot_id = %s AND update_key = (SELECT update_key FROM bot_claims"
                "  WHERE bot_id = %s AND chat_key = %s AND done_at IS NULL"
                "  ORDER BY update_id, claimed_at LIMIT 1)"
                " RETURNING update_key, raw, attempts",
                (self.claims.worker, self.claims.bot_id, self.claims.bot_id, self.chat),
            )
            row = await cursor.fetchone()
            if row is None:
                return None
            claim = Claim(row[0], row[1], row[2])
            if claim.attempts <= MAX_ATTEMPTS:
                return claim
            logger.error(
                "update %s was tried %d times (each worker that took it stopped): given up",
                claim.key,
                MAX_ATTEMPTS,
            )
            await self.done(claim.key)

    async def done(self, key: str) -> None:
        await self.claims.done(key, self.conn)

    async def release(self, key: str) -> None:
        """Not answered (Telegram unreachable): open again, retried after the lease, and this
        try does not count towards :data:`MAX_ATTEMPTS`."""
        await self.conn.execute(
            "UPDATE bot_claims SET attempts = attempts - 1 WHERE bot_id = %s AND update_key = %s",
            (self.claims.bot_id, key),
        )
