"""Checksums of a build: recorded in its manifest when it is written, checked when it is read.

The manifest lists every other file of the build folder with its size and BLAKE2b digest
(``disk.FILES_KEY``) and carries a digest of its own content (``disk.SEAL_KEY``, checked by
``disk.read_manifest``), so a byte changed anywhere in a build (bit rot, a bad copy, a disk that
lies) is found before it is used. Loading checks sizes always and digests unless told ``size``;
``docbot index`` checks the previous build in full before it reuses anything from it. A manifest
without them was written before they were recorded: it still loads, with a note.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from typing import Any

from index import disk
from index.errors import IndexCorruptError

MODES = ("full", "size")
# Rebuilt from the chunks by every build, so a damaged copy costs nothing but its own rewrite.
DERIVED = (disk.DENSE, disk.SPARSE)
LEGACY_NOTE = (
    "the index at {folder} has no checksums (it was written before docbot recorded them), so "
    "damage to its files cannot be detected: run `docbot index --full` to rebuild it with them"
)


@dataclass(frozen=True)
class Problem:
    file: str  # path inside the build folder, with forward slashes
    reason: str

    def __str__(self) -> str:
        return f"{self.file}: {self.reason}"


@dataclass(frozen=True)
class Verification:
    """What :func:`check` found. ``recorded`` is False for a build written before checksums."""

    folder: Path
    mode: str
    recorded: bool
    files: int = 0
    size: int = 0  # bytes of the recorded files
    problems: tuple[Problem, ...] = ()

    def only_derived(self) -> bool:
        """True when every damaged file is one the next build rewrites from the chunks."""
        return all(PurePosixPath(p.file).parts[0] in DERIVED for p in self.problems)

    def summary(self) -> str:
        """The first problem, and how many more there are: one line for an error or a note."""
        first = str(self.problems[0])
        more = len(self.problems) - 1
        return f"{first}; {more} more file(s) damaged" if more else first


def digest_file(path: Path) -> str:
    with path.open("rb") as fh:
        return hashlib.file_digest(fh, lambda: hashlib.blake2b(digest_size=32)).hexdigest()


def record(folder: Path, manifest: dict[str, Any]) -> dict[str, Any]:
    """``manifest`` with the size and digest of every file now in ``folder``, sealed."""
    files = {
        path.relative_to(folder).as_posix(): {
            "size": path.stat().st_size,
            "blake2b": digest_file(path),
        }
        for path in sorted(folder.rglob("*"))
        if path.is_file() and path != folder / disk.MANIFEST
    }
    return disk.seal({**manifest, disk.FILES_KEY: files})


def check(folder: Path, manifest: dict[str, Any], mode: str = "full") -> Verification:
    """Compare the files of ``folder`` with what ``manifest`` recorded (``mode``: full|size)."""
    if mode not in MODES:
        raise ValueError(f"unknown verification mode {mode!r}; use one of {', '.join(MODES)}")
    files = manifest.get(disk.FILES_KEY)
    if files is None and disk.SEAL_KEY not in manifest:
        return Verification(folder, mode, recorded=False)
    if not isinstance(files, dict):
        problem = Problem(disk.MANIFEST, "its list of build files is missing")
        return Verification(folder, mode, recorded=True, problems=(problem,))
    problems: list[Problem] = []
    for name, info in sorted(files.items()):
        reason = _check_file(folder, name, info, mode)
        if reason:
            problems.append(Problem(name, reason))
    size = sum(int(info.get("size", 0)) for info in files.values())
    return Verification(folder, mode, True, len(files), size, tuple(problems))


def verify(folder: Path, manifest: dict[str, Any], mode: str = "full") -> tuple[str, ...]:
    """Refuse a damaged build (:class:`IndexCorruptError` naming the file); returns the notes:
    one for a build written before checksums, none otherwise."""
    result = check(folder, manifest, mode)
    if result.problems:
        raise IndexCorruptError(folder, result.summary())
    return () if result.recorded else (LEGACY_NOTE.format(folder=folder),)


def verify_current(root: Path) -> Verification:
    """``docbot index --verify``: check every byte of the current build, change nothing."""
    folder = disk.current(Path(root))
    return check(folder, disk.read_manifest(folder), "full")


def _check_file(folder: Path, name: str, info: dict[str, Any], mode: str) -> str | None:
    relative = PurePosixPath(name)
    if relative.is_absolute() or ".." in relative.parts:
        return "not a file of the build folder"
    path = folder / relative
    try:
        size = path.stat().st_size
        if size != info.get("size"):
            return f"{size} bytes, but the build wrote {info.get('size')}"
        if mode == "full" and digest_file(path) != info.get("blake2b"):
            return "checksum mismatch, its bytes changed since the build"
    except FileNotFoundError:
        return "missing"
    except OSError as exc:
        return f"unreadable ({exc.strerror or exc})"
    return None
