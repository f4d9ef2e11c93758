"""``docbot serve``: the Telegram bot. A python-telegram-bot ``Application`` (long polling, or a
webhook when ``DOCBOT_WEBHOOK_URL`` is set) over one :class:`~bot.answering.engine.Engine`.

Updates from different chats run concurrently; each chat's questions are answered in order (one
asyncio lock per chat). Blocking work (answers, re-indexing, saving files) runs in threads. The
token is never logged (:mod:`bot.telegram.redaction`). One access gate runs before every
handler (:mod:`bot.telegram.gate`); the handlers live in ``questions``, ``buttons``,
``commands`` and ``upload``; what they share in ``state``, which each finds as
``context.docbot`` (:mod:`bot.telegram.context`).
"""

from __future__ import annotations

import asyncio
import logging
import secrets
import traceback
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

from telegram import BotCommand, Update
from telegram.error import BadRequest, InvalidToken, NetworkError, TelegramError
from telegram.ext import (
    ApplicationBuilder,
    CallbackQueryHandler,
    CommandHandler,
    Defaults,
    MessageHandler,
    filters,
)

from bot.settings import Settings
from bot.telegram.buttons import button_press
from bot.telegram.catalogue import LANGUAGES, text
from bot.telegram.commands import (
    COMMANDS,
    help_command,
    reload_command,
    sources_command,
    start_command,
)
from bot.telegram.confirming import PREFIX as CONFIRM_PREFIX
from bot.telegram.context import CONTEXT_TYPES, DOCBOT, DocbotContext, docbot_of
from bot.telegram.conversations import topic_of
from bot.telegram.delivery import (
    AnyApplication,
    DeliveryApplication,
    DeliveryJournal,
    JournalingRequest,
    bot_id_from_token,
    mark_undelivered,
)
from bot.telegram.documents import (
    PAGE_PREFIX,
    delete_command,
    documents_button,
    documents_command,
)
from bot.telegram.errors import (
    SecretMissingError,
    TelegramFailedError,
    TokenMissingError,
    TokenRejectedError,
)
from bot.telegram.gaps import EXPORT as GAPS_EXPORT
from bot.telegram.gaps import export_button, gaps_command
from bot.telegram.gate import GATE_GROUP, gate_handler
from bot.telegram.notify import (
    REQUESTS,
    cancel_press,
    notify_press,
    open_requests,
    requests_command,
    start_notifier,
)
from bot.telegram.questions import ADDRESSED, ask_command, non_text_message, text_message
from bot.telegram.redaction import redacted_logs
from bot.telegram.replies import FAILED
from bot.telegram.retry import RetryingRateLimiter
from bot.telegram.scope_view import scope_command
from bot.telegram.state import BotEngine, BotState
from bot.telegram.stats import stats_command

if TYPE_CHECKING:  # only with DOCBOT_STORE
    from bot.telegram.shared.state import SharedState
from bot.telegram.upload import document_message
from index.errors import DocbotError

logger = logging.getLogger("docbot.telegram")


def file_url(settings: Settings) -> str:
    """The Bot API's file download base: set, or derived from the API base URL."""
    if settings.telegram_base_file_url:
        return settings.telegram_base_file_url
    base = settings.telegram_base_url.rstrip("/")
    head, sep, tail = base.rpartition("/bot")
    return f"{head}/file/bot{tail}" if sep else f"{base}/file/bot"


def register(app: AnyApplication) -> None:
    """The access gate, then every handler, in the order PTB tries them."""
    app.add_handler(gate_handler(), group=GATE_GROUP)
    new = filters.UpdateType.MESSAGE
    app.add_handler(CommandHandler("start", start_command, filters=new))
    app.add_handler(CommandHandler("help", help_command, filters=new))
    app.add_handler(CommandHandler("sources", sources_command, filters=new))
    app.add_handler(CommandHandler("ask", ask_command, filters=new))
    app.add_handler(CommandHandler("reload", reload_command, filters=new))
    app.add_handler(CommandHandler("documents", documents_command, filters=new))
    app.add_handler(CommandHandler("delete", delete_command, filters=new))
    app.add_handler(CommandHandler("scope", scope_command, filters=new))
    app.add_handler(MessageHandler(new & filters.TEXT & ~filters.COMMAND & ADDRESSED, text_message))
    app.add_handler(MessageHandler(new & filters.Document.ALL & ADDRESSED, document_message))
    private_non_text = filters.ChatType.PRIVATE & ~filters.TEXT & ~filters.StatusUpdate.ALL
    app.add_handler(MessageHandler(new & private_non_text, non_text_message))
    app.add_handler(CommandHandler("gaps", gaps_command, filters=new))
    app.add_handler(CommandHandler("stats", stats_command, filters=new))
    app.add_handler(CallbackQueryHandler(export_button, pattern=f"^{GAPS_EXPORT}$"))
    app.add_handler(CommandHandler("requests", requests_command, filters=new))
    app.add_handler(CallbackQueryHandler(notify_press, pattern=r"^n:"))
    app.add_handler(CallbackQueryHandler(cancel_press, pattern=r"^r:"))
    documents_buttons = f"^({PAGE_PREFIX}|{CONFIRM_PREFIX})"
    app.add_handler(CallbackQueryHandler(documents_button, pattern=documents_buttons))
    app.add_handler(CallbackQueryHandler(button_press))
    app.add_error_handler(error_handler)


