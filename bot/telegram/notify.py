"""Closing the loop for the asker: a refusal's 🔔 button stores a request
(:mod:`bot.telegram.requests`); after every new build, each waiting question is asked again
(``engine.ask``: the same answerability decision as any question) and, when the documents now
answer it, the answer is sent with its citations to the chat and topic it was asked in, as a
reply to it, once; then the request is forgotten. ``/requests`` lists a person's waiting
questions with a cancel button each; requests expire after ``DOCBOT_NOTIFY_DAYS``.

:class:`Notifier` looks every ``DOCBOT_NOTIFY_CHECK_S`` seconds at the engine's loaded index
(:meth:`Engine.index` follows every swap: ``/reload``, uploads, ``docbot index``, another
worker's build); a request is due whenever the index differs from the one it was last asked
against. While nothing changed, a look is a ``readlink`` (or three small queries)."""

from __future__ import annotations

import asyncio
import html
import logging
import os
import socket
import time
from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, Any

from telegram import Bot, InlineKeyboardButton, InlineKeyboardMarkup, Message, Update
from telegram.constants import ParseMode
from telegram.error import BadRequest, ChatMigrated, Forbidden, TelegramError

from bot.answering.answers import Answer
from bot.answering.conversation import Turn
from bot.settings import Settings
from bot.telegram.buttons import CANCEL_PREFIX, NOTIFY_PREFIX, keyboard
from bot.telegram.catalogue import ENGLISH, text
from bot.telegram.context import DocbotContext, docbot_of
from bot.telegram.conversations import ConversationKey, topic_of
from bot.telegram.formatting import format_answer, split_html
from bot.telegram.questions import ask
from bot.telegram.replies import (
    FORGOTTEN,
    NOTIFY_ADDED,
    NOTIFY_ALREADY,
    NOTIFY_ANSWERED_ALREADY,
    NOTIFY_FULL,
    NOTIFY_NOW_ANSWERED,
    REQUESTS_CANCEL,
    REQUESTS_CANCELLED,
    REQUESTS_GONE,
    REQUESTS_HEAD,
    REQUESTS_NONE,
)
from bot.telegram.requests import MAX_PER_USER, FileRequests, Request, RequestStore
from bot.telegram.sending import send_html
from bot.telegram.state import BotState
from index.errors import DocbotError
from index.scope import Scope

if TYPE_CHECKING:  # only with DOCBOT_STORE
    from bot.telegram.shared.state import SharedState

logger = logging.getLogger("docbot.telegram")

REQUESTS = "requests"  # the key of the RequestStore in PTB's bot_data
SHOWN_QUESTION = 200  # characters of a question quoted in a notification
LISTED_QUESTION = 150  # in /requests (MAX_PER_USER of them stay in one message)
WAKE_S = 0.25  # how often the notifier's sleep looks whether the bot is stopping


# --- the store -------------------------------------------------------------------------------
def open_requests(settings: Settings, bot_id: str, shared: SharedState | None) -> RequestStore:
    """With ``DOCBOT_STORE``: the ``bot_requests`` table; else ``requests.json`` next to the
    feedback file (and the delivery journal)."""
    if shared is None:
        return FileRequests(settings.feedback_file.parent / "requests.json")
    from bot.telegram.shared.requests import PgRequests

    worker = f"{socket.gethostname()}:{os.getpid()}"
    return PgRequests(shared.db, shared.bot_id, worker, settings.claim_lease_s)


def requests_of(bot_data: Mapping[str, Any]) -> RequestStore:
    store: RequestStore = bot_data[REQUESTS]
    return store


def shown(question: str, limit: int = SHOWN_QUESTION) -> str:
    text = " ".join(question.split())
    return text if len(text) <= limit else text[: limit - 1] + "…"


# --- the buttons and /requests -----------------------------------------------------------------
async def notify_press(update: Update, context: DocbotContext) -> None:
    """🔔 under a refusal: the presser waits for that question (as it was searched) here."""
    query = update.callback_query
    if query is None:
        return
    state = context.docbot
    key = (query.data or "").removeprefix(NOTIFY_PREFIX)
    chat_id = update.effective_chat.id if update.effective_chat else query.from_user.id
    answer = await state.recall(key, chat_id, query.from_user.id)
    if answer is None:
        await query.answer(context.text(FORGOTTEN))
        return
    if answer.found:
        await query.answer(context.text(NOTIFY_ANSWERED_ALREADY))
        return
    refusal = query.message if isinstance(query.message, Message) else None
    asked = refusal.reply_to_message if refusal is not None else None
    replied = asked or refusal  # the question when the refusal quoted it, else the refusal
    request = Request.new(
        chat_id,
        query.from_user.id,
        answer.resolved or answer.question,
        replied.message_id if replied is not None else None,
        topic_of(refusal),
        language=context.language,
    )
    added = await asyncio.to_thread(requests_of(context.bot_data).add, request)
    if added == "added":
        logger.info("chat %s: a refused question waits for the documents", chat_id)
    notice = {
        "added": context.text(NOTIFY_ADDED, days=f"{state.settings.notify_days:g}"),
        "already": context.text(NOTIFY_ALREADY),
        "full": context.text(NOTIFY_FULL, count=MAX_PER_USER),
    }[added]
    await query.answer(notice)


