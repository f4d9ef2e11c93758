"""What a new build may reuse from the previous one: its chunks (same chunker), its vectors
(same model) and its unit vectors (same model and unit rule), each checked before reuse."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from index import disk, integrity
from index.chunking import Chunk
from index.embedding import Embedder, unit_pooling
from index.errors import DocbotError, IndexCorruptError, NoIndexError
from index.loading import READERS_VERSION
from index.settings import IndexSettings
from index.units import UNITS_VERSION


@dataclass
class Previous:
    files: dict[str, dict[str, Any]] = field(default_factory=dict)
    chunks_by_source: dict[str, list[Chunk]] = field(default_factory=dict)
    vectors: dict[str, np.ndarray] = field(default_factory=dict)  # content hash -> vector
    units: dict[str, np.ndarray] = field(default_factory=dict)  # content hash -> unit vectors
    sound: bool = False  # the build passed its check (its other spaces may be reused too)

    def add_chunks(self, manifest: dict[str, Any], rows: list[dict[str, Any]]) -> None:
        """Files and chunks (kept and dropped rows) of a build with the same chunker."""
        self.files = dict(manifest.get("files", {}))
        for row in rows:
            chunk = Chunk.from_json(row)
            self.chunks_by_source.setdefault(chunk.source, []).append(chunk)
        for chunks in self.chunks_by_source.values():
            chunks.sort(key=lambda c: (c.start, c.end))

    def add_vectors(
        self,
        manifest: dict[str, Any],
        rows: list[dict[str, Any]],
        vectors: Sequence[np.ndarray],
        units: Sequence[np.ndarray] | None,
    ) -> None:
        """Each searchable row's vector (and its unit vectors), by the text it was made of."""
        titled = bool(manifest.get("titles", False))  # builds before titles searched text only
        for i, row in enumerate(rows):
            key = Chunk.from_json(row).search_key(titled)
            self.vectors[key] = np.asarray(vectors[i])
            if units is not None:
                self.units[key] = np.asarray(units[i])


def reuse_plan(
    manifest: dict[str, Any], embedder: Embedder, settings: IndexSettings, notes: list[str]
) -> tuple[bool, bool, bool]:
    """What of a previous build a new one may reuse: its chunks (same chunker and readers), its
    chunk vectors (same model) and its unit vectors (same model and unit rule); notes say why
    not."""
    same_chunker = manifest.get("chunker") == settings.chunker.as_dict()
    same_reading = manifest.get("readers_version") == READERS_VERSION
    same_model = (
        manifest.get("model") == embedder.model_id
        and manifest.get("dimension") == embedder.dimension
    )
    if not same_chunker:
        notes.append("chunker settings changed: re-chunking every file")
    elif not same_reading:
        notes.append("the document readers changed: reading every file again")
    if not same_model:
        notes.append(
            f"model changed from {manifest.get('model')!r} to {embedder.model_id!r}: "
            "re-embedding everything"
        )
    same_units = manifest.get("units_version") == UNITS_VERSION and manifest.get(
        "unit_pooling", "separate"
    ) == unit_pooling(embedder)
    return same_chunker and same_reading, same_model, same_model and same_units


def read_previous(
    root: Path, embedder: Embedder, settings: IndexSettings, notes: list[str]
) -> Previous:
    prev = Previous()
    try:
        folder = disk.current(root)
        manifest = disk.read_manifest(folder)
    except NoIndexError:
        return prev
    except IndexCorruptError as exc:
        notes.append(f"the previous index is unreadable ({exc.reason}): rebuilding everything")
        return prev
    if manifest.get("format_version") != disk.FORMAT_VERSION:
        notes.append("the previous index has another format version: rebuilding everything")
        return prev
    if not _previous_is_sound(folder, manifest, notes):
        return prev
    prev.sound = True
    same_chunker, same_model, same_units = reuse_plan(manifest, embedder, settings, notes)
    try:
        rows = disk.read_jsonl(folder / disk.CHUNKS)
        dropped = disk.read_jsonl(folder / disk.DROPPED)
        vectors = np.load(folder / disk.VECTORS, mmap_mode="r") if same_model else None
    except (DocbotError, OSError, ValueError) as exc:
        notes.append(f"the previous index is unreadable ({exc}): rebuilding everything")
        return prev
    if same_chunker:
        prev.add_chunks(manifest, rows + dropped)
    if vectors is not None and len(vectors) == len(rows):
        blocks = _unit_blocks(folder, len(rows)) if same_units else None
        prev.add_vectors(manifest, rows, vectors, blocks)
    return prev


def _unit_blocks(folder: Path, rows: int) -> list[np.ndarray] | None:
    """Each row's unit vectors in a build folder, or None when they cannot be read."""
    try:
        units = np.load(folder / disk.UNITS, mmap_mode="r")
        offsets = np.load(folder / disk.UNIT_OFFSETS)
    except (OSError, ValueError):
        return None
    if len(offsets) != rows + 1:
        return None
    return [np.asarray(units[offsets[i] : offsets[i + 1]]) for i in range(rows)]


def _previous_is_sound(folder: Path, manifest: dict[str, Any], notes: list[str]) -> bool:
    """Check every byte of the previous build before anything of it is reused: False (and a
    note) when chunks, vectors or unit vectors are damaged; FAISS and BM25 files are rebuilt
    from the chunks anyway, so their damage only earns a note."""
    result = integrity.check(folder, manifest, "full")
    if not result.recorded:
        notes.append(
            "the previous index has no checksums (written before docbot recorded them): its "
            "vectors are reused unchecked; `docbot index --full` re-embeds everything"
        )
    elif result.problems and result.only_derived():
        notes.append(
            f"the previous index failed its check ({result.summary()}): rebuilding FAISS and "
            "BM25 from its chunks, which are sound"
        )
    elif result.problems:
        notes.append(
            f"the previous index failed its check ({result.summary()}): reusing nothing from "
            "it, re-embedding everything"
        )
        return False
    return True


def read_previous_space(root: Path, embedder: Embedder, space: str) -> Previous:
    """The vectors of a second space (``index.multilingual``) the current build at ``root``
    made with ``embedder``; nothing when there is none or it was made otherwise. Chunks come
    from :func:`read_previous`, which checked the whole build: call this only when it found the
    build sound (``Previous.sound``)."""
    prev = Previous()
    try:
        folder = disk.current(root)
        manifest = disk.read_manifest(folder)
    except DocbotError:
        return prev
    if not same_space(manifest, embedder, space):
        return prev
    try:
        rows = disk.read_jsonl(folder / disk.CHUNKS)
        vectors = np.load(folder / space / disk.VECTORS, mmap_mode="r")
    except (DocbotError, OSError, ValueError):
        return prev
    blocks = _unit_blocks(folder / space, len(rows))
    if len(vectors) == len(rows) and blocks is not None:
        prev.add_vectors(manifest, rows, vectors, blocks)
    return prev


def same_space(manifest: dict[str, Any], embedder: Embedder, space: str) -> bool:
    """Whether the build's vectors in ``space`` were made by ``embedder`` with today's units."""
    entry = manifest.get(space) or {}
    return bool(
        entry.get("model") == embedder.model_id
        and entry.get("dimension") == embedder.dimension
        and entry.get("unit_pooling") == unit_pooling(embedder)
        and manifest.get("units_version") == UNITS_VERSION
    )