async def error_handler(update: object, context: DocbotContext) -> None:
    """Log the traceback (redacted by the log handlers); tell the user briefly."""
    error = context.error
    if isinstance(error, DocbotError):
        logger.error("while handling an update: %s", error)
    else:
        logger.error("while handling an update", exc_info=error)
    if isinstance(update, Update) and update.effective_chat is not None:
        language = docbot_of(context.bot_data).languages.choose(update)  # as the gate chose
        try:
            await context.bot.send_message(
                update.effective_chat.id,
                text(language, FAILED),
                message_thread_id=topic_of(update.effective_message),
            )
        except TelegramError as exc:
            if isinstance(exc, NetworkError) and not isinstance(exc, BadRequest):
                # Telegram unreachable: keep the update pending for the next start
                mark_undelivered(context.bot_data, update)


# --- building and running -----------------------------------------------------------------------
def delivery_file(settings: Settings) -> Path:
    """The delivery journal (see :mod:`bot.telegram.delivery`): next to the feedback file."""
    return Path(settings.feedback_file).parent / "delivery.jsonl"


def build_application(settings: Settings, engine: BotEngine) -> AnyApplication:
    """The PTB application with every handler, ``setMyCommands`` at start."""
    if settings.telegram_bot_token is None:
        raise TokenMissingError()
    bot_id = bot_id_from_token(settings.telegram_bot_token.get_secret_value())
    shared = open_shared(settings, bot_id, engine)
    # webhook workers over PostgreSQL claim updates there (bot.telegram.workers): no file journal
    journal = (
        None
        if shared and settings.webhook_url
        else DeliveryJournal(delivery_file(settings), bot_id)
    )

    async def post_init(app: AnyApplication) -> None:
        if shared is not None:
            await shared.ready()
        await app.bot.set_my_commands([BotCommand(c, d) for c, d in COMMANDS])
        for language in LANGUAGES[1:]:  # the same commands described in ru and kk
            described = [BotCommand(c, text(language, d)) for c, d in COMMANDS]
            await app.bot.set_my_commands(described, language_code=language)
        pending = journal.pending() if journal else []
        if pending:
            logger.info("answering %d update(s) left pending by the last run", len(pending))
        for raw in pending:
            await app.update_queue.put(Update.de_json(raw, app.bot))
        index = await asyncio.to_thread(engine.index)
        load_readers = getattr(engine, "load_readers", None)
        if load_readers is not None:  # the language pipeline and the models, before any question
            await asyncio.to_thread(load_readers)
        logger.info(
            "@%s is answering from %d document(s), %d passages",
            app.bot.username,
            len(index.sources()),
            len(index),
        )
        start_notifier(app)  # waiting questions asked again after each new build

    builder = (
        ApplicationBuilder()
        .application_class(DeliveryApplication)
        .context_types(CONTEXT_TYPES)
        .token(settings.telegram_bot_token.get_secret_value())
        .base_url(settings.telegram_base_url)
        .base_file_url(file_url(settings))
        .rate_limiter(RetryingRateLimiter())
        .concurrent_updates(True)
        .defaults(Defaults(allow_sending_without_reply=True))
        .post_init(post_init)
    )
    if journal is not None:
        builder = builder.get_updates_request(JournalingRequest(journal, connection_pool_size=1))
    app = builder.build()
    register(app)
    app.bot_data[DOCBOT] = BotState(settings, engine, bot_id, shared)
    app.bot_data["journal"] = journal
    app.bot_data[REQUESTS] = open_requests(settings, bot_id, shared)
    return app


def open_shared(settings: Settings, bot_id: str, engine: BotEngine) -> SharedState | None:
    """With ``DOCBOT_STORE``: the bot's state in PostgreSQL, the engine's conversations too."""
    if not settings.store:
        return None
    from bot.telegram.shared.state import SharedState

    shared = SharedState.open(settings, bot_id)
    engine.conversations = shared.conversations
    return shared


def run_bot(
    settings: Settings,
    engine: BotEngine,
    stop_signals: Sequence[int] | None = None,
    on_app: Callable[[AnyApplication], None] | None = None,
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
    on_app: Callable[[AnyApplication], None] | None,
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
        if not settings.webhook_url:
            app.run_polling(**kwargs)
            return
        shared = docbot_of(app.bot_data).shared
        if shared is None:
            app.run_webhook(
                listen=settings.webhook_listen,
                port=settings.webhook_port,
                url_path=urlsplit(settings.webhook_url).path.lstrip("/"),
                webhook_url=settings.webhook_url,
                secret_token=webhook_secret(settings),
                **kwargs,
            )
            return
        if settings.webhook_secret is None:
            raise SecretMissingError()
        from bot.telegram.webhook import serve_webhook

        serve_webhook(app, shared, settings, webhook_secret(settings), stop_signals)


def webhook_secret(settings: Settings) -> str:
    """The secret Telegram sends with each webhook call: set, or a random one for this run."""
    if settings.webhook_secret is not None:
        return settings.webhook_secret.get_secret_value()
    return secrets.token_urlsafe(32)
