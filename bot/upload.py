"""Admin uploads into the documents folder: a sanitized name (no path traversal, no hidden
files), no silent overwrite (a numeric suffix instead), a size cap and a type check by
extension and content. The file appears atomically, so a concurrent index never reads half."""

from __future__ import annotations

import hashlib
import os
import re
import tempfile
import unicodedata
from dataclasses import dataclass
from pathlib import Path

from index.errors import UploadRejectedError
from index.loading import SkipFile, decode_text

UPLOAD_TYPES = (".txt", ".md", ".markdown", ".pdf", ".html", ".htm")
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


def check_content(name: str, data: bytes) -> None:
    """The content matches the extension: a PDF header, or readable UTF-8 text."""
    if name.lower().endswith(".pdf"):
        if not data.startswith(b"%PDF-"):
            raise UploadRejectedError(name, "it is not a PDF file (no %PDF header)")
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
