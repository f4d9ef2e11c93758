"""Admin uploads into the documents folder: a sanitized name (no path traversal, no hidden
files), no silent overwrite (a numeric suffix instead), a size cap and a type check by
extension and content. The file appears atomically, so a concurrent index never reads half.
:func:`document_message` is the handler: it saves the file, re-indexes and says how it went."""

from __future__ import annotations

import asyncio
import hashlib
import logging
import os
import re
import tempfile
import unicodedata
from dataclasses import dataclass
from pathlib import Path

from telegram import Message, Update

from bot.telegram.commands import report_line
from bot.telegram.context import DocbotContext
from bot.telegram.errors import UploadRejectedError
from bot.telegram.replies import (
    NON_TEXT,
    UPLOAD_ADDED,
    UPLOAD_PAGES,
    UPLOAD_PASSAGES,
    UPLOAD_RENAMED,
    UPLOAD_TABLES,
)
from bot.telegram.sending import typing
from index.documents import SkipFile
from index.errors import DocbotError
from index.loading import IMAGES, SUPPORTED, decode_text
from index.report import BuildReport, FileReport
from index.retriever import Index

logger = logging.getLogger("docbot.telegram")

UPLOAD_TYPES = SUPPORTED  # what the documents folder reads
MAX_NAME = 100
_UNSAFE = re.compile(r"[^\w.()+-]+")


@dataclass(frozen=True)
class Saved:
    path: Path
    name: str  # the file name as saved (relative to the documents folder)
    renamed: bool  # a numeric suffix was added because the name was taken


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
        raise UploadRejectedError(original, f"only {kinds} files can be added")
    stem = stem.strip("._- ")[: MAX_NAME - len(ext)]
    if not stem:
        raise UploadRejectedError(original, "the file name has no usable characters; rename it")
    return stem + ext


def check_size(name: str, size: int | None, max_bytes: int) -> None:
    if size is not None and size > max_bytes:
        raise UploadRejectedError(
            name, f"it is {size / 2**20:.1f} MB, over the {max_bytes / 2**20:g} MB limit"
        )
    if size == 0:
        raise UploadRejectedError(name, "the file is empty")


# What an image file of each kind starts with (PNG, JPEG, TIFF little- and big-endian)
_IMAGE_MAGIC = (b"\x89PNG\r\n\x1a\n", b"\xff\xd8\xff", b"II*\x00", b"MM\x00*")


def check_content(name: str, data: bytes) -> None:
    """The content matches the extension: a PDF or image header, or readable UTF-8 text."""
    if name.lower().endswith(".pdf"):
        if not data.startswith(b"%PDF-"):
            raise UploadRejectedError(name, "it is not a PDF file (no %PDF header)")
        return
    if name.lower().endswith(IMAGES):
        if not data.startswith(_IMAGE_MAGIC):
            raise UploadRejectedError(name, "it is not a PNG, JPEG or TIFF image")
        return
    try:
        text = decode_text(data)
    except SkipFile as exc:
        raise UploadRejectedError(name, str(exc)) from exc
    if not text.strip():
        raise UploadRejectedError(name, "there is no text in it")


def save_upload(folder: Path, name: str, data: bytes, max_bytes: int) -> Saved:
    """Check and store ``data`` as ``folder/<safe name>``, never replacing an existing file."""
    clean = safe_name(name)
    check_size(clean, len(data), max_bytes)
    check_content(clean, data)
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    root = folder.resolve()
    digest = hashlib.sha256(data).hexdigest()
    stem, ext = clean[: -len(Path(clean).suffix)], Path(clean).suffix
    fd, tmp = tempfile.mkstemp(prefix=".upload-", suffix=".tmp", dir=root)
    try:
        with os.fdopen(fd, "wb") as out:
            out.write(data)
        for n in range(1, 1000):
            candidate = clean if n == 1 else f"{stem}-{n}{ext}"
            target = root / candidate
            if target.parent != root:  # cannot happen after safe_name; belt and braces
                raise UploadRejectedError(name, "bad file name")
            if target.exists() and _sha256(target) == digest:
                raise UploadRejectedError(name, f"the same file is already there as {candidate}")
            try:
                os.link(tmp, target)  # atomic, and fails instead of overwriting
            except FileExistsError:
                continue
            return Saved(target, candidate, renamed=n > 1)
        raise UploadRejectedError(name, "too many files with this name; rename it")
    finally:
        os.unlink(tmp)