def requests_view(
    requests: list[Request], days: float, language: str = ENGLISH
) -> tuple[str, InlineKeyboardMarkup | None]:
    """The ``/requests`` message (HTML) and its cancel buttons."""
    if not requests:
        return html.escape(text(language, REQUESTS_NONE), quote=False), None
    lines = [text(language, REQUESTS_HEAD, count=len(requests), days=f"{days:g}")]
    for n, request in enumerate(requests, 1):
        asked = time.strftime("%Y-%m-%d", time.gmtime(request.asked_at))
        question = html.escape(shown(request.question, LISTED_QUESTION), quote=False)
        lines.append(f"{n}. {question} ({asked})")
    buttons = [
        InlineKeyboardButton(
            text(language, REQUESTS_CANCEL, n=n), callback_data=CANCEL_PREFIX + r.id
        )
        for n, r in enumerate(requests, 1)
    ]
    rows = [buttons[i : i + 3] for i in range(0, len(buttons), 3)]
    return "\n".join(lines), InlineKeyboardMarkup(rows)


async def requests_command(update: Update, context: DocbotContext) -> None:
    """``/requests``: the questions the sender waits for in this chat, with cancel buttons."""
    message = update.effective_message
    user = update.effective_user
    if message is None or user is None:
        return
    waiting = await asyncio.to_thread(
        requests_of(context.bot_data).of_user, message.chat_id, user.id
    )
    days = context.docbot.settings.notify_days
    listed, buttons = requests_view(waiting, days, context.language)
    await message.reply_text(listed, parse_mode=ParseMode.HTML, reply_markup=buttons)


async def cancel_press(update: Update, context: DocbotContext) -> None:
    """A cancel button of ``/requests``: only the request's own person can cancel it."""
    query = update.callback_query
    if query is None:
        return
    store = requests_of(context.bot_data)
    request_id = (query.data or "").removeprefix(CANCEL_PREFIX)
    cancelled = await asyncio.to_thread(store.cancel, request_id, query.from_user.id)
    await query.answer(context.text(REQUESTS_CANCELLED if cancelled else REQUESTS_GONE))
    if cancelled is None or not isinstance(query.message, Message):
        return
    waiting = await asyncio.to_thread(store.of_user, cancelled.chat_id, query.from_user.id)
    days = context.docbot.settings.notify_days
    listed, buttons = requests_view(waiting, days, context.language)
    try:
        await query.message.edit_text(listed, parse_mode=ParseMode.HTML, reply_markup=buttons)
    except BadRequest as exc:  # e.g. "message is not modified", or too old to edit
        logger.info("/requests list not updated: %s", exc)


# --- asking again after a new build --------------------------------------------------------------
async def send_notification(bot: Bot, state: BotState, request: Request, answer: Answer) -> None:
    """The answer, as any answer looks, under a line that says what it answers; in the chat
    and topic of the question, replying to it (or to its refusal) while that message exists.
    It becomes the asker's last turn there, so a follow-up ("and when?") continues it. In the
    asker's language when they asked, else the chat's last known one
    (:meth:`ChatLanguages.of_chat`)."""
    key = await state.remember(answer, request.chat_id)
    language = request.language or state.languages.of_chat(request.chat_id)
    question = html.escape(shown(request.question), quote=False)
    head = text(language, NOTIFY_NOW_ANSWERED, question=question)
    parts = split_html(f"{head}\n\n{format_answer(answer, language)}")
    sent: list[int] = []
    async with state.chat_lock(request.chat_id):
        for i, part in enumerate(parts):
            message = await send_html(
                bot,
                request.chat_id,
                part,
                reply_markup=keyboard(key, True, language) if i == len(parts) - 1 else None,
                reply_to=request.reply_to if i == 0 else None,
                topic=request.topic,
            )
            sent.append(message.message_id)
    await continued_by_follow_ups(state, request, answer, sent)


