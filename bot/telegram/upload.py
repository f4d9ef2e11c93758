"""Admin uploads into the documents folder: a sanitized name (no path traversal, no hidden
files), no silent overwrite (a file of the same name is replaced only after the admin's
confirm button: :mod:`bot.telegram.confirming`), a size cap and a type check by extension and
content. The file appears atomically, so a concurrent index never reads half.
:func:`document_message` is the handler: it saves the file, re-indexes and says how it went
(:func:`ingestion_report`). In a chat with a scope (``DOCBOT_SCOPES``) the file goes into the
chat's first folder (:func:`upload_folder`), so that the chat sees it."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import re
import tempfile
import unicodedata
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Literal

from telegram import Message, Update

from bot.telegram.catalogue import ENGLISH, text
from bot.telegram.commands import report_line
from bot.telegram.confirming import Pending, confirm_keyboard, confirmations
from bot.telegram.context import DocbotContext
from bot.telegram.errors import UploadRejectedError
from bot.telegram.replies import (
    ADDED,
    CONFIRM_REPLACE,
    DELETED,
    DUPLICATES,
    INDEX_FAILED,
    MANY_PASSAGES,
    NON_TEXT,
    NOT_KEPT,
    NOT_REPLACED,
    ONE_PASSAGE,
    REJECT_BAD_NAME,
    REJECT_EMPTY,
    REJECT_NO_NAME,
    REJECT_NO_TEXT,
    REJECT_NOT_IMAGE,
    REJECT_NOT_PDF,
    REJECT_OUTSIDE,
    REJECT_SAME,
    REJECT_SIZE,
    REJECT_TYPE,
    REPLACE_BUTTON,
    REPLACED,
    UNKNOWN_TIME,
    UPLOAD_NO_SCOPE,
    UPLOAD_NOT_ADMIN,
    UPLOAD_PAGES,
    UPLOAD_REJECTED,
    UPLOAD_TABLES,
)
from bot.telegram.sending import typing
from bot.telegram.skip_reasons import skip_reason
from index.documents import SkipFile
from index.errors import DocbotError
from index.loading import (
    IMAGES,
    SUPPORTED,
    ZIPPED,
    decode_text,
    sha256_bytes,
    sha256_file,
    zipped_content_problem,
)
from index.report import BuildReport, FileReport
from index.retriever import Index
from index.scope import Scope

logger = logging.getLogger("docbot.telegram")

UPLOAD_TYPES = SUPPORTED  # what the documents folder reads
MAX_NAME = 100
_UNSAFE = re.compile(r"[^\w.()+-]+")


@dataclass(frozen=True)
class Saved:
    path: Path
    name: str  # the file name (relative to the documents folder)
    replaces: bool  # a file of this name is there: nothing written yet, the admin confirms


def safe_name(name: str) -> str:
    """A plain file name from whatever the client sent: no folders, no leading dots, only
    letters, digits, ``._-()+``; refused when nothing usable is left or the type is wrong."""
    original = name
    name = unicodedata.normalize("NFKC", name).replace("\\", "/").rsplit("/", 1)[-1]
    name = "".join(ch for ch in name if unicodedata.category(ch)[0] != "C")
    name = _UNSAFE.sub("_", name.strip()).strip("._- ")
    stem, dot, ext = name.rpartition(".")
    ext = f".{ext.lower()}" if dot else ""
    if ext not in UPLOAD_TYPES:
        kinds = " ".join(UPLOAD_TYPES)
        raise UploadRejectedError(original, REJECT_TYPE, kinds=kinds)
    stem = stem.strip("._- ")[: MAX_NAME - len(ext)]
    if not stem:
        raise UploadRejectedError(original, REJECT_NO_NAME)
    return stem + ext


def check_size(name: str, size: int | None, max_bytes: int) -> None:
    if size is not None and size > max_bytes:
        size_mb, limit = f"{size / 2**20:.1f}", f"{max_bytes / 2**20:g}"
        raise UploadRejectedError(name, REJECT_SIZE, size=size_mb, limit=limit)
    if size == 0:
        raise UploadRejectedError(name, REJECT_EMPTY)


# What an image file of each kind starts with (PNG, JPEG, TIFF little- and big-endian)
_IMAGE_MAGIC = (b"\x89PNG\r\n\x1a\n", b"\xff\xd8\xff", b"II*\x00", b"MM\x00*")


def check_content(name: str, data: bytes) -> None:
    """The content matches the extension: a PDF or image header, a zip archive, or readable
    UTF-8 text."""
    if name.lower().endswith(ZIPPED):  # an office file or e-book: read at the next build
        if problem := zipped_content_problem(name, data):
            raise UploadRejectedError(name, "{problem}", problem=problem)
        return
    if name.lower().endswith(".pdf"):
        if not data.startswith(b"%PDF-"):
            raise UploadRejectedError(name, REJECT_NOT_PDF)
        return
    if name.lower().endswith(IMAGES):
        if not data.startswith(_IMAGE_MAGIC):
            raise UploadRejectedError(name, REJECT_NOT_IMAGE)
        return
    try:
        text = decode_text(data)
    except SkipFile as exc:  # in the admin's language when its template is known
        if not exc.template:
            raise UploadRejectedError(name, "{problem}", problem=str(exc)) from exc
        raise UploadRejectedError(name, exc.template, **exc.fields) from exc
    if not text.strip():
        raise UploadRejectedError(name, REJECT_NO_TEXT)


def upload_folder(scope: Scope) -> str | None:
    """Where an upload in a chat of ``scope`` goes, relative to the documents folder: the root
    for everything, the first of its folders (alphabetically) for folders, None for nothing
    (no one in the chat could read it)."""
    if scope.nothing:
        return None
    return min(scope.folders) if scope.folders else ""


def save_upload(folder: Path, name: str, data: bytes, max_bytes: int, into: str = "") -> Saved:
    """Check and store ``data`` as ``folder/into/<safe name>``. A file of that name is never
    overwritten here: with the same content the upload is refused, with other content nothing
    is written and ``Saved.replaces`` says the admin is to confirm (:func:`replace_file`)."""
    clean = safe_name(name)
    check_size(clean, len(data), max_bytes)
    check_content(clean, data)
    relative = f"{into}/{clean}" if into else clean
    target = _inside(folder, relative, create=True)
    if os.path.lexists(target) and sha256_file(target) == sha256_bytes(data):
        raise UploadRejectedError(name, REJECT_SAME, path=relative)
    fd, tmp = tempfile.mkstemp(prefix=".upload-", suffix=".tmp", dir=target.parent)
    try:
        with os.fdopen(fd, "wb") as out:
            out.write(data)
        try:
            os.link(tmp, target)  # atomic, and fails instead of overwriting
        except FileExistsError:
            return Saved(target, relative, replaces=True)
        return Saved(target, relative, replaces=False)
    finally:
        os.unlink(tmp)


def _inside(folder: Path, name: str, create: bool = False) -> Path:
    """``folder/name`` (``name`` a file name, or one under a subfolder: ``hr/x.docx``) when it
    lies inside ``folder``, its own folder made when ``create``; else the upload is refused."""
    root = Path(folder)
    if create:
        root.mkdir(parents=True, exist_ok=True)
    root = root.resolve()
    parts = name.split("/")
    if any(p in ("", ".", "..") for p in parts):
        raise UploadRejectedError(name, REJECT_BAD_NAME)
    home = root.joinpath(*parts[:-1])
    if create:
        home.mkdir(parents=True, exist_ok=True)
    home = home.resolve()
    if not home.is_relative_to(root):  # a subfolder linked out of the documents folder
        raise UploadRejectedError(name, REJECT_OUTSIDE)
    return home / parts[-1]


def replace_file(folder: Path, name: str, data: bytes) -> Path:
    """``folder/name`` now holds ``data``, swapped in by one rename (a symlink of that name is
    replaced itself, never the file it points to)."""
    target = _inside(folder, name)
    fd, tmp = tempfile.mkstemp(prefix=".upload-", suffix=".tmp", dir=target.parent)
    try:
        with os.fdopen(fd, "wb") as out:
            out.write(data)
        os.replace(tmp, target)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise
    return target


async def document_message(update: Update, context: DocbotContext) -> None:
    """A file addressed to the bot (files shared in a group without a mention are not): from
    an admin, added to the documents and indexed, or, when a file of that name is there,
    held until the admin confirms the replacement; otherwise a hint."""
    message = update.effective_message
    if message is None or message.document is None:
        return
    state = context.docbot
    user = update.effective_user
    if not state.is_admin(update) or user is None:
        logger.warning("refused an upload from non-admin %s", user.id if user else "?")
        hint = f"{context.text(NON_TEXT)} {context.text(UPLOAD_NOT_ADMIN)}"
        await message.reply_text(hint)
        return
    into = upload_folder(state.scopes.of(message.chat_id))
    if into is None:  # DOCBOT_SCOPES gives this chat no documents: a file here helps no one
        await message.reply_text(context.text(UPLOAD_NO_SCOPE))
        return
    async with state.chat_lock(message.chat_id):  # the next question waits for the index
        got = await _save(message, context, state.settings.documents_dir,
                          int(state.settings.max_upload_mb * 1024 * 1024), into)  # fmt: skip
        if got is None:
            return
        saved, data = got
        if saved.replaces:
            await ask_to_replace(message, context, Pending("replace", saved.name, user.id, data))
            return
        logger.info("admin %s added %s", user.id, saved.name)
        built = await reindexed(message, context, saved.name)
        if built is None:
            return
        report, index = built
        if saved.name in {s.source for s in report.skipped}:
            await asyncio.to_thread(saved.path.unlink)
        said = ingestion_report("added", saved.name, report, index, context.language)
        await message.reply_text(said)


async def _save(
    message: Message, context: DocbotContext, folder: Path, max_bytes: int, into: str
) -> tuple[Saved, bytes] | None:
    """Download and save the message's document into ``folder/into`` (with its bytes, which a
    replacement keeps until it is confirmed); None (the user told why) when refused."""
    assert message.document is not None
    doc = message.document
    name = doc.file_name or "upload"
    try:
        check_size(safe_name(name), doc.file_size, max_bytes)
        async with typing(message):
            file = await context.bot.get_file(doc.file_id)
            data = bytes(await file.download_as_bytearray())
            saved = await asyncio.to_thread(save_upload, folder, name, data, max_bytes, into)
    except UploadRejectedError as exc:
        reason = context.text(exc.reason, **exc.fields)
        await message.reply_text(context.text(UPLOAD_REJECTED, name=repr(exc.name), reason=reason))
        return None
    return saved, data


async def ask_to_replace(message: Message, context: DocbotContext, pending: Pending) -> None:
    """A file of this name is there: the upload waits for the admin's Replace button."""
    state = context.docbot
    index = await asyncio.to_thread(state.engine.index)
    token = await asyncio.to_thread(confirmations(state.settings).add, pending)
    language = context.language
    question = context.text(
        CONFIRM_REPLACE,
        name=pending.name,
        passages=passages(index.sources().get(pending.name, 0), language),
        when=indexed_at(index.manifest, language),
    )
    buttons = confirm_keyboard(token, REPLACE_BUTTON, language)
    await message.reply_text(question, reply_markup=buttons)


