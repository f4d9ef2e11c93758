"""``docbot serve``: the Telegram bot. A python-telegram-bot ``Application`` (long polling, or a
webhook when ``DOCBOT_WEBHOOK_URL`` is set) over one :class:`~bot.engine.Engine`.

Updates from different chats run concurrently; each chat's questions are answered in order (one
asyncio lock per chat). Blocking work (answers, re-indexing, saving files) runs in threads. The
token is never logged: httpx/httpcore stay at WARNING and every log handler redacts it.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import logging
import secrets
import time
import traceback
from collections import OrderedDict
from collections.abc import AsyncIterator, Callable, Sequence
from pathlib import Path
from typing import Any, Protocol
from urllib.parse import urlsplit

from telegram import (
    Bot,
    BotCommand,
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    Message,
    MessageEntity,
    ReplyParameters,
    Update,
)
from telegram.constants import ChatAction, ChatType, ParseMode
from telegram.error import BadRequest, InvalidToken, NetworkError, TelegramError
from telegram.ext import (
    Application,
    ApplicationBuilder,
    CallbackQueryHandler,
    CommandHandler,
    ContextTypes,
    Defaults,
    MessageHandler,
    filters,
)

from bot.access import Access, RateLimit
from bot.answer import Answer
from bot.delivery import (
    DeliveryApplication,
    DeliveryJournal,
    JournalingRequest,
    bot_id_from_token,
    mark_undelivered,
)
from bot.feedback import VOTES, FeedbackLog, RecentAnswers
from bot.formatting import escape, format_answer, format_sources, split_html, to_plain
from bot.retry import RetryingRateLimiter
from bot.settings import Settings
from bot.upload import Saved, check_size, safe_name, save_upload
from index.build import BuildReport
from index.errors import (
    DocbotError,
    TelegramFailedError,
    TokenMissingError,
    TokenRejectedError,
    UploadRejectedError,
)
from index.retriever import Index

logger = logging.getLogger("docbot.telegram")

COMMANDS = (
    ("start", "what I know and how to ask"),
    ("help", "how to ask, and what I answer"),
    ("sources", "list the documents I know"),
    ("ask", "ask a question (in groups)"),
    ("reload", "re-index the documents (admins only)"),
)
MAX_QUESTION = 1000  # characters; longer messages are cut
TYPING_EVERY = 4.5  # seconds; Telegram shows "typing" for about 5 s
TYPING_FIRST_WAIT = 2.0  # seconds an answer waits at most for its first "typing" call
REINDEX_WAIT = 120.0  # seconds to wait for another index build (e.g. `docbot index`)

REFUSED = "Sorry, this bot is private. Ask its operator to add your user id ({user_id})."
NOT_ADMIN = "Only the bot's admins can do that."
NON_TEXT = "I only read text. Send me your question as a message."
FAILED = "Sorry, something went wrong while answering. Please try again in a moment."
FORGOTTEN = "That answer is too old; please ask again."
EMPTY_QUESTION = "Ask me a question about the documents."


def clean_question(text: str) -> str:
    """The question as the engine gets it: whitespace runs made single spaces, at most
    :data:`MAX_QUESTION` characters; empty when nothing is left."""
    return " ".join(text.split())[:MAX_QUESTION]


class BotEngine(Protocol):
    """What the bot needs from :class:`bot.engine.Engine`."""

    settings: Settings

    def ask(
        self, question: str, conversation_id: str | None = None, k: int | None = None
    ) -> Answer: ...

    def index(self) -> Index: ...

    def has_index(self) -> bool: ...

    def reindex(self, *args: Any, **kwargs: Any) -> BuildReport: ...


# --- the token never reaches a log line ---------------------------------------------------------
class RedactSecret(logging.Filter):
    """Replaces the secret in a record's message and traceback (attached to log handlers)."""

    def __init__(self, secret: str) -> None:
        super().__init__()
        self.secret = secret

    def filter(self, record: logging.LogRecord) -> bool:
        if not self.secret:
            return True
        message = record.getMessage()
        if self.secret in message:
            record.msg, record.args = message.replace(self.secret, "<token>"), None
        if record.exc_info and not record.exc_text:
            record.exc_text = "".join(traceback.format_exception(*record.exc_info)).rstrip()
        if record.exc_text and self.secret in record.exc_text:
            record.exc_text = record.exc_text.replace(self.secret, "<token>")
        if record.stack_info and self.secret in record.stack_info:
            record.stack_info = record.stack_info.replace(self.secret, "<token>")
        return True


