"""The buttons under an answer: Sources (``s:<key>``) shows the quoted passages, 👍/👎
(``v:<key>:up|down``) records a vote; under a refusal, 🔔 (``n:<key>``) asks to be told when
the documents answer it (:mod:`bot.telegram.notify`). Keys are short and tied to the chat of the
answer."""

from __future__ import annotations

import asyncio
import logging

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Update

from bot.telegram.catalogue import ENGLISH, text
from bot.telegram.context import DocbotContext
from bot.telegram.conversations import topic_of
from bot.telegram.feedback import VOTES
from bot.telegram.formatting import format_sources, split_html
from bot.telegram.gaps import chat_kind, chat_scope, record_vote
from bot.telegram.replies import DEAD_BUTTON, FORGOTTEN, NOTIFY_BUTTON, SOURCES, THANKS
from bot.telegram.sending import send_html

logger = logging.getLogger("docbot.telegram")

NOTIFY_PREFIX = "n:"  # the 🔔 button's data: n:<answer key> (handled in bot.telegram.notify)
CANCEL_PREFIX = "r:"  # a waiting request's cancel button: r:<request id>


def keyboard(key: str, found: bool, language: str = ENGLISH) -> InlineKeyboardMarkup:
    votes = [
        InlineKeyboardButton("👍", callback_data=f"v:{key}:up"),
        InlineKeyboardButton("👎", callback_data=f"v:{key}:down"),
    ]
    rows = [[InlineKeyboardButton(text(language, SOURCES), callback_data=f"s:{key}"), *votes]]
    # a refusal offers to tell the asker once the documents answer it (bot.telegram.notify)
    bell = text(language, NOTIFY_BUTTON)
    notify = [InlineKeyboardButton(bell, callback_data=f"{NOTIFY_PREFIX}{key}")]
    return InlineKeyboardMarkup(rows if found else [votes, notify])


async def button_press(update: Update, context: DocbotContext) -> None:
    """A press on Sources or a vote; stale or forged data gets a short notice."""
    query = update.callback_query
    if query is None:
        return
    state = context.docbot
    kind, _, rest = (query.data or "").partition(":")
    key, _, vote = rest.partition(":")
    chat_id = update.effective_chat.id if update.effective_chat else query.from_user.id
    answer = await state.recall(key, chat_id, query.from_user.id)
    if kind == "s" and not vote and answer is not None:
        await query.answer()
        for part in split_html(format_sources(answer, context.language)):
            await send_html(context.bot, chat_id, part, topic=topic_of(query.message))
    elif kind == "v" and vote in VOTES and answer is not None:
        async with state.chat_lock(chat_id):  # votes are logged in the order they came
            await asyncio.to_thread(state.feedback.record, answer, vote, query.from_user.id)
            scope = chat_scope(state, update)
            kind = chat_kind(update)
            await record_vote(state, answer, vote, kind, query.from_user.id, scope)
        await query.answer(context.text(THANKS))
    elif (kind == "s" and key and not vote) or (kind == "v" and key and vote in VOTES):
        await query.answer(context.text(FORGOTTEN))
    else:
        logger.info("ignored unknown button data from user %s", query.from_user.id)
        await query.answer(context.text(DEAD_BUTTON))
