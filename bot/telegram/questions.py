"""Questions: a text in a private chat, a group message addressed to the bot (a mention or a
reply), or ``/ask QUESTION``. Each chat's questions are answered in order, each in its
conversation (:mod:`bot.telegram.conversations`: per person and topic in a group)."""

from __future__ import annotations

import asyncio
import logging
import time

from telegram import Message, MessageEntity, Update
from telegram.constants import ChatType
from telegram.ext import filters

from bot.answering.answers import Answer
from bot.telegram.buttons import keyboard
from bot.telegram.catalogue import text
from bot.telegram.context import DocbotContext
from bot.telegram.conversations import topic_of
from bot.telegram.formatting import format_answer, split_html
from bot.telegram.gaps import record_answer
from bot.telegram.replies import ASK_USAGE, EMPTY_QUESTION, NO_DOCUMENTS_HERE, NON_TEXT, TOO_FAST
from bot.telegram.sending import send_html, typing
from bot.telegram.state import BotState
from index.scope import Scope

logger = logging.getLogger("docbot.telegram")

MAX_QUESTION = 1000  # characters; longer messages are cut


def clean_question(text: str) -> str:
    """The question as the engine gets it: whitespace runs made single spaces, at most
    :data:`MAX_QUESTION` characters; empty when nothing is left."""
    return " ".join(text.split())[:MAX_QUESTION]


def addressed_question(message: Message, bot_id: int, username: str) -> str | None:
    """The question in a group message meant for the bot (mention or reply), else None."""
    text = message.text or message.caption or ""
    mention = f"@{username}".lower()
    mentions = message.parse_entities([MessageEntity.MENTION]) if message.text else {}
    if not mentions and message.caption:
        mentions = message.parse_caption_entities([MessageEntity.MENTION])
    for entity, value in mentions.items():
        if username and value.lower() == mention:
            # entity offsets count UTF-16 units; cut on the encoded text
            encoded = text.encode("utf-16-le")
            start, end = 2 * entity.offset, 2 * (entity.offset + entity.length)
            space = " ".encode("utf-16-le")
            rest = (encoded[:start] + space + encoded[end:]).decode("utf-16-le")
            return " ".join(rest.split()).strip(" ,:")
    replied = message.reply_to_message
    if replied is not None and replied.from_user is not None and replied.from_user.id == bot_id:
        return text
    return None


class Addressed(filters.MessageFilter):
    """Messages meant for the bot: all in a private chat; in a group, those that mention the
    bot or reply to it (:func:`addressed_question`)."""

    def filter(self, message: Message) -> bool:
        if message.chat.type == ChatType.PRIVATE:
            return True
        bot = message.get_bot()
        return addressed_question(message, bot.id, bot.username or "") is not None


ADDRESSED = Addressed(name="ADDRESSED")


async def text_message(update: Update, context: DocbotContext) -> None:
    """A text message addressed to the bot (:data:`ADDRESSED`): a question."""
    message = update.effective_message
    if message is None or message.text is None:
        return
    question: str | None = message.text
    if message.chat.type != ChatType.PRIVATE:
        question = addressed_question(message, context.bot.id, context.bot.username or "")
    if question is not None:
        await answer_question(context.docbot, update, message, question, context.language)


async def ask_command(update: Update, context: DocbotContext) -> None:
    """``/ask QUESTION``: a question, in any chat."""
    message = update.effective_message
    if message is None:
        return
    question = " ".join(context.args or [])
    if not question.strip():
        await message.reply_text(context.text(ASK_USAGE))
        return
    await answer_question(context.docbot, update, message, question, context.language)


async def non_text_message(update: Update, context: DocbotContext) -> None:
    """Stickers, photos, voice...: a short hint (private chats only)."""
    message = update.effective_message
    if message is not None:
        await message.reply_text(context.text(NON_TEXT))


async def answer_question(
    state: BotState, update: Update, message: Message, asked: str, language: str
) -> None:
    """Gatekeeping (empty, rate; access is the gate's: :mod:`bot.telegram.gate`), then the
    answer, in the chat's turn; the bot's own words in ``language``."""
    user_id = update.effective_user.id if update.effective_user else 0
    question = clean_question(asked)
    if not question:
        await message.reply_text(text(language, EMPTY_QUESTION))
        return
    scope = state.scopes.of(message.chat_id)
    if scope.nothing:  # DOCBOT_SCOPES gives this chat no documents: say so, not "not found"
        await message.reply_text(text(language, NO_DOCUMENTS_HERE))
        return
    wait = await state.wait_time(user_id)
    if wait:
        await message.reply_text(text(language, TOO_FAST, seconds=f"{wait:.0f}"))
        return
    async with state.chat_lock(message.chat_id):
        started = time.perf_counter()
        key = await state.conversation(update)
        async with typing(message):
            answer = await asyncio.to_thread(ask, state, question, key.id if key else None, scope)
        sent = await send_answer(state, message, answer, language)
        await record_answer(state, answer, message.chat.type, user_id, scope)
        if key is not None:
            await state.answered(key, message.chat_id, sent)
    logger.info(
        "chat %s: answered in %.0f ms (%s, %d citation(s))",
        message.chat_id,
        1000 * (time.perf_counter() - started),
        "found" if answer.found else "not in the documents",
        len(answer.citations),
    )


def ask(state: BotState, question: str, conversation: str | None, scope: Scope) -> Answer:
    """The engine's answer, searched only in the chat's ``scope`` (:mod:`bot.telegram.scopes`).
    An unrestricted scope is not passed at all: the engine's call stays what it was without
    ``DOCBOT_SCOPES``, for every engine the bot is given. A scoped conversation is one per
    scope: when the scopes file changes a chat's folders, its follow-ups start afresh instead
    of being resolved against (and avoiding) passages of the folders it had before."""
    if scope.everything:
        return state.engine.ask(question, conversation)
    if conversation is not None:
        conversation = f"{conversation}|s{scope.key}"
    return state.engine.ask(question, conversation, scope=scope)


async def send_answer(
    state: BotState, message: Message, answer: Answer, language: str
) -> list[int]:
    """The answer in as many messages as it takes, in the question's topic; the buttons under
    the last one. Returns the ids of the messages sent."""
    key = await state.remember(answer, message.chat_id)
    parts = split_html(format_answer(answer, language))
    quote = message.chat.type != ChatType.PRIVATE
    sent: list[int] = []
    for i, part in enumerate(parts):
        last = i == len(parts) - 1
        reply = await send_html(
            message.get_bot(),
            message.chat_id,
            part,
            reply_markup=keyboard(key, answer.found, language) if last else None,
            reply_to=message.message_id if quote and i == 0 else None,
            topic=topic_of(message),
        )
        sent.append(reply.message_id)
    return sent