@contextlib.contextmanager
def redacted_logs(secret: str) -> Any:
    """While active: httpx/httpcore quiet, and every root log handler redacts ``secret``."""
    for name in ("httpx", "httpcore"):
        logging.getLogger(name).setLevel(logging.WARNING)
    redact = RedactSecret(secret)
    handlers = list(logging.getLogger().handlers)
    for handler in handlers:
        handler.addFilter(redact)
    try:
        yield redact
    finally:
        for handler in handlers:
            handler.removeFilter(redact)


# --- the bot ------------------------------------------------------------------------------------
@contextlib.asynccontextmanager
async def typing(message: Message) -> AsyncIterator[None]:
    """Show "typing" in the message's chat until the block ends."""
    shown = asyncio.Event()

    async def keep_typing() -> None:
        while True:
            with contextlib.suppress(TelegramError):
                await message.get_bot().send_chat_action(message.chat_id, ChatAction.TYPING)
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
) -> None:
    """Send Telegram HTML; if Telegram cannot parse it after all, send the same visible text
    as plain text rather than nothing."""
    reply = ReplyParameters(reply_to, allow_sending_without_reply=True) if reply_to else None
    try:
        await bot.send_message(
            chat_id, text, parse_mode=ParseMode.HTML, reply_markup=reply_markup,
            reply_parameters=reply,
        )  # fmt: skip
    except BadRequest as exc:
        if "parse" not in str(exc).lower():
            raise
        logger.warning("Telegram refused our HTML (%s); sending plain text instead", exc)
        await bot.send_message(
            chat_id, to_plain(text), reply_markup=reply_markup, reply_parameters=reply
        )


def _file_url(settings: Settings) -> str:
    if settings.telegram_base_file_url:
        return settings.telegram_base_file_url
    base = settings.telegram_base_url.rstrip("/")
    head, sep, tail = base.rpartition("/bot")
    return f"{head}/file/bot{tail}" if sep else f"{base}/file/bot"


def _keyboard(key: str, found: bool) -> InlineKeyboardMarkup:
    votes = [
        InlineKeyboardButton("👍", callback_data=f"v:{key}:up"),
        InlineKeyboardButton("👎", callback_data=f"v:{key}:down"),
    ]
    rows = [[InlineKeyboardButton("Sources", callback_data=f"s:{key}"), *votes]]
    return InlineKeyboardMarkup(rows if found else [votes])


