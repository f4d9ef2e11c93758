"""The bot's commands: ``/start``, ``/help``, ``/sources`` and ``/reload`` (``/ask`` is a
question: :mod:`bot.telegram.questions`)."""

from __future__ import annotations

import asyncio
import logging

from telegram import Update
from telegram.constants import ChatType, ParseMode

from bot.telegram.catalogue import text
from bot.telegram.context import DocbotContext
from bot.telegram.formatting import escape, split_html
from bot.telegram.replies import (
    HELP,
    INDEX_UPDATED,
    NOT_ADMIN,
    REINDEX_FAILED,
    SKIPPED_COUNT,
    SOURCES_HEAD,
    START,
    START_GROUP,
    START_PRIVATE,
)
from bot.telegram.sending import typing
from index.errors import DocbotError
from index.report import BuildReport
from index.retriever import Index

logger = logging.getLogger("docbot.telegram")

COMMANDS = (
    ("start", "what I know and how to ask"),
    ("help", "how to ask, and what I answer"),
    ("sources", "list the documents I know"),
    ("ask", "ask a question (in groups)"),
    ("reload", "re-index the documents (admins only)"),
    ("gaps", "questions the documents could not answer (admins only)"),
    ("stats", "questions per day, as a chart (admins only)"),
    ("requests", "questions you wait for the documents to answer"),
    ("documents", "the documents at a glance (admins only)"),
    ("delete", "delete a document (admins only)"),
    ("scope", "which documents this chat sees (admins only)"),
)


def report_line(report: BuildReport, index: Index, language: str) -> str:
    """One line on a finished build, for a chat."""
    skipped = text(language, SKIPPED_COUNT, skipped=len(report.skipped)) if report.skipped else ""
    return text(
        language,
        INDEX_UPDATED,
        added=len(report.added),
        changed=len(report.changed),
        removed=len(report.removed),
        skipped=skipped,
        documents=len(index.sources()),
        passages=len(index),
        seconds=f"{report.seconds:.1f}",
    )


async def start_command(update: Update, context: DocbotContext) -> None:
    """``/start``: what the bot knows and how to ask; in a group, how to address it there
    and what BotFather's privacy mode changes."""
    message = update.effective_message
    if message is None:
        return
    state = context.docbot
    index = await asyncio.to_thread(state.engine.index)
    name = escape(context.bot.username or "bot")
    scope = state.scopes.of(message.chat_id)  # only the chat's documents (DOCBOT_SCOPES)
    hello = context.text(
        START, documents=len(index.scope_sources(scope)), passages=index.scope_passages(scope)
    )
    how = START_PRIVATE if message.chat.type == ChatType.PRIVATE else START_GROUP
    await message.reply_text(
        f"{hello}\n\n{context.text(how, name=name)}", parse_mode=ParseMode.HTML
    )


async def help_command(update: Update, context: DocbotContext) -> None:
    """``/help``: how to ask and what the answers look like."""
    message = update.effective_message
    if message is None:
        return
    await message.reply_text(context.text(HELP))


async def sources_command(update: Update, context: DocbotContext) -> None:
    """``/sources``: the indexed documents and their passage counts."""
    message = update.effective_message
    if message is None:
        return
    state = context.docbot
    index = await asyncio.to_thread(state.engine.index)
    scope = state.scopes.of(message.chat_id)  # only the chat's documents (DOCBOT_SCOPES)
    listed = index.scope_sources(scope)
    lines = [
        context.text(SOURCES_HEAD, documents=len(listed), passages=index.scope_passages(scope))
    ]
    lines += [f"• {escape(name)} ({n})" for name, n in listed.items()]
    for part in split_html("\n".join(lines)):
        await message.reply_text(part, parse_mode=ParseMode.HTML)


async def reload_command(update: Update, context: DocbotContext) -> None:
    """``/reload`` (admins): incremental re-index of the documents folder, swapped in live."""
    message = update.effective_message
    if message is None:
        return
    state = context.docbot
    if not state.is_admin(update):
        user = update.effective_user
        logger.warning("refused /reload from non-admin %s", user.id if user else "?")
        await message.reply_text(context.text(NOT_ADMIN))
        return
    try:
        async with typing(message):
            report, index = await state.reindex()
    except DocbotError as exc:  # e.g. another build holds the lock: the message says why
        logger.error("/reload failed: %s", exc)
        await message.reply_text(context.text(REINDEX_FAILED, reason=state.redact(exc)))
        return
    await message.reply_text(report_line(report, index, context.language))
