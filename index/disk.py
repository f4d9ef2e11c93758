"""The index on disk: a folder of plainly named files plus ``manifest.json``.

``DOCBOT_INDEX_DIR`` (say ``.docbot/index``) is a symlink to the current build folder in
``.docbot/index.builds/``. A build writes a new folder next to the old one and swaps the symlink
with one ``rename``, so a reader sees either the old index or the new one, never a half-written
one, and a build killed at any moment leaves the previous index in place. ``.docbot/index.lock``
keeps two builds from running at once.

Files in a build folder:
- ``manifest.json``: format version, model id and dimension, chunker and index settings,
  per-file content hashes, counts, build time, and the size and BLAKE2b digest of every other
  file of the folder plus one of its own content (``index.integrity``; written last);
- ``chunks.jsonl``: the searchable chunks, one JSON object a line, in row order;
- ``dropped.jsonl``: chunks dropped as duplicates, each with ``duplicate_of``;
- ``vectors.npy``: float32 normalised vectors, one row per chunk;
- ``dense.faiss``: the FAISS index over those rows;
- ``sparse/``: the BM25 index (bm25s) over those rows;
- ``units.npy``: float16 vectors of every answer unit (``index.units``), chunk after chunk;
  ``unit_offsets.npy``: where each chunk's units start (one more entry than chunks).
"""

from __future__ import annotations

import contextlib
import fcntl
import hashlib
import json
import os
import secrets
import shutil
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from index.errors import IndexCorruptError, IndexLockedError, IndexWriteError, NoIndexError

FORMAT_VERSION = 2  # 2: unit vectors for answers (units.npy, unit_offsets.npy)
MANIFEST = "manifest.json"
CHUNKS = "chunks.jsonl"
DROPPED = "dropped.jsonl"
VECTORS = "vectors.npy"
DENSE = "dense.faiss"
SPARSE = "sparse"
UNITS = "units.npy"
UNIT_OFFSETS = "unit_offsets.npy"
# In the manifest (``index.integrity``): size and digest of every other file of the build, and a
# digest of the manifest's own content. A manifest with neither predates them.
FILES_KEY = "build_files"
SEAL_KEY = "manifest_blake2b"


def builds_dir(root: Path) -> Path:
    return root.parent / f"{root.name}.builds"


def lock_path(root: Path) -> Path:
    return root.parent / f"{root.name}.lock"


def current(root: Path) -> Path:
    """The folder of the current build: :class:`NoIndexError` when there is none,
    :class:`IndexCorruptError` when it has files but lost its manifest."""
    root = Path(root)
    if root.is_symlink() or root.is_dir():
        folder = root.resolve()
        if (folder / MANIFEST).is_file():
            return folder
        if folder.is_dir() and any(folder.iterdir()):
            raise IndexCorruptError(folder, f"{MANIFEST} is missing")
    raise NoIndexError(root)


def exists(root: Path) -> bool:
    """True when there is an index at ``root``, even one too damaged to load."""
    try:
        current(root)
    except NoIndexError:
        return False
    except IndexCorruptError:
        pass
    return True


def read_manifest(folder: Path) -> dict[str, Any]:
    try:
        data = json.loads((folder / MANIFEST).read_text(encoding="utf-8"))
    except FileNotFoundError as exc:
        raise IndexCorruptError(folder, f"{MANIFEST} is missing") from exc
    except (OSError, ValueError) as exc:
        raise IndexCorruptError(folder, f"{MANIFEST}: {exc}") from exc
    if not isinstance(data, dict):
        raise IndexCorruptError(folder, f"{MANIFEST} is not a JSON object")
    if (SEAL_KEY in data or FILES_KEY in data) and data.get(SEAL_KEY) != manifest_digest(data):
        raise IndexCorruptError(folder, f"{MANIFEST} does not match its checksum")
    return data


