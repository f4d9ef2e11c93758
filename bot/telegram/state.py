"""What the handlers share: the engine, access rules, rate limits, recent answers (for the
buttons, and their messages for the replies that continue a conversation), the feedback log and
one lock per chat. Handlers find it as ``context.docbot`` (:mod:`bot.telegram.context`)."""

from __future__ import annotations

import asyncio
import logging
from collections import OrderedDict
from collections.abc import Callable
from typing import TYPE_CHECKING, Any, Protocol, TypeVar

from telegram import Update

from bot.answering.answers import Answer
from bot.answering.conversation import ConversationStore
from bot.settings import Settings
from bot.telegram.access import Access, RateLimit
from bot.telegram.asked import AskedLog, AskedStore, asked_file
from bot.telegram.catalogue import text
from bot.telegram.conversations import AnswerMessages, AnswerStore, ConversationKey
from bot.telegram.feedback import FeedbackLog, RecentAnswers
from bot.telegram.languages import ChatLanguages
from bot.telegram.replies import NOT_ADMIN
from bot.telegram.scopes import ChatScopes
from index.report import BuildReport
from index.retriever import Index
from index.scope import Scope

if TYPE_CHECKING:  # only with DOCBOT_STORE
    from bot.telegram.shared.state import SharedState

logger = logging.getLogger("docbot.telegram")

REINDEX_WAIT = 120.0  # seconds to wait for another index build (e.g. `docbot index`)
MAX_CHAT_LOCKS = 5000  # idle chat locks are dropped past this many

T = TypeVar("T")


class Limiter(Protocol):
    def wait_time(self, user_id: int) -> float: ...


class BotEngine(Protocol):
    """What the bot needs from :class:`bot.answering.engine.Engine`."""

    settings: Settings
    conversations: ConversationStore

    def ask(
        self,
        question: str,
        conversation_id: str | None = None,
        k: int | None = None,
        scope: Scope | None = None,
    ) -> Answer: ...

    def index(self) -> Index: ...

    def has_index(self) -> bool: ...

    def reindex(self, *args: Any, **kwargs: Any) -> BuildReport: ...


class BotState:
    """The state the handlers share; one per running bot."""

    def __init__(
        self, settings: Settings, engine: BotEngine, bot_id: str, shared: SharedState | None = None
    ) -> None:
        self.settings = settings
        self.engine = engine
        self.access = Access(settings.allowed_users, settings.admins)
        self.shared = shared
        self.rate: Limiter = shared.rate if shared else RateLimit(settings.questions_per_minute)
        self.recent = RecentAnswers()
        self.answered_in: OrderedDict[str, int] = OrderedDict()  # button key -> its chat
        self.feedback = shared.feedback if shared else FeedbackLog(settings.feedback_file, bot_id)
        self.answer_messages: AnswerStore = (
            shared.answer_messages
            if shared
            else AnswerMessages(max_age=settings.conversation_minutes * 60)
        )
        self.asked: AskedStore = (
            shared.asked if shared else AskedLog(asked_file(settings.feedback_file))
        )
        self.chat_locks: dict[int, asyncio.Lock] = {}
        # each chat's documents (DOCBOT_SCOPES; a bad file stops the bot here, saying the fix)
        self.scopes = ChatScopes.of_setting(settings.scopes, settings.documents_dir)
        self._reindex_lock: asyncio.Lock | None = None
        self.languages = ChatLanguages(settings.language)  # each reply's (the gate chooses)

    async def wait_time(self, user_id: int) -> float:
        """The rate limit (:meth:`RateLimit.wait_time`); in PostgreSQL, off the event loop."""
        if self.shared is None:
            return self.rate.wait_time(user_id)
        return await asyncio.to_thread(self.rate.wait_time, user_id)

    def is_admin(self, update: Update) -> bool:
        user = update.effective_user
        return self.access.is_admin(user.id if user else None)

    async def refused_unless_admin(self, update: Update, command: str, language: str) -> bool:
        """True (the user told, the refusal logged) when ``command`` comes from a non-admin."""
        if self.is_admin(update):
            return False
        user, message = update.effective_user, update.effective_message
        logger.warning("refused /%s from non-admin %s", command, user.id if user else "?")
        if message is not None:
            await message.reply_text(text(language, NOT_ADMIN))
        return True

    def redact(self, error: BaseException) -> str:
        """An error's message for a chat reply, without the bot token."""
        token = self.settings.telegram_bot_token
        text = str(error)
        return text.replace(token.get_secret_value(), "<token>") if token else text

    def chat_lock(self, chat_id: int) -> asyncio.Lock:
        """The chat's lock: its questions, uploads and votes are handled in order."""
        if len(self.chat_locks) > MAX_CHAT_LOCKS:
            self.chat_locks = {c: lk for c, lk in self.chat_locks.items() if lk.locked()}
        return self.chat_locks.setdefault(chat_id, asyncio.Lock())

    async def remember(self, answer: Answer, chat_id: int) -> str:
        """A short key for the answer's buttons, tied to the chat it was given in (with
        ``DOCBOT_STORE``: in PostgreSQL, so that any worker can serve a press)."""
        if self.shared is not None:
            return await asyncio.to_thread(self.shared.answers.add, answer, chat_id)
        key = self.recent.add(answer)
        self.answered_in[key] = chat_id
        while len(self.answered_in) > self.recent.size:
            self.answered_in.popitem(last=False)
        return key

    async def recall(self, key: str, chat_id: int, user_id: int) -> Answer | None:
        """The answer behind a button key, if it was given in this chat and is still held."""
        if self.shared is not None:
            held = await asyncio.to_thread(self.shared.answers.get, key) if key else None
            answer, answered_in = held if held is not None else (None, None)
        else:
            answer = self.recent.get(key) if key else None
            answered_in = self.answered_in.get(key)
        if answer is not None and answered_in != chat_id:
            logger.warning("button data for another chat's answer from user %s", user_id)
            return None  # forged: never show or log an answer given in another chat
        return answer

    async def conversation(self, update: Update) -> ConversationKey | None:
        """The conversation a question continues: the one of the answer it replies to, else
        its own (:meth:`ConversationKey.of`)."""
        message = update.effective_message
        replied = message.reply_to_message if message is not None else None
        if message is not None and replied is not None:
            answered = await self._blocking(self.answer_messages.get, message.chat_id, replied.id)
            if answered is not None:
                return answered
        return ConversationKey.of(update)

    async def answered(self, key: ConversationKey, chat_id: int, message_ids: list[int]) -> None:
        """Remember the messages of an answer given in conversation ``key``."""
        await self._blocking(self.answer_messages.add, chat_id, message_ids, key)

    async def _blocking(self, call: Callable[..., T], *args: Any) -> T:
        """In PostgreSQL, off the event loop; in memory, right away."""
        if self.shared is None:
            return call(*args)
        return await asyncio.to_thread(call, *args)

    async def reindex(self) -> tuple[BuildReport, Index]:
        """An incremental build of the documents folder, loaded before it returns."""
        if self._reindex_lock is None:
            self._reindex_lock = asyncio.Lock()
        async with self._reindex_lock:
            report = await asyncio.to_thread(self.engine.reindex, lock_wait=REINDEX_WAIT)
            index = await asyncio.to_thread(self.engine.index)  # load it now, not on a question
        return report, index
