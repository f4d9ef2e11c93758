"""Delivery: every update is answered at least once, and in practice exactly once, across
restarts, Bot API faults, a change of bot token and update ids that start again.

PTB confirms updates to Telegram (the ``offset`` of the next ``getUpdates``) as soon as it has
fetched them, before they are handled: a crash would lose the questions still queued. So the
updates a ``getUpdates`` returns are written to a journal first (:class:`JournalingRequest`),
and each update is marked done in it once its reply was sent (:class:`DeliveryApplication`).
At the next start the updates still pending are handled again, and updates already done (a
re-delivery of an unconfirmed batch) are skipped.

What is remembered is keyed on the update id **and** what the update is (:func:`update_key`:
its kind plus chat id, message id, date and sender, or its query id), so an update that reuses
an old number - a new bot token, a Bot API server that numbers from 1 again, Telegram's random
restart of the numbering after a quiet week, a restored backup - is answered, while the same
update delivered again is skipped.

The journal belongs to one bot. Its first line names the bot (:func:`bot_id_from_token`); a
journal of another bot is set aside (renamed with a timestamp) and never applied. A journal
written before the bot was named (an older docbot) is adopted: its pending updates are kept.

The journal is an append-only JSON-lines file (``{"bot": id}``, then ``{"got": update}`` and
``{"done": key}`` lines; a torn last line from a crash is ignored), rewritten atomically into a
short file when it grows. It remembers the last :data:`KEEP_DONE` finished updates.

Left open by design (at least once): the bot killed in the moment between Telegram accepting a
reply and the ``done`` line being written answers that question again after the restart.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import logging
import os
import tempfile
import threading
import time
from collections import OrderedDict
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from telegram import Update
from telegram.ext import Application
from telegram.request import HTTPXRequest

logger = logging.getLogger("docbot.delivery")

KEEP_DONE = 2000  # finished updates remembered (a re-delivered batch is at most 100)
COMPACT_LINES = 4000  # rewrite the journal when it has this many lines

# what says which update this is, beside its number (Bot API field names, dotted for nesting)
_IDENTITY = ("id", "chat.id", "message_id", "date", "from.id", "user.id", "poll_id", "result_id")


def bot_id_from_token(token: str) -> str:
    """The bot's id: a Bot API token is ``<bot id>:<secret>``. Another shape of token gets a
    short one-way hash instead, so the id never reveals the token."""
    head, sep, _ = token.partition(":")
    if sep and head.isdigit():
        return head
    return "t" + hashlib.sha256(token.encode()).hexdigest()[:12]


def _field(payload: Mapping[str, Any], dotted: str) -> Any:
    value: Any = payload
    for part in dotted.split("."):
        value = value.get(part) if isinstance(value, Mapping) else None
    return value


def update_key(update: Mapping[str, Any]) -> str:
    """``<update id>:<kind>:<digest of what identifies it>``: equal for the same update
    delivered twice (raw Bot API dict or PTB's ``to_dict()``), different for a new update that
    reuses the number."""
    kind, payload = next(
        ((k, v) for k, v in update.items() if k != "update_id" and isinstance(v, Mapping)),
        ("", {}),
    )
    identity = [f"{name}={_field(payload, name)}" for name in _IDENTITY]
    digest = hashlib.sha256("|".join(identity).encode()).hexdigest()[:12]
    return f"{int(update['update_id'])}:{kind}:{digest}"


def _update_id(key: str) -> int:
    return int(key.partition(":")[0])


class DeliveryJournal:
    """Pending updates and recently finished ones, in memory and in ``path``, for one bot."""

    def __init__(self, path: Path, bot_id: str, keep_done: int = KEEP_DONE) -> None:
        self.path = Path(path)
        self.bot_id = str(bot_id)
        self.keep_done = keep_done
        self._pending: dict[str, dict[str, Any]] = {}  # key -> raw update, in arrival order
        self._done: OrderedDict[str, None] = OrderedDict()
        self._running: set[str] = set()  # handled by this process right now
        self._lines = 0
        self._lock = threading.Lock()
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self._load()
        self._compact()

    # --- reading the file ------------------------------------------------------------------
    def _load(self) -> None:
        events = self._read_events()
        owner = next((str(e["bot"]) for e in events if "bot" in e), None)
        if owner is not None and owner != self.bot_id:
            self._set_aside(owner, events)
            return
        forgotten = self._apply(events)
        if owner is None and events:
            logger.info(
                "delivery journal %s was written by an older docbot: adopted for bot %s "
                "(%d pending update(s) kept, %d answered id(s) without their update forgotten)",
                self.path,
                self.bot_id,
                len(self._pending),
                forgotten,
            )

    def _read_events(self) -> list[dict[str, Any]]:
        try:
            lines = self.path.read_text(encoding="utf-8").splitlines()
        except FileNotFoundError:
            return []
        events = []
        for line in lines:
            try:
                event = json.loads(line)
            except ValueError:
                continue  # a line torn by a crash
            if isinstance(event, dict):
                events.append(event)
        return events

    def _apply(self, events: list[dict[str, Any]]) -> int:
        """Replay the events; returns how many bare done ids (older journals) matched nothing."""
        latest: dict[int, str] = {}  # update id -> key of the last update journaled under it
        forgotten = 0
        for event in events:
            got = event.get("got")
            if isinstance(got, dict) and "update_id" in got:
                key = update_key(got)
                latest[_update_id(key)] = key
                if key not in self._done:
                    self._pending[key] = got
            done = event.get("done_keys", []) + event.get("done_ids", [])
            if "done" in event:
                done.append(event["done"])
            for item in done:
                known = item if isinstance(item, str) else latest.get(int(item))  # int: older
                if known is None:
                    forgotten += 1
                else:
                    self._mark_done(known)
        return forgotten

    def _set_aside(self, owner: str, events: list[dict[str, Any]]) -> None:
        stamp = time.strftime("%Y%m%dT%H%M%SZ", time.gmtime())
        aside = self.path.with_name(f"{self.path.name}.bot-{owner}.{stamp}")
        os.replace(self.path, aside)
        pending = sum(1 for e in events if "got" in e)
        logger.warning(
            "delivery journal %s belongs to bot %s, not to this bot (%s): set aside as %s "
            "(%d update(s) of that bot are not applied)",
            self.path,
            owner,
            self.bot_id,
            aside.name,
            pending,
        )

    # --- writing it ------------------------------------------------------------------------
    def _mark_done(self, key: str) -> None:
        self._pending.pop(key, None)
        self._done[key] = None
        self._done.move_to_end(key)
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
        """Rewrite the journal as its bot, pending updates and done keys (atomically)."""
        events: list[dict[str, Any]] = [{"bot": self.bot_id}]
        events += [{"got": u} for u in self._pending.values()]
        events.append({"done_keys": list(self._done)})
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
            new = {}
            for update in updates:
                if isinstance(update, dict) and "update_id" in update:
                    key = update_key(update)
                    if key not in self._done and key not in self._pending:
                        new[key] = update
            if not new:
                return
            self._pending.update(new)
            self._append([{"got": u} for u in new.values()])

    def begin(self, key: str, raw: dict[str, Any] | None = None) -> bool:
        """True when the update should be handled now: not done, not already being handled."""
        with self._lock:
            if key in self._done or key in self._running:
                return False
            self._running.add(key)
            if raw is not None and key not in self._pending:  # e.g. from a webhook
                self._pending[key] = raw
                self._append([{"got": raw}])
            return True

    def finish(self, key: str, delivered: bool = True) -> None:
        """The update was handled; ``delivered=False`` keeps it pending for the next start."""
        with self._lock:
            self._running.discard(key)
            if delivered:
                self._mark_done(key)
                self._append([{"done": key}])

    def pending(self) -> list[dict[str, Any]]:
        """Updates journaled but not done, in the order they arrived."""
        with self._lock:
            return list(self._pending.values())

    def sizes(self) -> tuple[int, int, int]:
        """(pending, done updates remembered, running) - the journal's bounded state."""
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


AnyApplication = Application[Any, Any, Any, Any, Any, Any]  # PTB's, whatever its context types


class DeliveryApplication(AnyApplication):
    """Skips updates already answered; marks each one done after its handlers ran.

    ``bot_data["journal"]`` is the :class:`DeliveryJournal`; ``bot_data["undelivered"]`` the
    set of update keys whose reply (not even the error notice) could not be sent.
    """

    async def process_update(self, update: object) -> None:
        journal: DeliveryJournal | None = self.bot_data.get("journal")
        if journal is None or not isinstance(update, Update):
            await super().process_update(update)
            return
        raw = update.to_dict()
        key = update_key(raw)
        if not journal.begin(key, raw):
            logger.info("update %s was answered already; skipped", key)
            return
        undelivered: set[str] = self.bot_data.setdefault("undelivered", set())
        delivered = False
        try:
            await super().process_update(update)
            delivered = key not in undelivered
        finally:
            undelivered.discard(key)
            journal.finish(key, delivered)
            if not delivered:
                logger.warning("update %s stays pending: its reply could not be sent", key)


def mark_undelivered(bot_data: dict[str, Any], update: Update) -> None:
    """Keep ``update`` pending for the next start: not even an error notice reached Telegram."""
    bot_data.setdefault("undelivered", set()).add(update_key(update.to_dict()))
