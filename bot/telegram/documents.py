"""The documents, for admins: ``/documents`` (the collection at a glance, a page at a time),
``/delete NAME``, and the confirm buttons that carry out a deletion or a replacement
(:mod:`bot.telegram.confirming`), each followed by a build and its ingestion report
(:func:`bot.telegram.upload.ingestion_report`). In a chat with a scope (``DOCBOT_SCOPES``)
they show and act on the documents of its folders only."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Message, Update
from telegram.constants import ParseMode

from bot.telegram.catalogue import ENGLISH
from bot.telegram.catalogue import text as said
from bot.telegram.confirming import PREFIX, Pending, confirm_keyboard, confirmations
from bot.telegram.context import DocbotContext
from bot.telegram.formatting import escape
from bot.telegram.replies import (
    CANCELLED,
    CONFIRM_DELETE,
    CONFIRM_EXPIRED,
    DELETE_BUTTON,
    DELETE_USAGE,
    DOCUMENTS_HEADER,
    DOCUMENTS_IN_SCOPE,
    DOCUMENTS_NO_SCOPE,
    DOCUMENTS_NONE_MATCH,
    DOCUMENTS_PAGE,
    DOCUMENTS_SKIPPED,
    NO_SUCH_DOCUMENT,
    NOT_ADMIN,
    SKIPPED_COUNT,
    WHICH_DOCUMENT,
)
from bot.telegram.scopes import described
from bot.telegram.skip_reasons import skip_reason
from bot.telegram.upload import indexed_at, ingestion_report, passages, reindexed, replace_file
from index.retriever import Index
from index.scope import EVERYTHING, Scope

logger = logging.getLogger("docbot.telegram")

PAGE_PREFIX = "dp:"  # callback data: dp:<page>:<the names' filter>
PAGE_LINES = 20  # entries per /documents message
PAGE_CHARS = 3500  # and well under Telegram's 4,096 characters
MAX_FILTER_BYTES = 40  # what a page button can carry of the filter (64 bytes in all)


# --- /documents ---------------------------------------------------------------------------------
def titles(index: Index) -> dict[str, str]:
    """Each document's title, as its passages carry it."""
    found: dict[str, str] = {}
    for chunk in index.chunks:
        if chunk.source not in found and chunk.title:
            found[chunk.source] = chunk.title
    return found


def in_scope(manifest: Mapping[str, Any], scope: Scope) -> tuple[dict[str, Any], list[Any]]:
    """The manifest's files (name: info) and skipped files in ``scope``."""
    files = {n: i for n, i in manifest.get("files", {}).items() if scope.admits(n)}
    skipped = [s for s in manifest.get("skipped", []) if scope.admits(str(s["source"]))]
    return files, skipped


def entry_lines(
    index: Index, text: str = "", scope: Scope = EVERYTHING, language: str = ENGLISH
) -> list[str]:
    """One HTML line per document in ``scope`` (name, title, passages, size) whose name
    contains ``text``, then the skipped files with their reasons."""
    files, skipped = in_scope(index.manifest, scope)
    wanted = text.casefold()
    named = titles(index)
    lines = []
    for name, info in sorted(files.items()):
        if wanted not in name.casefold():
            continue
        title = named.get(name, "")
        shown = f" · {_cut(title)}" if title and _plain(title) != _plain(Path(name).stem) else ""
        size = _size(int(info.get("size", 0)))
        many = passages(int(info.get("chunks", 0)), language)
        lines.append(f"• <b>{_cut(name)}</b>{shown}: {many}, {size}")
    skipped = [s for s in skipped if wanted in str(s["source"]).casefold()]
    if skipped:
        lines += ["", said(language, DOCUMENTS_SKIPPED)]
        lines += [f"• {_cut(str(s['source']))}: {_cut(skip_reason(s, language))}" for s in skipped]
    return lines


def _cut(text: str, most: int = 200) -> str:
    """``text`` escaped for HTML, its middle cut out past ``most`` characters (a long path
    keeps its file name): every line stays short."""
    half = most // 2
    return escape(text if len(text) <= most else f"{text[: half - 1]}…{text[-half:]}")


def _plain(name: str) -> str:
    """A title or file name without case, dashes and underscores: a title that only repeats
    the file name is not shown."""
    return " ".join(name.casefold().replace("-", " ").replace("_", " ").split())


def _size(size: int) -> str:
    return f"{size / 2**20:.1f} MB" if size >= 2**20 else f"{max(1, round(size / 1024))} KB"