class DocBot:
    """The handlers, and the state they share (access rules, recent answers, chat locks)."""

    def __init__(self, settings: Settings, engine: BotEngine, bot_id: str) -> None:
        self.settings = settings
        self.engine = engine
        self.access = Access(settings.allowed_users, settings.admins)
        self.rate = RateLimit(settings.questions_per_minute)
        self.recent = RecentAnswers()
        self._answered_in: OrderedDict[str, int] = OrderedDict()  # button key -> its chat
        self.feedback = FeedbackLog(settings.feedback_file, bot_id)
        self._chat_locks: dict[int, asyncio.Lock] = {}
        self._reindex_lock: asyncio.Lock | None = None

    def register(self, app: Application) -> None:
        new = filters.UpdateType.MESSAGE
        app.add_handler(CommandHandler("start", self.start, filters=new))
        app.add_handler(CommandHandler("help", self.help, filters=new))
        app.add_handler(CommandHandler("sources", self.sources, filters=new))
        app.add_handler(CommandHandler("ask", self.ask_command, filters=new))
        app.add_handler(CommandHandler("reload", self.reload, filters=new))
        app.add_handler(MessageHandler(new & filters.TEXT & ~filters.COMMAND, self.text))
        app.add_handler(MessageHandler(new & filters.Document.ALL, self.document))
        app.add_handler(
            MessageHandler(
                new & filters.ChatType.PRIVATE & ~filters.TEXT & ~filters.StatusUpdate.ALL,
                self.non_text,
            )
        )
        app.add_handler(CallbackQueryHandler(self.button))
        app.add_error_handler(self.error)

    # --- gates ---------------------------------------------------------------------------------
    async def _allowed(self, update: Update, quiet: bool = False) -> bool:
        """True for allowed users; others get a polite refusal (unless ``quiet``), and a log."""
        user = update.effective_user
        if self.access.is_allowed(user.id if user else None):
            return True
        logger.warning("refused user %s", user.id if user else "(unknown)")
        message = update.effective_message
        if not quiet and message is not None and user is not None:
            await message.reply_text(REFUSED.format(user_id=user.id))
        return False

    def _redact(self, error: BaseException) -> str:
        """An error's message for a chat reply, without the bot token."""
        token = self.settings.telegram_bot_token
        text = str(error)
        return text.replace(token.get_secret_value(), "<token>") if token else text

    def _chat_lock(self, chat_id: int) -> asyncio.Lock:
        if len(self._chat_locks) > 5000:
            self._chat_locks = {c: lk for c, lk in self._chat_locks.items() if lk.locked()}
        return self._chat_locks.setdefault(chat_id, asyncio.Lock())

    def _addressed(self, message: Message, bot_id: int, username: str) -> str | None:
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

    # --- questions -----------------------------------------------------------------------------
    async def text(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        """A text message: a question in private chats; in groups only when addressed."""
        message = update.effective_message
        if message is None or message.text is None:
            return
        question: str | None = message.text
        if message.chat.type != ChatType.PRIVATE:
            question = self._addressed(message, context.bot.id, context.bot.username or "")
        if question is not None:
            await self._answer(update, message, question)

    async def ask_command(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        """``/ask QUESTION``: a question, in any chat."""
        message = update.effective_message
        if message is None:
            return
        question = " ".join(context.args or [])
        if not question.strip():
            if await self._allowed(update):
                await message.reply_text("Usage: /ask followed by your question.")
            return
        await self._answer(update, message, question)

    async def _answer(self, update: Update, message: Message, question: str) -> None:
        if not await self._allowed(update):
            return
        user_id = update.effective_user.id if update.effective_user else 0
        question = clean_question(question)
        if not question:
            await message.reply_text(EMPTY_QUESTION)
            return
        wait = self.rate.wait_time(user_id)
        if wait:
            await message.reply_text(
                f"You are asking faster than I can keep up with. Please wait {wait:.0f} s."
            )
            return
        async with self._chat_lock(message.chat_id):
            started = time.perf_counter()
            async with typing(message):
                answer = await asyncio.to_thread(self.engine.ask, question, str(message.chat_id))
            await self._send_answer(message, answer)
        logger.info(
            "chat %s: answered in %.0f ms (%s, %d citation(s))",
            message.chat_id,
            1000 * (time.perf_counter() - started),
            "found" if answer.found else "not in the documents",
            len(answer.citations),
        )

    async def _send_answer(self, message: Message, answer: Answer) -> None:
        key = self.recent.add(answer)
        self._answered_in[key] = message.chat_id
        while len(self._answered_in) > self.recent.size:
            self._answered_in.popitem(last=False)
        parts = split_html(format_answer(answer))
        quote = message.chat.type != ChatType.PRIVATE
        for i, part in enumerate(parts):
            last = i == len(parts) - 1
            await send_html(
                message.get_bot(),
                message.chat_id,
                part,
                reply_markup=_keyboard(key, answer.found) if last else None,
                reply_to=message.message_id if quote and i == 0 else None,
            )

    async def non_text(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        """Stickers, photos, voice...: a short hint (private chats only)."""
        message = update.effective_message
        if message is not None and await self._allowed(update):
            await message.reply_text(NON_TEXT)

    # --- buttons -------------------------------------------------------------------------------
    async def button(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        """Inline buttons: ``s:<id>`` shows the sources, ``v:<id>:up|down`` records a vote."""
        query = update.callback_query
        if query is None:
            return
        if not await self._allowed(update, quiet=True):
            await query.answer(REFUSED.format(user_id=query.from_user.id), show_alert=True)
            return
        kind, _, rest = (query.data or "").partition(":")
        key, _, vote = rest.partition(":")
        answer = self.recent.get(key) if key else None
        chat = update.effective_chat.id if update.effective_chat else query.from_user.id
        if answer is not None and self._answered_in.get(key) != chat:
            logger.warning("button data for another chat's answer from user %s", query.from_user.id)
            answer = None  # forged: never show or log an answer given in another chat
        if kind == "s" and not vote and answer is not None:
            await query.answer()
            chat_id = update.effective_chat.id if update.effective_chat else query.from_user.id
            for part in split_html(format_sources(answer)):
                await send_html(context.bot, chat_id, part)
        elif kind == "v" and vote in VOTES and answer is not None:
            chat_id = update.effective_chat.id if update.effective_chat else query.from_user.id
            async with self._chat_lock(chat_id):  # votes are logged in the order they came
                await asyncio.to_thread(self.feedback.record, answer, vote, query.from_user.id)
            await query.answer("Thanks for the feedback!")
        elif (kind == "s" and key and not vote) or (kind == "v" and key and vote in VOTES):
            await query.answer(FORGOTTEN)
        else:
            logger.info("ignored unknown button data from user %s", query.from_user.id)
            await query.answer("This button does nothing.")

    # --- commands ------------------------------------------------------------------------------
    async def _summary(self) -> tuple[int, int]:
        index = await asyncio.to_thread(self.engine.index)
        return len(index.sources()), len(index)

    async def start(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        """``/start``: what the bot knows and how to ask."""
        message = update.effective_message
        if message is None or not await self._allowed(update):
            return
        files, chunks = await self._summary()
        name = context.bot.username or "bot"
        await message.reply_text(
            f"Hello! I answer questions about {files} document(s) ({chunks} passages), "
            "quoting the passages I answer from.\n\n"
            "Just send me a question. In a group, mention me "
            f"(@{escape(name)}), reply to me, or use /ask QUESTION.\n"
            "/sources lists the documents; /help explains more.",
            parse_mode=ParseMode.HTML,
        )

    async def help(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        """``/help``: how to ask and what the answers look like."""
        message = update.effective_message
        if message is None or not await self._allowed(update):
            return
        await message.reply_text(
            "Ask a question in plain words. I answer with sentences quoted from the documents, "
            "each marked [n]; the sources are listed under the answer, and the quoted passages "
            "open from the quote block or the Sources button. You can ask follow-ups such as "
            '"and in 2012?". If the documents do not cover something, I say so.\n\n'
            "/sources: the documents\n/ask QUESTION: ask in a group\n"
            "/reload: re-index the documents (admins)\n"
            "Admins can also send me a .txt, .md, .pdf or .html file to add it.",
        )

    async def sources(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        """``/sources``: the indexed documents and their passage counts."""
        message = update.effective_message
        if message is None or not await self._allowed(update):
            return
        index = await asyncio.to_thread(self.engine.index)
        listed = index.sources()
        lines = [f"<b>{len(listed)} document(s)</b>, {len(index)} passages:"]
        lines += [f"• {escape(name)} ({n})" for name, n in listed.items()]
        for part in split_html("\n".join(lines)):
            await message.reply_text(part, parse_mode=ParseMode.HTML)

    async def _reindex(self) -> tuple[BuildReport, Index]:
        if self._reindex_lock is None:
            self._reindex_lock = asyncio.Lock()
        async with self._reindex_lock:
            report = await asyncio.to_thread(self.engine.reindex, lock_wait=REINDEX_WAIT)
            index = await asyncio.to_thread(self.engine.index)  # load it now, not on a question
        return report, index

    async def reload(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        """``/reload`` (admins): incremental re-index of the documents folder, swapped in live."""
        message = update.effective_message
        user = update.effective_user
        if message is None or not await self._allowed(update):
            return
        if not self.access.is_admin(user.id if user else None):
            logger.warning("refused /reload from non-admin %s", user.id if user else "?")
            await message.reply_text(NOT_ADMIN)
            return
        try:
            async with typing(message):
                report, index = await self._reindex()
        except DocbotError as exc:  # e.g. another build holds the lock: the message says why
            logger.error("/reload failed: %s", exc)
            await message.reply_text(f"Re-indexing failed: {self._redact(exc)}")
            return
        await message.reply_text(_report_line(report, index))

    # --- uploads -------------------------------------------------------------------------------
    async def document(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        """A file: from an admin, added to the documents and indexed; otherwise a hint."""
        message = update.effective_message
        user = update.effective_user
        if message is None or message.document is None:
            return
        private = message.chat.type == ChatType.PRIVATE
        username = context.bot.username or ""
        if not private and self._addressed(message, context.bot.id, username) is None:
            return  # files shared in a group are not meant for the bot
        if not await self._allowed(update):
            return
        if not self.access.is_admin(user.id if user else None):
            logger.warning("refused an upload from non-admin %s", user.id if user else "?")
            await message.reply_text(f"{NON_TEXT} Only the bot's admins can add documents.")
            return
        doc = message.document
        name = doc.file_name or "upload"
        max_bytes = int(self.settings.max_upload_mb * 1024 * 1024)
        async with self._chat_lock(message.chat_id):  # the next question waits for the index
            try:
                clean = safe_name(name)
                check_size(clean, doc.file_size, max_bytes)
                async with typing(message):
                    file = await context.bot.get_file(doc.file_id)
                    data = bytes(await file.download_as_bytearray())
                    saved = await asyncio.to_thread(
                        save_upload, self.settings.documents_dir, name, data, max_bytes
                    )
                    logger.info("admin %s added %s", user.id if user else "?", saved.name)
            except UploadRejectedError as exc:
                await message.reply_text(str(exc))
                return
            try:
                async with typing(message):
                    report, index = await self._reindex()
            except DocbotError as exc:
                logger.error("indexing after an upload failed: %s", exc)
                await message.reply_text(
                    f"Saved {saved.name}, but indexing failed: {self._redact(exc)}. "
                    "Send /reload to retry."
                )
                return
            await self._confirm_upload(message, saved, report, index)

    async def _confirm_upload(
        self, message: Message, saved: Saved, report: BuildReport, index: Index
    ) -> None:
        skipped = {s.source: s.reason for s in report.skipped}
        if saved.name in skipped:
            await asyncio.to_thread(saved.path.unlink)
            await message.reply_text(
                f"Cannot add {saved.name}: {skipped[saved.name]}. The file was not kept."
            )
            return
        renamed = " (the name was taken, so I added a number)" if saved.renamed else ""
        passages = index.sources().get(saved.name, 0)
        await message.reply_text(
            f"Added {saved.name}{renamed}: {passages} passages. {_report_line(report, index)}"
        )

    # --- errors --------------------------------------------------------------------------------
    async def error(self, update: object, context: ContextTypes.DEFAULT_TYPE) -> None:
        """Log the traceback (redacted by the log handlers); tell the user briefly."""
        error = context.error
        if isinstance(error, DocbotError):
            logger.error("while handling an update: %s", error)
        else:
            logger.error("while handling an update", exc_info=error)
        if isinstance(update, Update) and update.effective_chat is not None:
            try:
                await context.bot.send_message(update.effective_chat.id, FAILED)
            except TelegramError as exc:
                if isinstance(exc, NetworkError) and not isinstance(exc, BadRequest):
                    # Telegram unreachable: keep the update pending for the next start
                    mark_undelivered(context.bot_data, update)


def _report_line(report: BuildReport, index: Index) -> str:
    changes = (
        f"{len(report.added)} added, {len(report.changed)} changed, {len(report.removed)} removed"
    )
    skipped = f", {len(report.skipped)} skipped" if report.skipped else ""
    return (
        f"Index updated ({changes}{skipped}): {len(index.sources())} document(s), "
        f"{len(index)} passages, in {report.seconds:.1f} s."
    )


# --- building and running -----------------------------------------------------------------------
def delivery_file(settings: Settings) -> Path:
    """The delivery journal (see :mod:`bot.delivery`): next to the feedback file."""
    return Path(settings.feedback_file).parent / "delivery.jsonl"


def build_application(settings: Settings, engine: BotEngine) -> Application:
    """The PTB application with every handler, ``setMyCommands`` at start."""
    if settings.telegram_bot_token is None:
        raise TokenMissingError()
    bot_id = bot_id_from_token(settings.telegram_bot_token.get_secret_value())
    docbot = DocBot(settings, engine, bot_id)
    journal = DeliveryJournal(delivery_file(settings), bot_id)

    async def post_init(app: Application) -> None:
        await app.bot.set_my_commands([BotCommand(c, d) for c, d in COMMANDS])
        pending = journal.pending()
        if pending:
            logger.info("answering %d update(s) left pending by the last run", len(pending))
        for raw in pending:
            await app.update_queue.put(Update.de_json(raw, app.bot))
        index = await asyncio.to_thread(engine.index)
        logger.info(
            "@%s is answering from %d document(s), %d passages",
            app.bot.username,
            len(index.sources()),
            len(index),
        )

    app = (
        ApplicationBuilder()
        .application_class(DeliveryApplication)
        .token(settings.telegram_bot_token.get_secret_value())
        .base_url(settings.telegram_base_url)
        .base_file_url(_file_url(settings))
        .get_updates_request(JournalingRequest(journal, connection_pool_size=1))
        .rate_limiter(RetryingRateLimiter())
        .concurrent_updates(True)
        .defaults(Defaults(allow_sending_without_reply=True))
        .post_init(post_init)
        .build()
    )
    docbot.register(app)
    app.bot_data["docbot"] = docbot
    app.bot_data["journal"] = journal
    return app


def run_bot(
    settings: Settings,
    engine: BotEngine,
    stop_signals: Sequence[int] | None = None,
    on_app: Callable[[Application], None] | None = None,
) -> None:
    """Run until stopped: long polling, or a webhook when ``settings.webhook_url`` is set.
    ``on_app`` receives the application before it runs (the tests use it to stop it)."""
    if settings.telegram_bot_token is None:
        raise TokenMissingError()
    token = settings.telegram_bot_token.get_secret_value()
    try:
        _run_bot(settings, engine, token, stop_signals, on_app)
    except InvalidToken:  # PTB's message quotes the token
        raise TokenRejectedError() from None
    except TelegramError as exc:  # e.g. Telegram unreachable at startup, after the retries
        raise TelegramFailedError(
            f"{type(exc).__name__}: {exc}".replace(token, "<token>")
        ) from None
    except Exception as exc:
        text = "".join(traceback.format_exception(exc))
        if token and token in text:  # never let the token reach a printed traceback
            reason = f"{type(exc).__name__}: {exc}".replace(token, "<token>")
            raise TelegramFailedError(reason) from None
        raise


def _run_bot(
    settings: Settings,
    engine: BotEngine,
    token: str,
    stop_signals: Sequence[int] | None,
    on_app: Callable[[Application], None] | None,
) -> None:
    with redacted_logs(token):
        app = build_application(settings, engine)
        if on_app is not None:
            on_app(app)
        kwargs: dict[str, Any] = {
            "allowed_updates": Update.ALL_TYPES,
            "close_loop": False,
            "stop_signals": stop_signals,
        }
        if settings.webhook_url:
            secret = (
                settings.webhook_secret.get_secret_value()
                if settings.webhook_secret
                else secrets.token_urlsafe(32)
            )
            app.run_webhook(
                listen=settings.webhook_listen,
                port=settings.webhook_port,
                url_path=urlsplit(settings.webhook_url).path.lstrip("/"),
                webhook_url=settings.webhook_url,
                secret_token=secret,
                **kwargs,
            )
        else:
            app.run_polling(**kwargs)


def run_serve(args: argparse.Namespace, settings: Settings) -> int:
    """``docbot serve``: load (or first build) the index and the model, then run the bot."""
    import signal

    from bot.cli import ensure_index
    from bot.engine import Engine

    if settings.telegram_bot_token is None:
        raise TokenMissingError()
    engine = Engine(settings)
    ensure_index(engine)
    engine.index()  # load the model and the index before the first question
    mode = "webhook" if settings.webhook_url else "long polling"
    logger.info("starting the Telegram bot (%s)", mode)
    run_bot(
        settings,
        engine,
        stop_signals=(signal.SIGINT, signal.SIGTERM),
    )
    return 0
