"""The access gate: one handler ahead of all the others (group :data:`GATE_GROUP`), as
python-telegram-bot's own examples restrict a bot. An update from a user who may not use the
bot reaches no other handler (``ApplicationHandlerStop``). The gate also decides the language of
the replies (:mod:`bot.telegram.languages`), for the refusal and every handler behind it
(``context.language``). Where a handler would have taken the
update, the refusal is logged and the user told (:data:`~bot.telegram.replies.REFUSED`, as an
alert for a button); updates no handler takes (a group chat not addressed to the bot) stay
silent."""

from __future__ import annotations

import logging

from telegram import Update, User
from telegram.ext import ApplicationHandlerStop, TypeHandler

from bot.telegram.catalogue import text
from bot.telegram.context import DocbotContext
from bot.telegram.delivery import AnyApplication
from bot.telegram.replies import REFUSED

logger = logging.getLogger("docbot.telegram")

GATE_GROUP = -1  # PTB tries handler groups in ascending order: the gate comes first


async def access_gate(update: Update, context: DocbotContext) -> None:
    """Let allowed users through; stop everyone else's update here."""
    user = update.effective_user
    context.language = context.docbot.languages.choose(update)
    if context.docbot.access.is_allowed(user.id if user else None):
        return
    if handled(context.application, update):
        try:
            await refuse(update, user, context.language)
        except Exception as exc:  # reported as any handler's error; the update still stops
            await context.application.process_error(update, exc)
    raise ApplicationHandlerStop


def handled(app: AnyApplication, update: Update) -> bool:
    """True when a handler behind the gate would take the update (PTB's own test)."""
    checks = (
        handler.check_update(update)
        for group, handlers in app.handlers.items()
        if group > GATE_GROUP
        for handler in handlers
    )
    return any(check is not None and check is not False for check in checks)


async def refuse(update: Update, user: User | None, language: str) -> None:
    """Log the refusal and tell the user: a reply, or an alert on a pressed button."""
    logger.warning("refused user %s", user.id if user else "(unknown)")
    query = update.callback_query
    message = update.effective_message
    if query is not None:
        refused = text(language, REFUSED, user_id=query.from_user.id)
        await query.answer(refused, show_alert=True)
    elif message is not None and user is not None:
        await message.reply_text(text(language, REFUSED, user_id=user.id))


def gate_handler() -> TypeHandler[Update, DocbotContext, None]:
    """The gate as a handler: every update, whatever its kind."""
    return TypeHandler(Update, access_gate)
