"""Delivery: every update is answered at least once, and in practice exactly once, across
restarts and Bot API faults.

PTB confirms updates to Telegram (the ``offset`` of the next ``getUpdates``) as soon as it has
fetched them, before they are handled: a crash would lose the questions still queued. So the
updates a ``getUpdates`` returns are written to a journal first (:class:`JournalingRequest`),
and each update is marked done in it once its reply was sent (:class:`DeliveryApplication`).
At the next start the updates still pending are handled again, and updates already done (a
re-delivery of an unconfirmed batch) are skipped.

The journal is an append-only JSON-lines file (one ``{"got": update}`` or ``{"done": id}`` line
per event; a torn last line from a crash is ignored), rewritten atomically into a short file when
it grows. It remembers the last :data:`KEEP_DONE` finished update ids.

Left open by design (at least once): the bot killed in the moment between Telegram accepting a
reply and the ``done`` line being written answers that question again after the restart.
"""

from __future__ import annotations

import contextlib
import json
import logging
import os
import tempfile
import threading
from collections import OrderedDict
from pathlib import Path
from typing import Any

from telegram import Update
from telegram.ext import Application
from telegram.request import HTTPXRequest

logger = logging.getLogger("docbot.delivery")

KEEP_DONE = 2000  # finished update ids remembered (a re-delivered batch is at most 100)
COMPACT_LINES = 4000  # rewrite the journal when it has this many lines


class DeliveryJournal:
    """Pending updates and recently finished update ids, in memory and in ``path``."""

    def __init__(self, path: Path, keep_done: int = KEEP_DONE) -> None:
        self.path = Path(path)
        self.keep_done = keep_done
        self._pending: dict[int, dict[str, Any]] = {}
        self._done: OrderedDict[int, None] = OrderedDict()
        self._running: set[int] = set()  # handled by this process right now
        self._lines = 0
        self._lock = threading.Lock()
        self._load()
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self._compact()

    def _load(self) -> None:
        try:
            lines = self.path.read_text(encoding="utf-8").splitlines()
        except FileNotFoundError:
            return
        for line in lines:
            try:
                event = json.loads(line)
            except ValueError:
                continue  # a line torn by a crash
            if not isinstance(event, dict):
                continue
            if isinstance(event.get("got"), dict) and "update_id" in event["got"]:
                update_id = int(event["got"]["update_id"])
                if update_id not in self._done:
                    self._pending[update_id] = event["got"]
            for update_id in event.get("done_ids", []) + (
                [event["done"]] if "done" in event else []
            ):
                self._mark_done(int(update_id))

    def _mark_done(self, update_id: int) -> None:
        self._pending.pop(update_id, None)
        self._done[update_id] = None
        self._done.move_to_end(update_id)
        while len(self._done) > self.keep_done:
            self._done.popitem(last=False)

    def _append(self, events: list[dict[str, Any]]) -> None:
        text = "".join(json.dumps(e, ensure_ascii=False) + "\n" for e in events)
        with self.path.open("a", encoding="utf-8") as out:
            out.write(text)
        self._lines += len(events)
        if self._lines >= COMPACT_LINES:
            self._compact()

    def _compact(self) -> None:
        """Rewrite the journal as its pending updates and one line of done ids (atomically)."""
        events: list[dict[str, Any]] = [{"got": u} for _, u in sorted(self._pending.items())]
        events.append({"done_ids": list(self._done)})
        fd, tmp = tempfile.mkstemp(prefix=".delivery-", dir=self.path.parent)
        try:
            with os.fdopen(fd, "w", encoding="utf-8") as out:
                out.writelines(json.dumps(e, ensure_ascii=False) + "\n" for e in events)
                out.flush()
                os.fsync(out.fileno())
            os.replace(tmp, self.path)
        except BaseException:
            with contextlib.suppress(OSError):
                os.unlink(tmp)
            raise
        self._lines = len(events)

    # --- the bot side --------------------------------------------------------------------------
    def received(self, updates: list[dict[str, Any]]) -> None:
        """Journal fetched updates (raw Bot API dicts) before they are confirmed to Telegram."""
        with self._lock:
            new = [
                u
                for u in updates
                if isinstance(u, dict)
                and "update_id" in u
                and int(u["update_id"]) not in self._done
                and int(u["update_id"]) not in self._pending
            ]
            if not new:
                return
            for update in new:
                self._pending[int(update["update_id"])] = update
            self._append([{"got": u} for u in new])

    def begin(self, update_id: int, raw: dict[str, Any] | None = None) -> bool:
        """True when the update should be handled now: not done, not already being handled."""
        with self._lock:
            if update_id in self._done or update_id in self._running:
                return False
            self._running.add(update_id)
            if raw is not None and update_id not in self._pending:  # e.g. from a webhook
                self._pending[update_id] = raw
                self._append([{"got": raw}])
            return True

    def finish(self, update_id: int, delivered: bool = True) -> None:
        """The update was handled; ``delivered=False`` keeps it pending for the next start."""
        with self._lock:
            self._running.discard(update_id)
            if delivered:
                self._mark_done(update_id)
                self._append([{"done": update_id}])

    def pending(self) -> list[dict[str, Any]]:
        """Updates journaled but not done, oldest first."""
        with self._lock:
            return [u for _, u in sorted(self._pending.items())]

    def is_done(self, update_id: int) -> bool:
        with self._lock:
            return update_id in self._done

    def sizes(self) -> tuple[int, int, int]:
        """(pending, done ids remembered, running) - the journal's bounded state."""
        with self._lock:
            return len(self._pending), len(self._done), len(self._running)


class JournalingRequest(HTTPXRequest):
    """The ``getUpdates`` request: journals the updates in each reply before PTB sees them."""

    def __init__(self, journal: DeliveryJournal, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.journal = journal

    async def do_request(
        self, url: str, method: str, *args: Any, **kwargs: Any
    ) -> tuple[int, bytes]:
        status, payload = await super().do_request(url, method, *args, **kwargs)
        if status == 200 and url.endswith("/getUpdates"):
            try:
                result = json.loads(payload).get("result")
            except (ValueError, AttributeError):
                result = None
            if isinstance(result, list) and result:
                self.journal.received(result)
        return status, payload


class DeliveryApplication(Application):
    """Skips updates already answered; marks each one done after its handlers ran.

    ``bot_data["journal"]`` is the :class:`DeliveryJournal`; ``bot_data["undelivered"]`` the
    set of update ids whose reply (not even the error notice) could not be sent.
    """

    async def process_update(self, update: object) -> None:
        journal: DeliveryJournal | None = self.bot_data.get("journal")
        if journal is None or not isinstance(update, Update):
            await super().process_update(update)
            return
        update_id = update.update_id
        if not journal.begin(update_id, update.to_dict()):
            logger.info("update %s was answered already; skipped", update_id)
            return
        undelivered: set[int] = self.bot_data.setdefault("undelivered", set())
        delivered = False
        try:
            await super().process_update(update)
            delivered = update_id not in undelivered
        finally:
            undelivered.discard(update_id)
            journal.finish(update_id, delivered)
            if not delivered:
                logger.warning("update %s stays pending: its reply could not be sent", update_id)