def _sha256(path: Path) -> str:
    try:
        return hashlib.sha256(path.read_bytes()).hexdigest()
    except OSError:
        return ""


async def document_message(update: Update, context: DocbotContext) -> None:
    """A file addressed to the bot (files shared in a group without a mention are not): from
    an admin, added to the documents and indexed; otherwise a hint."""
    message = update.effective_message
    if message is None or message.document is None:
        return
    state = context.docbot
    user = update.effective_user
    if not state.is_admin(update):
        logger.warning("refused an upload from non-admin %s", user.id if user else "?")
        await message.reply_text(f"{NON_TEXT} Only the bot's admins can add documents.")
        return
    async with state.chat_lock(message.chat_id):  # the next question waits for the index
        saved = await _save(message, context, state.settings.documents_dir,
                            int(state.settings.max_upload_mb * 1024 * 1024))  # fmt: skip
        if saved is None:
            return
        logger.info("admin %s added %s", user.id if user else "?", saved.name)
        try:
            async with typing(message):
                report, index = await state.reindex()
        except DocbotError as exc:
            logger.error("indexing after an upload failed: %s", exc)
            await message.reply_text(
                f"Saved {saved.name}, but indexing failed: {state.redact(exc)}. "
                "Send /reload to retry."
            )
            return
        await _confirm(message, saved, report, index)


async def _save(
    message: Message, context: DocbotContext, folder: Path, max_bytes: int
) -> Saved | None:
    """Download and save the message's document; None (the user told why) when refused."""
    assert message.document is not None
    doc = message.document
    name = doc.file_name or "upload"
    try:
        check_size(safe_name(name), doc.file_size, max_bytes)
        async with typing(message):
            file = await context.bot.get_file(doc.file_id)
            data = bytes(await file.download_as_bytearray())
            return await asyncio.to_thread(save_upload, folder, name, data, max_bytes)
    except UploadRejectedError as exc:
        await message.reply_text(str(exc))
        return None


async def _confirm(message: Message, saved: Saved, report: BuildReport, index: Index) -> None:
    skipped = {s.source: s.reason for s in report.skipped}
    if saved.name in skipped:
        await asyncio.to_thread(saved.path.unlink)
        await message.reply_text(
            f"Cannot add {saved.name}: {skipped[saved.name]}. The file was not kept."
        )
        return
    renamed = UPLOAD_RENAMED if saved.renamed else ""
    passages = index.sources().get(saved.name, 0)
    figures = upload_figures(report.file(saved.name), passages)
    await message.reply_text(
        UPLOAD_ADDED.format(
            name=saved.name, renamed=renamed, figures=figures, index=report_line(report, index)
        )
    )


def upload_figures(read: FileReport | None, passages: int) -> str:
    """What was read of an uploaded file: its pages (with text, by OCR, empty) when it has
    pages, its tables when it has any, and its passages."""
    parts = []
    if read is not None and (read.text_pages or read.ocr_pages or read.empty_pages):
        pages = (read.text_pages, read.ocr_pages, read.empty_pages)
        parts.append(UPLOAD_PAGES.format(text=pages[0], ocr=pages[1], empty=pages[2]))
    if read is not None and read.tables:
        parts.append(UPLOAD_TABLES.format(tables=read.tables))
    parts.append(UPLOAD_PASSAGES.format(passages=passages))
    return ", ".join(parts)
