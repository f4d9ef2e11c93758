"""Sending: Telegram HTML with a plain-text fallback, and the "typing" action while an answer
is being worked out; in a forum topic, both go to the topic (its ``message_thread_id``)."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator

from telegram import Bot, InlineKeyboardMarkup, Message, ReplyParameters
from telegram.constants import ChatAction, ParseMode
from telegram.error import BadRequest, TelegramError

from bot.telegram.conversations import topic_of
from bot.telegram.formatting import to_plain

logger = logging.getLogger("docbot.telegram")

TYPING_EVERY = 4.5  # seconds; Telegram shows "typing" for about 5 s
TYPING_FIRST_WAIT = 2.0  # seconds an answer waits at most for its first "typing" call


@contextlib.asynccontextmanager
async def typing(message: Message) -> AsyncIterator[None]:
    """Show "typing" in the message's chat (and topic) until the block ends."""
    shown = asyncio.Event()
    topic = topic_of(message)

    async def keep_typing() -> None:
        while True:
            with contextlib.suppress(TelegramError):
                await message.get_bot().send_chat_action(
                    message.chat_id, ChatAction.TYPING, message_thread_id=topic
                )
            shown.set()
            await asyncio.sleep(TYPING_EVERY)

    task = asyncio.create_task(keep_typing())
    try:
        yield
    finally:
        # A fast answer must not cancel the first "typing" call half-way (a busy machine
        # lost it that way); wait for it briefly, then stop.
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(shown.wait(), TYPING_FIRST_WAIT)
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task


async def send_html(
    bot: Bot,
    chat_id: int,
    text: str,
    reply_markup: InlineKeyboardMarkup | None = None,
    reply_to: int | None = None,
    topic: int | None = None,
) -> Message:
    """Send Telegram HTML (to the forum ``topic``, if any); if Telegram cannot parse it after
    all, send the same visible text as plain text rather than nothing. Returns what was sent."""
    reply = ReplyParameters(reply_to, allow_sending_without_reply=True) if reply_to else None
    try:
        return await bot.send_message(
            chat_id, text, parse_mode=ParseMode.HTML, reply_markup=reply_markup,
            reply_parameters=reply, message_thread_id=topic,
        )  # fmt: skip
    except BadRequest as exc:
        if "parse" not in str(exc).lower():
            raise
        logger.warning("Telegram refused our HTML (%s); sending plain text instead", exc)
        return await bot.send_message(
            chat_id, to_plain(text), reply_markup=reply_markup, reply_parameters=reply,
            message_thread_id=topic,
        )  # fmt: skip