def manifest_digest(manifest: dict[str, Any]) -> str:
    """BLAKE2b of the manifest's content (key order and spacing aside), without its own."""
    content = {k: v for k, v in manifest.items() if k != SEAL_KEY}
    text = json.dumps(content, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    return hashlib.blake2b(text.encode("utf-8"), digest_size=32).hexdigest()


def seal(manifest: dict[str, Any]) -> dict[str, Any]:
    """``manifest`` with the digest :func:`read_manifest` checks."""
    return {**manifest, SEAL_KEY: manifest_digest(manifest)}


@contextlib.contextmanager
def build_lock(root: Path, wait: float = 0.0) -> Iterator[None]:
    """Exclusive build lock; refuses (:class:`IndexLockedError`) after ``wait`` seconds."""
    path = lock_path(root)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o644)
    except OSError as exc:
        raise IndexWriteError(path.parent, exc.strerror or str(exc)) from exc
    try:
        deadline = time.monotonic() + wait
        while True:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                if time.monotonic() >= deadline:
                    raise IndexLockedError(path) from None
                time.sleep(0.1)
        os.ftruncate(fd, 0)
        os.write(fd, f"{os.getpid()}\n".encode())
        yield
    finally:
        os.close(fd)  # closing releases the lock, and so does the process dying


def new_build_folder(root: Path) -> Path:
    """A fresh temporary folder for a build; removes leftovers of killed builds first."""
    builds = builds_dir(root)
    try:
        builds.mkdir(parents=True, exist_ok=True)
        for stale in builds.glob("*.tmp"):
            shutil.rmtree(stale, ignore_errors=True)
        stamp = time.strftime("%Y%m%dT%H%M%S")
        folder = builds / f"{stamp}-{os.getpid()}-{secrets.token_hex(3)}.tmp"
        folder.mkdir()
    except OSError as exc:
        raise IndexWriteError(builds, exc.strerror or str(exc)) from exc
    return folder


def _fsync_tree(folder: Path) -> None:
    for path in sorted(folder.rglob("*"), reverse=True):
        fd = os.open(path, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)
    fd = os.open(folder, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def publish(root: Path, tmp_folder: Path, keep: int = 2) -> Path:
    """Make ``tmp_folder`` the current index in one atomic rename; returns its final path."""
    try:
        _fsync_tree(tmp_folder)
        final = tmp_folder.with_name(tmp_folder.name.removesuffix(".tmp"))
        os.rename(tmp_folder, final)
        root.parent.mkdir(parents=True, exist_ok=True)
        if root.exists() and not root.is_symlink():
            # An index folder from elsewhere: move it among the builds once.
            os.rename(root, builds_dir(root) / f"adopted-{int(time.time())}")
        link_tmp = root.with_name(f".{root.name}.swap-{os.getpid()}")
        with contextlib.suppress(FileNotFoundError):
            link_tmp.unlink()
        os.symlink(os.path.relpath(final, root.parent), link_tmp)
        os.replace(link_tmp, root)
        dir_fd = os.open(root.parent, os.O_RDONLY)
        try:
            os.fsync(dir_fd)
        finally:
            os.close(dir_fd)
    except OSError as exc:
        shutil.rmtree(tmp_folder, ignore_errors=True)
        raise IndexWriteError(root, exc.strerror or str(exc)) from exc
    _prune(root, final, keep)
    return final


def _prune(root: Path, final: Path, keep: int) -> None:
    """Keep the newest ``keep`` builds (the current one among them); a running bot holds its
    index in memory, so removing an older folder never disturbs a question in flight."""
    builds = sorted(
        (p for p in builds_dir(root).iterdir() if p.is_dir() and not p.name.endswith(".tmp")),
        key=lambda p: p.stat().st_mtime,
        reverse=True,
    )
    survivors = {final}
    for p in builds:
        if len(survivors) >= keep:
            break
        survivors.add(p)
    for p in builds:
        if p not in survivors:
            shutil.rmtree(p, ignore_errors=True)


def write_json(path: Path, data: object) -> None:
    path.write_text(json.dumps(data, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")


def write_jsonl(path: Path, rows: list[dict[str, Any]]) -> None:
    with path.open("w", encoding="utf-8") as fh:
        for row in rows:
            fh.write(json.dumps(row, ensure_ascii=False) + "\n")


def read_jsonl(path: Path) -> list[dict[str, Any]]:
    rows: list[dict[str, Any]] = []
    try:
        with path.open(encoding="utf-8") as fh:
            for line in fh:
                if line.strip():
                    rows.append(json.loads(line))
    except FileNotFoundError:
        return rows
    except (OSError, ValueError) as exc:
        raise IndexCorruptError(path.parent, f"{path.name}: {exc}") from exc
    return rows
