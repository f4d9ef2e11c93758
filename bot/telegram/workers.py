"""Webhook workers over the shared state (``DOCBOT_STORE`` set): each update answered once by
one of several ``docbot serve`` processes (issue 14).

:meth:`ClaimingWorker.receive` claims an update before the webhook call is acknowledged: a
fresh claim is acknowledged and answered, a claim that exists already (the same update posted
to two workers, or Telegram delivering it again) is acknowledged and skipped, and a database
that cannot be reached answers 503 so that Telegram delivers the update again later. The chat's
open claims are then answered in order under the chat's lock (:mod:`bot.telegram.shared.claims`);
a background scan takes over the claims of workers that died, once their lease expired.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Coroutine
from typing import Any

from telegram import Update

from bot.telegram.delivery import AnyApplication, update_key
from bot.telegram.shared.claims import ChatTurn, Claim, Claims, chat_of
from index.errors import StoreUnreachableError

logger = logging.getLogger("docbot.workers")

PURGE_EVERY = 200  # scans between removals of old done claims
MAX_CHAT_LOCKS = 5000  # idle chat locks are dropped past this many


class Outage:
    """One log line when the database goes away, one when it is back."""

    def __init__(self) -> None:
        self.down = False

    def failed(self, exc: StoreUnreachableError, doing: str) -> None:
        if not self.down:
            logger.error("%s while %s: nothing is lost, trying again", exc, doing)
        self.down = True

    def worked(self) -> None:
        if self.down:
            logger.info("the PostgreSQL store is reachable again")
        self.down = False


class ClaimingWorker:
    """Claims, answers and takes over updates for one application."""

    def __init__(self, app: AnyApplication, claims: Claims) -> None:
        self.app, self.claims = app, claims
        self.outage = Outage()
        self._tasks: set[asyncio.Task[None]] = set()
        self._chat_locks: dict[int, asyncio.Lock] = {}
        self._scanner: asyncio.Task[None] | None = None

    # --- the webhook side ----------------------------------------------------------------------
    async def receive(self, raw: dict[str, Any]) -> int:
        """The HTTP status for the webhook call that brought ``raw``."""
        try:
            fresh = await self.claims.claim(raw)
        except StoreUnreachableError as exc:
            self.outage.failed(exc, "claiming an update (answered 503: Telegram sends it again)")
            return 503
        self.outage.worked()
        if fresh:
            self.spawn(self.answer_chat(chat_of(raw), wait=True))
        else:
            logger.info("update %s was claimed already; skipped", update_key(raw))
        return 200

    # --- answering -----------------------------------------------------------------------------
    def spawn(self, work: Coroutine[Any, Any, None]) -> None:
        task = asyncio.get_running_loop().create_task(work)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def answer_chat(self, chat: int, wait: bool) -> None:
        """Answer the chat's open claims in order, if this worker gets the chat's turn."""
        if len(self._chat_locks) > MAX_CHAT_LOCKS:
            self._chat_locks = {c: lk for c, lk in self._chat_locks.items() if lk.locked()}
        async with self._chat_locks.setdefault(chat, asyncio.Lock()):
            try:
                async with self.claims.chat(chat, wait) as turn:
                    if turn is not None:
                        await self._answer_all(turn)
            except StoreUnreachableError as exc:
                self.outage.failed(exc, f"answering chat {chat} (its claims wait for the lease)")

    async def _answer_all(self, turn: ChatTurn) -> None:
        while (claim := await turn.next()) is not None:
            if not await self._answer(claim):
                await turn.release(claim.key)
                logger.warning("update %s stays open: its reply could not be sent", claim.key)
                return
            try:
                await turn.done(claim.key)
            except StoreUnreachableError as exc:
                self.outage.failed(exc, f"marking update {claim.key} answered")
                await self._done_eventually(claim.key)
                return

    async def _answer(self, claim: Claim) -> bool:
        """Run the handlers; False when not even an error notice reached Telegram."""
        undelivered: set[str] = self.app.bot_data.setdefault("undelivered", set())
        await self.app.process_update(Update.de_json(claim.raw, self.app.bot))
        if claim.key in undelivered:
            undelivered.discard(claim.key)
            return False
        return True

    async def _done_eventually(self, key: str) -> None:
        """Mark an answered update done once the database is back (not answered twice)."""
        delay = 1.0
        while True:
            await asyncio.sleep(delay)
            try:
                await self.claims.done(key)
            except StoreUnreachableError:
                delay = min(delay * 2, 10.0)
                continue
            self.outage.worked()
            return

    # --- taking over -------------------------------------------------------------------------
    async def start(self) -> None:
        self._scanner = asyncio.get_running_loop().create_task(self._scan_forever())

    def scan_interval(self) -> float:
        return min(max(self.claims.lease_s / 4, 0.2), 5.0)

    async def _scan_forever(self) -> None:
        scans = 0
        while True:
            try:
                for chat in await self.claims.take_over_expired():
                    self.spawn(self.answer_chat(chat, wait=False))
                if scans % PURGE_EVERY == 0:
                    await self.claims.purge_done()
                self.outage.worked()
            except StoreUnreachableError as exc:
                self.outage.failed(exc, "looking for expired claims")
            scans += 1
            await asyncio.sleep(self.scan_interval())

    async def stop(self, grace_s: float = 10.0) -> None:
        """Stop scanning; let answers in progress finish (``grace_s`` at most: what is left
        stays claimed and another worker takes it over after the lease)."""
        if self._scanner is not None:
            self._scanner.cancel()
        if self._tasks:
            await asyncio.wait(list(self._tasks), timeout=grace_s)
        for task in list(self._tasks):
            task.cancel()
