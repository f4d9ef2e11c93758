"""For the shared-state tests: raw updates, and an application that records what it answered
(the :class:`~bot.telegram.workers.ClaimingWorker` needs only ``bot``, ``bot_data`` and
``process_update``)."""

from __future__ import annotations

import asyncio
from typing import Any

from telegram import Update


def text_update(update_id: int, chat: int, text: str = "hello") -> dict[str, Any]:
    return {
        "update_id": update_id,
        "message": {
            "message_id": update_id,
            "date": 1_700_000_000 + update_id,
            "chat": {"id": chat, "type": "private"},
            "from": {"id": chat, "is_bot": False, "first_name": "T"},
            "text": text,
        },
    }


class RecordingApp:
    """Answers by recording ``(worker name, update id)``; each answer takes ``delay`` s."""

    def __init__(self, name: str, log: list[tuple[str, int]], delay: float = 0.0) -> None:
        self.name, self.log, self.delay = name, log, delay
        self.bot: Any = None
        self.bot_data: dict[str, Any] = {}
        self.fail_ids: set[int] = set()  # answered as "could not be sent"

    async def process_update(self, update: Update) -> None:
        await asyncio.sleep(self.delay)
        if update.update_id in self.fail_ids:
            from bot.telegram.delivery import update_key

            self.bot_data.setdefault("undelivered", set()).add(update_key(update.to_dict()))
            return
        self.log.append((self.name, update.update_id))
