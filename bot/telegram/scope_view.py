"""``/scope`` (admins): which documents a chat is answered from (:mod:`bot.telegram.scopes`),
folder by folder with what each holds, and how the scopes file stands."""

from __future__ import annotations

import asyncio

from telegram import Update
from telegram.constants import ParseMode

from bot.telegram.catalogue import ENGLISH, text
from bot.telegram.context import DocbotContext
from bot.telegram.formatting import escape, split_html
from bot.telegram.replies import (
    SCOPE_EVERYTHING,
    SCOPE_FILE,
    SCOPE_FOLDER,
    SCOPE_FOLDERS,
    SCOPE_LISTED,
    SCOPE_NO_FILE,
    SCOPE_NOT_LISTED,
    SCOPE_NOTHING,
    SCOPE_PROBLEM,
    SCOPE_UPLOADS,
    SCOPE_USAGE,
)
from bot.telegram.scopes import ChatScopes, described
from bot.telegram.upload import upload_folder
from index.retriever import Index
from index.scope import Scope


def holds(index: Index, scope: Scope) -> dict[str, int]:
    """How many documents and passages of ``index`` are in ``scope``."""
    return {"documents": len(index.scope_sources(scope)), "passages": index.scope_passages(scope)}


def scope_lines(index: Index, scope: Scope, chat: int, language: str = ENGLISH) -> list[str]:
    """What a chat sees: everything, nothing, or its folders with what each holds and the one
    an admin's upload in the chat goes to."""
    name = escape(str(chat))
    if scope.everything:
        return [text(language, SCOPE_EVERYTHING, chat=name, **holds(index, scope))]
    if scope.nothing:
        return [text(language, SCOPE_NOTHING, chat=name)]
    lines = [text(language, SCOPE_FOLDERS, chat=name, **holds(index, scope))]
    for folder in sorted(scope.folders or ()):
        held = holds(index, Scope.of([folder]))
        lines.append(text(language, SCOPE_FOLDER, folder=escape(folder), **held))
    lines.append(text(language, SCOPE_UPLOADS, folder=escape(upload_folder(scope) or "")))
    return lines


def file_lines(scopes: ChatScopes, chat: int, language: str = ENGLISH) -> list[str]:
    """How the scopes file stands: where, how many chats, the default, a change not taken."""
    if scopes.path is None:
        return [text(language, SCOPE_NO_FILE)]
    listed = text(language, SCOPE_LISTED if chat in scopes.map.chats else SCOPE_NOT_LISTED)
    default = described(scopes.map.default, language)
    lines = [
        text(
            language,
            SCOPE_FILE,
            path=escape(str(scopes.path)),
            chats=len(scopes.map.chats),
            listed=listed,
            default=default,
        )
    ]
    if scopes.problem:
        lines.append(text(language, SCOPE_PROBLEM, problem=escape(scopes.problem)))
    return lines


async def scope_command(update: Update, context: DocbotContext) -> None:
    """``/scope [CHAT_ID]`` (admins): this chat's scope, or the one of ``CHAT_ID``."""
    message = update.effective_message
    if message is None:
        return
    state = context.docbot
    if await state.refused_unless_admin(update, "scope", context.language):
        return
    chat = message.chat_id
    if context.args:
        try:
            chat = int(context.args[0])
        except ValueError:
            await message.reply_text(context.text(SCOPE_USAGE))
            return
    scope = state.scopes.of(chat)
    index = await asyncio.to_thread(state.engine.index)
    language = context.language
    lines = [
        *scope_lines(index, scope, chat, language),
        "",
        *file_lines(state.scopes, chat, language),
    ]
    for part in split_html("\n".join(lines)):
        await message.reply_text(part, parse_mode=ParseMode.HTML)