def paged(lines: list[str]) -> list[list[str]]:
    """``lines`` in pages of at most :data:`PAGE_LINES` lines and :data:`PAGE_CHARS`."""
    pages: list[list[str]] = [[]]
    for line in lines:
        page = pages[-1]
        if page and (len(page) >= PAGE_LINES or sum(map(len, page)) + len(line) > PAGE_CHARS):
            pages.append(page := [])
        page.append(line)
    return pages


def documents_page(
    index: Index,
    text: str = "",
    page: int = 0,
    scope: Scope = EVERYTHING,
    language: str = ENGLISH,
) -> tuple[str, InlineKeyboardMarkup | None]:
    """Page ``page`` of ``/documents`` (HTML) in ``scope`` with its ◀ ▶ buttons."""
    manifest = index.manifest
    files, skipped = in_scope(manifest, scope)
    count = len(index) if scope.everything else index.scope_passages(scope)
    when = indexed_at(manifest, language)
    header = said(language, DOCUMENTS_HEADER, files=len(files), passages=count, when=when)
    header += said(language, SKIPPED_COUNT, skipped=len(skipped)) if skipped else ""
    if not scope.everything:
        seen = escape(described(scope, language))
        header += "\n" + said(language, DOCUMENTS_IN_SCOPE, scope=seen)
    lines = entry_lines(index, text, scope, language)
    if not lines:
        return f"{header}\n\n{said(language, DOCUMENTS_NONE_MATCH, text=escape(text))}", None
    pages = paged(lines)
    page = min(max(page, 0), len(pages) - 1)
    body = "\n".join([header, "", *pages[page]])
    if len(pages) == 1:
        return body, None
    footer = said(language, DOCUMENTS_PAGE, page=page + 1, pages=len(pages))
    return f"{body}\n\n{footer}", _page_buttons(page, len(pages), text)


def _page_buttons(page: int, pages: int, text: str) -> InlineKeyboardMarkup:
    carried = text.encode()[:MAX_FILTER_BYTES].decode(errors="ignore")
    row = []
    if page > 0:
        row.append(InlineKeyboardButton("◀", callback_data=f"{PAGE_PREFIX}{page - 1}:{carried}"))
    if page < pages - 1:
        row.append(InlineKeyboardButton("▶", callback_data=f"{PAGE_PREFIX}{page + 1}:{carried}"))
    return InlineKeyboardMarkup([row])


async def documents_command(update: Update, context: DocbotContext) -> None:
    """``/documents [TEXT]`` (admins): the documents whose names contain TEXT, a page at a
    time: titles, passages, sizes, when indexed, and the files skipped and why."""
    message = update.effective_message
    if message is None or not await _admin(update, context, message):
        return
    scope = await _scope(context, message)
    if scope is None:
        return
    index = await asyncio.to_thread(context.docbot.engine.index)
    wanted = " ".join(context.args or []).strip()
    listed, buttons = documents_page(index, wanted, scope=scope, language=context.language)
    await message.reply_text(listed, parse_mode=ParseMode.HTML, reply_markup=buttons)


async def _admin(update: Update, context: DocbotContext, message: Message) -> bool:
    if context.docbot.is_admin(update):
        return True
    user = update.effective_user
    logger.warning("refused %s from non-admin %s", message.text, user.id if user else "?")
    await message.reply_text(context.text(NOT_ADMIN))
    return False


async def _scope(context: DocbotContext, message: Message) -> Scope | None:
    """The chat's scope; None (the admin told why) when it sees no documents."""
    scope = context.docbot.scopes.of(message.chat_id)
    if scope.nothing:
        await message.reply_text(context.text(DOCUMENTS_NO_SCOPE))
        return None
    return scope


# --- /delete ------------------------------------------------------------------------------------
def matching(names: Iterable[str], wanted: str) -> list[str]:
    """The names ``wanted`` means: itself, else the one that equals it ignoring case (whole or
    its file name), else those that contain it."""
    names = sorted(set(names))
    if wanted in names:
        return [wanted]
    folded = wanted.casefold()
    same = [n for n in names if folded in (n.casefold(), n.rsplit("/", 1)[-1].casefold())]
    return same or [n for n in names if folded in n.casefold()]


def on_disk(folder: Path, manifest: Mapping[str, Any]) -> list[str]:
    """The names the index knows (searchable or skipped) whose file is in the folder."""
    root = folder.resolve()
    known = set(manifest.get("files", {})) | {str(s["source"]) for s in manifest.get("skipped", [])}
    return [
        n for n in known if (root / n).resolve().is_relative_to(root) and os.path.lexists(root / n)
    ]