async def continued_by_follow_ups(
    state: BotState, request: Request, answer: Answer, sent: list[int]
) -> None:
    """The notified answer as a turn of the asker's conversation in the chat (a private
    chat's, or theirs in a group and topic), its messages tied to it for replies."""
    person = None if request.chat_id > 0 else request.user_id  # a group's ids are negative
    key = ConversationKey(request.chat_id, request.topic, person)
    cited = tuple(c.cited for c in answer.citations)
    turn = Turn(request.question, answer.resolved, answer.text, cited, True, time.monotonic())
    await asyncio.to_thread(state.engine.conversations.add, key.id, turn)
    await state.answered(key, request.chat_id, sent)


class Notifier:
    """Asks the waiting questions again after each new build, and tells those now answered."""

    def __init__(self, state: BotState, store: RequestStore, bot: Bot) -> None:
        self.state, self.store, self.bot = state, store, bot
        self.sent = 0  # notifications sent by this process (the tests read it)

    async def look(self, running: Callable[[], bool] = lambda: True) -> int:
        """One look: expire old requests, then ask each one due against the loaded index
        (while ``running()``: a stopping bot stops after the request in hand). Returns how
        many notifications were sent."""
        settings = self.state.settings
        await asyncio.to_thread(self.store.expire, time.time() - settings.notify_days * 86400)
        index = await asyncio.to_thread(self.state.engine.index)
        version = str(index.folder)
        # one question asked by several people in one scope: asked once
        answers: dict[tuple[str, str], Answer] = {}
        sent = 0
        while running() and (request := await asyncio.to_thread(self.store.next_due, version)):
            scope = self.state.scopes.of(request.chat_id)
            asked = (scope.key, request.question.casefold())
            answer = answers.get(asked)
            if answer is None:
                try:
                    answer = await asyncio.to_thread(self._ask, request.question, scope)
                except Exception:  # this question, on this index: not asked again until the next
                    logger.exception("asking a waiting question again failed")
                    await asyncio.to_thread(self.store.checked, request.id, version)
                    continue
                answers[asked] = answer
            if not answer.found:
                await asyncio.to_thread(self.store.checked, request.id, version)
                continue
            if not await self._tell(request, answer):
                break  # Telegram unreachable: the next look tries again
            sent += 1
        self.sent += sent
        return sent

    def _ask(self, question: str, scope: Scope) -> Answer:
        """Asked in the chat's scope (``DOCBOT_SCOPES``), as a question of that chat would be;
        no conversation: the question stands alone."""
        if scope.nothing:
            return Answer(question, question, "", False)
        return ask(self.state, question, None, scope)

    async def _tell(self, request: Request, answer: Answer) -> bool:
        """Send, then forget the request; False (the request kept) when Telegram could not be
        reached. A chat that can never get it (the bot blocked or removed, the chat gone) is
        forgotten with a log line."""
        try:
            await send_notification(self.bot, self.state, request, answer)
        except (Forbidden, BadRequest, ChatMigrated) as exc:
            logger.warning(
                "chat %s: a notification cannot be sent (%s); dropped", request.chat_id, exc
            )
        except TelegramError as exc:
            logger.warning("chat %s: notification not sent yet (%s)", request.chat_id, exc)
            await asyncio.to_thread(self.store.release, request.id)
            return False
        else:
            logger.info("chat %s: told that the documents now answer a question", request.chat_id)
        await asyncio.to_thread(self.store.done, request.id)
        return True

    async def run(self, running: Callable[[], bool]) -> None:
        """Look once at start (what waited across a restart), then every
        ``DOCBOT_NOTIFY_CHECK_S``, until ``running()`` is false."""
        every = self.state.settings.notify_check_s
        while running():
            try:
                await self.look(running)
            except DocbotError as exc:  # e.g. the database unreachable: one line, retried
                logger.error("looking for answers to waiting questions failed: %s", exc)
            except Exception:  # a failed look is logged; the next one tries again
                logger.exception("looking for answers to waiting questions failed")
            waited = 0.0
            while waited < every and running():
                await asyncio.sleep(min(WAKE_S, every - waited))
                waited += WAKE_S


def start_notifier(app: Any) -> None:
    """Start the notifier once the application runs, as one of its tasks (awaited when it
    stops, so a notification being sent finishes first)."""

    async def when_running() -> None:
        while not app.running:
            await asyncio.sleep(0.05)
        state = docbot_of(app.bot_data)
        notifier = Notifier(state, requests_of(app.bot_data), app.bot)
        app.bot_data["notifier"] = notifier
        app.create_task(notifier.run(lambda: app.running), name="docbot-notifier")

    app.bot_data["notifier_start"] = asyncio.get_running_loop().create_task(when_running())