async def reindexed(
    message: Message, context: DocbotContext, name: str
) -> tuple[BuildReport, Index] | None:
    """An incremental build after ``name`` changed, loaded; None (the admin told why) when it
    failed."""
    state = context.docbot
    try:
        async with typing(message):
            return await state.reindex()
    except DocbotError as exc:
        logger.error("indexing after a change to %s failed: %s", name, exc)
        said = context.text(INDEX_FAILED, name=name, reason=state.redact(exc))
        await message.reply_text(said)
        return None


def ingestion_report(
    done: Literal["added", "replaced", "deleted"],
    name: str,
    report: BuildReport,
    index: Index,
    language: str,
    before: int = 0,
) -> str:
    """What the admin reads after an upload, a replacement or a deletion: the file's passages
    (or why it was skipped), then the whole build in one line. One place, so each new figure
    of a build (``BuildReport``) is one more line here."""
    skipped = {s.source: skip_reason(s.to_json(), language) for s in report.skipped}
    info = index.manifest.get("files", {}).get(name, {})
    made = upload_figures(report.file(name), int(info.get("chunks", 0)), language)
    if done == "deleted":
        lines = [text(language, DELETED, name=name, before=passages(before, language))]
    elif name in skipped and done == "added":
        lines = [text(language, NOT_KEPT, name=name, reason=skipped[name])]
    elif name in skipped:
        lines = [text(language, NOT_REPLACED, name=name, reason=skipped[name])]
    elif done == "replaced":
        lines = [text(language, REPLACED, name=name, passages=made, before=before)]
    else:
        lines = [text(language, ADDED, name=name, passages=made)]
    if int(info.get("duplicates", 0)):
        lines.append(text(language, DUPLICATES, count=int(info["duplicates"])))
    lines.append(report_line(report, index, language))
    return "\n".join(lines)


