"""Zip containers opened within limits: .docx, .pptx, .xlsx, .odt and .epub files are zip
archives, and a hostile one is a zip bomb (a few KB that unpack to gigabytes), XML that expands
entities (a "billion laughs"), an encrypted or damaged archive. :func:`open_archive` checks
every member before any reader parses it, and skips the file with the reason:

- more than ``members`` members, a member over ``member_bytes`` or all over ``total_bytes``
  unpacked, by the sizes the archive declares; a member unpacking over ``ratio`` times its
  packed size (past 1 MB: deflate's best on text is far below that);
- a member that unpacks to more than it declares, or fails its checksum (every member is
  unpacked once, in blocks, before a reader sees it; the readers' own unpacking stops at the
  declared size);
- any member declaring XML entities (``<!ENTITY``): no office file or e-book needs them, and
  they are how an entity-expansion attack starts. (The parsers refuse them too: python-docx and
  python-pptx parse with lxml with ``resolve_entities=False``, the others with expat, which
  limits amplification since 2.4; the check makes the refusal independent of both.)
- an encrypted member; and a file in OLE's compound format (how Office stores a document with a
  password, and its old binary formats) is named as such.
"""

from __future__ import annotations

import io
import zipfile
import zlib
from dataclasses import dataclass

from index.documents import SkipFile
from index.reasons import (
    DAMAGED,
    ENCRYPTED_ARCHIVE,
    NOT_ZIPPED,
    OLD_OR_LOCKED,
    PART_ENTITIES,
    PART_OVERFLOWS,
    PART_RATIO,
    PART_TOO_LARGE,
    TOO_MANY_MEMBERS,
    UNPACKS_TOO_LARGE,
)

OLE = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"  # an OLE compound file's first bytes
MB = 1024 * 1024
RATIO_FROM = MB  # members packed this small or smaller are never judged by their ratio
BLOCK = MB
_ENTITY = (b"<!ENTITY", "<!ENTITY".encode("utf-16-le"), "<!ENTITY".encode("utf-16-be"))


@dataclass(frozen=True)
class ArchiveLimits:
    members: int = 10_000
    member_bytes: int = 96 * MB
    total_bytes: int = 256 * MB
    ratio: int = 250


LIMITS = ArchiveLimits()


def open_archive(data: bytes, kind: str, limits: ArchiveLimits = LIMITS) -> zipfile.ZipFile:
    """The checked archive of a ``kind`` file ("Word", "Excel", ...); raises
    :class:`SkipFile` with the reason when it is not one or breaks a limit."""
    if data.startswith(OLE):
        raise SkipFile(OLD_OR_LOCKED, kind=kind)
    if not data.startswith(b"PK"):
        raise SkipFile(NOT_ZIPPED, kind=kind)
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
        check_archive(archive, limits)
    except (zipfile.BadZipFile, zlib.error, EOFError, NotImplementedError, ValueError) as exc:
        raise SkipFile(DAMAGED, kind=kind, error=_short(exc)) from exc
    return archive


def check_archive(archive: zipfile.ZipFile, limits: ArchiveLimits = LIMITS) -> None:
    """Raises :class:`SkipFile` when a member of ``archive`` breaks a limit (see the module)."""
    infos = archive.infolist()
    if len(infos) > limits.members:
        raise SkipFile(TOO_MANY_MEMBERS, members=len(infos), limit=limits.members)
    total = 0
    for info in infos:
        if info.flag_bits & 0x1:
            raise SkipFile(ENCRYPTED_ARCHIVE)
        _check_declared(info, limits)
        total += info.file_size
    if total > limits.total_bytes:
        raise SkipFile(UNPACKS_TOO_LARGE, size=total / MB, limit=limits.total_bytes / MB)
    for info in infos:
        _check_actual(archive, info)


def _check_declared(info: zipfile.ZipInfo, limits: ArchiveLimits) -> None:
    name = info.filename[:60]
    if info.file_size > limits.member_bytes:
        size, limit = info.file_size / MB, limits.member_bytes / MB
        raise SkipFile(PART_TOO_LARGE, part=name, size=size, limit=limit)
    if info.file_size > RATIO_FROM and info.file_size > limits.ratio * max(info.compress_size, 1):
        ratio = info.file_size // max(info.compress_size, 1)
        raise SkipFile(PART_RATIO, part=name, ratio=ratio, limit=limits.ratio)


def _check_actual(archive: zipfile.ZipFile, info: zipfile.ZipInfo) -> None:
    """Unpack the member in blocks: no more than it declares, its checksum right, and no
    entity declarations (looked for across block edges too)."""
    size = 0
    tail = b""
    with archive.open(info) as member:
        while block := member.read(BLOCK):
            size += len(block)
            if size > info.file_size:
                raise SkipFile(PART_OVERFLOWS, part=info.filename[:60])
            window = tail + block
            if any(marker in window for marker in _ENTITY):
                raise SkipFile(PART_ENTITIES, part=info.filename[:60])
            tail = window[-32:]


def _short(exc: BaseException) -> str:
    text = str(exc) or type(exc).__name__
    return text if len(text) <= 100 else text[:99] + "\u2026"