async def delete_command(update: Update, context: DocbotContext) -> None:
    """``/delete NAME`` (admins): asks to confirm, with the file's passages, then deletes."""
    message = update.effective_message
    user = update.effective_user
    if message is None or user is None or not await _admin(update, context, message):
        return
    wanted = " ".join(context.args or []).strip()
    if not wanted:
        await message.reply_text(context.text(DELETE_USAGE))
        return
    state = context.docbot
    scope = await _scope(context, message)
    if scope is None:
        return
    index = await asyncio.to_thread(state.engine.index)
    names = await asyncio.to_thread(on_disk, state.settings.documents_dir, index.manifest)
    found = matching([n for n in names if scope.admits(n)], wanted)
    if len(found) != 1:
        listed = "\n".join(f"• {n}" for n in found[:20])
        reply = context.text(WHICH_DOCUMENT, name=wanted, names=listed) if found else None
        await message.reply_text(reply or context.text(NO_SUCH_DOCUMENT, name=wanted))
        return
    name = found[0]
    token = await asyncio.to_thread(
        confirmations(state.settings).add, Pending("delete", name, user.id)
    )
    count = passages(index.sources().get(name, 0), context.language)
    question = context.text(CONFIRM_DELETE, name=name, passages=count)
    buttons = confirm_keyboard(token, DELETE_BUTTON, context.language)
    await message.reply_text(question, reply_markup=buttons)


# --- the buttons --------------------------------------------------------------------------------
async def documents_button(update: Update, context: DocbotContext) -> None:
    """A ◀ ▶ page of ``/documents``, or a confirm or cancel button of a waiting change."""
    query = update.callback_query
    if query is None or not isinstance(query.message, Message):
        return
    if not context.docbot.is_admin(update):
        await query.answer(context.text(NOT_ADMIN))
        return
    data = query.data or ""
    if data.startswith(PAGE_PREFIX):
        page, _, text = data.removeprefix(PAGE_PREFIX).partition(":")
        scope = context.docbot.scopes.of(query.message.chat_id)
        index = await asyncio.to_thread(context.docbot.engine.index)
        number = int(page) if page.isdigit() else 0
        body, buttons = documents_page(index, text, number, scope, context.language)
        await query.answer()
        await query.edit_message_text(body, parse_mode=ParseMode.HTML, reply_markup=buttons)
        return
    token, _, choice = data.removeprefix(PREFIX).rpartition(":")
    pending = await asyncio.to_thread(confirmations(context.docbot.settings).take, token)
    await query.answer()
    await query.edit_message_reply_markup(None)  # pressed once: the buttons go
    if pending is None:
        await query.message.reply_text(context.text(CONFIRM_EXPIRED))
    elif choice != "y":
        await query.message.reply_text(context.text(CANCELLED, name=pending.name))
    else:
        await carry_out(query.message, context, pending)


async def carry_out(message: Message, context: DocbotContext, pending: Pending) -> None:
    """The confirmed change, a build, and the ingestion report; a replacement whose new
    content cannot be read puts the previous version back."""
    state = context.docbot
    folder, name = state.settings.documents_dir, pending.name
    async with state.chat_lock(message.chat_id):
        before = (await asyncio.to_thread(state.engine.index)).sources().get(name, 0)
        path = folder / name
        old = await asyncio.to_thread(_read, path)
        if pending.action == "delete":
            await asyncio.to_thread(_remove, path)
        else:
            assert pending.data is not None
            await asyncio.to_thread(replace_file, folder, name, pending.data)
        logger.info("admin %s %s %s", pending.user, f"{pending.action}d", name)
        built = await reindexed(message, context, name)
        if built is None:
            return
        report = built[0]
        skipped = name in {s.source for s in report.skipped}
        if pending.action == "replace" and old is not None and skipped:
            await asyncio.to_thread(replace_file, folder, name, old)
            built = await reindexed(message, context, name) or built
        language = context.language
        await message.reply_text(
            ingestion_report("deleted", name, report, built[1], language, before)
            if pending.action == "delete"
            else ingestion_report("replaced", name, report, built[1], language, before)
        )


def _read(path: Path) -> bytes | None:
    try:
        return path.read_bytes()
    except OSError:
        return None


def _remove(path: Path) -> None:
    with contextlib.suppress(FileNotFoundError):  # gone already: the build says so
        path.unlink()