def indexed_at(manifest: Mapping[str, Any], language: str) -> str:
    """When the index was built, for an admin: ``2026-12-05 10:41 UTC``."""
    built = str(manifest.get("built_at") or "")
    try:
        stamp = datetime.fromisoformat(built).astimezone(UTC)
    except ValueError:
        return built or text(language, UNKNOWN_TIME)
    return stamp.strftime("%Y-%m-%d %H:%M UTC")


def passages(count: int, language: str = ENGLISH) -> str:
    """``1 passage``, ``3 passages``."""
    return text(language, ONE_PASSAGE if count == 1 else MANY_PASSAGES, count=count)


def upload_figures(read: FileReport | None, count: int, language: str = ENGLISH) -> str:
    """What was read of an uploaded file: its pages (with text, by OCR, empty) when it has
    pages, its tables when it has any, and its passages."""
    parts = []
    if read is not None and (read.text_pages or read.ocr_pages or read.empty_pages):
        pages = (read.text_pages, read.ocr_pages, read.empty_pages)
        parts.append(text(language, UPLOAD_PAGES, text=pages[0], ocr=pages[1], empty=pages[2]))
    if read is not None and read.tables:
        parts.append(text(language, UPLOAD_TABLES, tables=read.tables))
    parts.append(passages(count, language))
    return ", ".join(parts)
