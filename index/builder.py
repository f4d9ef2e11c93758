"""``build``: documents folder to index folder, incrementally.

Files are compared by content hash with the previous build. Unchanged files reuse their chunks;
every chunk reuses its vector when the previous build has one for the same text (and model), so
only new text is embedded. BM25 and FAISS are rebuilt from those rows (seconds even at 100k
chunks). The result is written to a new folder and swapped in atomically (see ``disk``).
"""

from __future__ import annotations

import shutil
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import numpy as np

from index import disk, integrity, multilingual
from index.chunking import Chunk, chunk_document, deduplicate
from index.dense import DenseIndex
from index.documents import Document, SkipFile
from index.embedding import Embedder, encode_with_spans, fill_spans, missing_spans, unit_pooling
from index.errors import (
    IndexWriteError,
    NoDocumentsError,
)
from index.languages import detect
from index.loading import READERS_VERSION, Skipped, SourceFile, load, scan
from index.ocr import Ocr
from index.reasons import NO_SENTENCES
from index.report import BuildReport, FileReport, Progress, no_progress
from index.reuse import Previous, read_previous, read_previous_space
from index.settings import IndexSettings
from index.sparse import SparseIndex
from index.units import UNITS_VERSION, unit_spans


def build(
    documents: Path,
    root: Path,
    embedder: Embedder,
    settings: IndexSettings | None = None,
    *,
    full: bool = False,
    progress: Progress = no_progress,
    lock_wait: float = 0.0,
    log: Callable[[str], None] = lambda line: None,
) -> BuildReport:
    """Build or update the index at ``root`` from ``documents``; returns what was done.

    ``full`` ignores the previous build. Raises :class:`NoDocumentsError` when nothing usable
    is found (the previous index stays), :class:`IndexLockedError` when another build runs.
    """
    settings = settings or IndexSettings()
    documents, root = Path(documents), Path(root)
    started = time.monotonic()
    with disk.build_lock(root, wait=lock_wait):
        notes: list[str] = []
        prev = Previous() if full else read_previous(root, embedder, settings, notes)
        again = Previous()
        if settings.multilingual and prev.sound:
            model = multilingual.model(settings.multilingual_threads)
            again = read_previous_space(root, model, multilingual.SPACE)
        made = assemble(documents, prev, embedder, settings, progress, log, again)
        folder = _write_build(root, made, settings)
        final = disk.publish(root, folder)
    return made.report(final, full, prev, notes, started)


@dataclass(frozen=True)
class Assembled:
    """A build before it is written anywhere: its chunks, vectors and manifest."""

    read: _Read
    kept: list[Chunk]
    dropped: list[tuple[Chunk, str]]
    embedded: Embedded
    manifest: dict[str, Any]
    multilingual: Embedded | None = None  # the second space (index.multilingual), when on

    def report(
        self, where: Path | str, full: bool, prev: Previous, notes: list[str], started: float
    ) -> BuildReport:
        read = self.read
        fresh = set(read.added) | set(read.changed)
        return BuildReport(
            folder=where,
            full=full,
            added=read.added,
            changed=read.changed,
            removed=sorted(set(prev.files) - set(read.files) - {s.source for s in read.skipped}),
            unchanged=read.unchanged,
            skipped=read.skipped,
            chunks=len(self.kept),
            duplicates=len(self.dropped),
            embedded=self.embedded.chunks_embedded,
            multilingual_embedded=(
                self.multilingual.chunks_embedded if self.multilingual is not None else 0
            ),
            reused=len(self.kept) - self.embedded.chunks_embedded,
            seconds=time.monotonic() - started,
            notes=notes + read.notes,
            units_embedded=self.embedded.units_embedded,
            files=tuple(
                FileReport.from_manifest(source, info, source in fresh)
                for source, info in sorted(read.files.items())
            ),
        )


def assemble(
    documents: Path,
    prev: Previous,
    embedder: Embedder,
    settings: IndexSettings,
    progress: Progress = no_progress,
    log: Callable[[str], None] = lambda line: None,
    again: Previous | None = None,
) -> Assembled:
    """Read, chunk, deduplicate and embed ``documents``, reusing what ``prev`` has (and
    ``again`` in the multilingual space); the store-independent part of a build (the file store
    and ``index.postgres`` write it)."""
    read = _read_documents(documents, prev, settings, progress)
    for s in read.skipped:
        log(f"skipped {s.source}: {s.reason}")
    if not read.chunks:
        detail = f"{len(read.skipped)} file(s) skipped" if read.skipped else ""
        raise NoDocumentsError(documents, detail)
    kept, dropped = deduplicate(read.chunks, settings.chunker.duplicate_threshold)
    _count_chunks(read.files, kept, dropped)
    embedded = _embed(kept, prev, embedder, progress, settings.titles)
    manifest = _manifest(documents, embedder, settings, read, kept, dropped, embedded)
    if not settings.multilingual:
        return Assembled(read, kept, dropped, embedded, manifest)
    second = multilingual.model(settings.multilingual_threads)
    spoken = _embed(kept, again or Previous(), second, progress, settings.titles, "multilingual")
    languages: dict[str, int] = {}
    for chunk in kept:
        language = detect(chunk.text)
        languages[language] = languages.get(language, 0) + 1
    manifest[multilingual.SPACE] = multilingual.manifest_entry(second, languages)
    return Assembled(read, kept, dropped, embedded, manifest, spoken)


@dataclass
class _Read:
    """The documents folder as read for one build."""

    chunks: list[Chunk] = field(default_factory=list)  # before deduplication
    files: dict[str, dict[str, Any]] = field(default_factory=dict)  # manifest "files"
    skipped: list[Skipped] = field(default_factory=list)
    added: list[str] = field(default_factory=list)
    changed: list[str] = field(default_factory=list)
    unchanged: int = 0
    notes: list[str] = field(default_factory=list)  # for the report (what OCR did)


# What the manifest keeps of each file's reading, so a build that reuses the file reports it.
FIGURES = ("text_pages", "ocr_pages", "empty_pages", "tables")


def _figures(doc: Document) -> dict[str, int]:
    ocr = sum(1 for p in doc.pages if p.ocr)
    return {
        "text_pages": len(doc.pages) - ocr,
        "ocr_pages": ocr,
        "empty_pages": doc.empty_pages,
        "tables": doc.tables,
    }


def _read_documents(
    documents: Path, prev: Previous, settings: IndexSettings, progress: Progress
) -> _Read:
    """Chunks of every usable file: the previous build's for an unchanged file, else new."""
    files, skipped = scan(documents, settings.max_file_bytes)
    read = _Read(skipped=skipped)
    ocr = Ocr(settings.ocr)
    with progress("reading", len(files)) as advance:
        for f in files:
            _read_one(f, prev, settings, read, ocr)
            advance(1)
    read.notes.extend(ocr.notes())
    return read


def _read_one(
    f: SourceFile, prev: Previous, settings: IndexSettings, read: _Read, ocr: Ocr
) -> None:
    old = prev.files.get(f.source)
    if old and old.get("sha256") == f.sha256 and f.source in prev.chunks_by_source:
        chunks, digest = prev.chunks_by_source[f.source], f.sha256
        figures = {k: old[k] for k in FIGURES if k in old}
        read.unchanged += 1
    else:
        try:
            doc = load(f, ocr)
        except SkipFile as exc:
            read.skipped.append(Skipped.of(f.source, exc))
            return
        chunks, digest, figures = chunk_document(doc, settings.chunker), doc.sha256, _figures(doc)
        (read.changed if old else read.added).append(f.source)
    if not chunks:
        read.skipped.append(Skipped(f.source, NO_SENTENCES, NO_SENTENCES))
        return
    read.chunks.extend(chunks)
    read.files[f.source] = {"sha256": digest, "size": f.size, **figures}


def _count_chunks(
    files: dict[str, dict[str, Any]], kept: list[Chunk], dropped: list[tuple[Chunk, str]]
) -> None:
    """Each file's searchable chunks and dropped duplicates, into its manifest entry."""
    for chunk in kept:
        files[chunk.source]["chunks"] = files[chunk.source].get("chunks", 0) + 1
    for chunk, _ in dropped:
        info = files[chunk.source]
        info["duplicates"] = info.get("duplicates", 0) + 1


def _manifest(
    documents: Path,
    embedder: Embedder,
    settings: IndexSettings,
    read: _Read,
    kept: list[Chunk],
    dropped: list[tuple[Chunk, str]],
    embedded: Embedded,
) -> dict[str, Any]:
    return {
        "format_version": disk.FORMAT_VERSION,
        "model": embedder.model_id,
        "dimension": embedder.dimension,
        "chunker": settings.chunker.as_dict(),
        "dense_kind": settings.dense_kind,
        "titles": settings.titles,
        "units_version": UNITS_VERSION,
        "readers_version": READERS_VERSION,
        "unit_pooling": unit_pooling(embedder),
        "built_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "documents": str(documents.resolve()),
        "counts": {
            "files": len(read.files),
            "chunks": len(kept),
            "duplicates": len(dropped),
            "skipped": len(read.skipped),
            "units": len(embedded.units),
        },
        "files": {k: read.files[k] for k in sorted(read.files)},
        "skipped": [s.to_json() for s in read.skipped],
    }


def _write_build(root: Path, made: Assembled, settings: IndexSettings) -> Path:
    """A new build folder with every file, the manifest (with checksums) last; removed again
    when anything fails."""
    folder = disk.new_build_folder(root)
    try:
        _write(folder, made.kept, made.dropped, settings)
        _write_space(folder, made.embedded, settings)
        if made.multilingual is not None:
            space = folder / multilingual.SPACE
            space.mkdir()
            _write_space(space, made.multilingual, settings)
        disk.write_json(folder / disk.MANIFEST, integrity.record(folder, made.manifest))
    except OSError as exc:
        shutil.rmtree(folder, ignore_errors=True)
        raise IndexWriteError(root, exc.strerror or str(exc)) from exc
    except BaseException:
        shutil.rmtree(folder, ignore_errors=True)
        raise
    return folder


def _write_space(folder: Path, embedded: Embedded, settings: IndexSettings) -> None:
    """One vector space's files: chunk vectors, their FAISS index, unit vectors and offsets."""
    np.save(folder / disk.VECTORS, embedded.vectors)
    DenseIndex.build(embedded.vectors, settings.dense_kind).save(folder / disk.DENSE)
    np.save(folder / disk.UNITS, embedded.units)
    np.save(folder / disk.UNIT_OFFSETS, embedded.unit_offsets)


def _shifted(spans: list[tuple[int, int]], by: int) -> list[tuple[int, int]]:
    """Unit spans of a chunk's text, moved to where the text sits in its search text."""
    return [(a + by, b + by) for a, b in spans]


@dataclass(frozen=True)
class Embedded:
    vectors: np.ndarray  # one row per kept chunk
    units: np.ndarray  # float16 answer-unit vectors, chunk after chunk
    unit_offsets: np.ndarray  # each chunk's first unit row (and the total at the end)
    chunks_embedded: int
    units_embedded: int


def _embed(
    kept: list[Chunk],
    prev: Previous,
    embedder: Embedder,
    progress: Progress,
    titles: bool,
    space: str = "",
) -> Embedded:
    """Chunk vectors, float16 answer-unit vectors (chunk after chunk) with each chunk's first
    unit row, and how many chunks and units were embedded.

    A chunk whose search text (``Chunk.search_text``) the previous build had reuses its
    vectors; each other distinct text is embedded once, its units pooled from the same forward
    pass where the embedder can (``encode_spans``), else encoded on their own.
    """
    searched = [chunk.search_text(titles) for chunk in kept]
    spans = [
        _shifted(unit_spans(c), len(t) - len(c.text)) for c, t in zip(kept, searched, strict=True)
    ]
    offsets = np.zeros(len(kept) + 1, dtype=np.int64)
    offsets[1:] = np.cumsum([len(s) for s in spans])
    vectors = np.zeros((len(kept), embedder.dimension), dtype=np.float32)
    units = np.zeros((int(offsets[-1]), embedder.dimension), dtype=np.float16)
    todo: dict[str, list[int]] = {}
    for i, chunk in enumerate(kept):
        key = chunk.search_key(titles)
        vector, block = prev.vectors.get(key), prev.units.get(key)
        if vector is not None and block is not None and len(block) == len(spans[i]):
            vectors[i] = vector
            units[offsets[i] : offsets[i + 1]] = block
        else:
            todo.setdefault(key, []).append(i)
    if not todo:
        return Embedded(vectors, units, offsets, 0, 0)
    rows = [positions[0] for positions in todo.values()]
    texts = [searched[i] for i in rows]
    row_spans = [spans[i] for i in rows]
    with progress(f"embedding ({space})" if space else "embedding", len(rows)) as advance:
        new, pooled = encode_with_spans(embedder, texts, row_spans, advance)
    alone = missing_spans(texts, row_spans, pooled)
    if alone:
        with progress("embedding sentences", len(alone)) as advance:
            fill_spans(embedder, alone, pooled, advance)
    for vector, block, positions in zip(new, pooled, todo.values(), strict=True):
        for i in positions:
            vectors[i] = vector
            units[offsets[i] : offsets[i + 1]] = block
    return Embedded(vectors, units, offsets, len(rows), sum(len(s) for s in row_spans))


def _write(
    folder: Path,
    kept: list[Chunk],
    dropped: list[tuple[Chunk, str]],
    settings: IndexSettings,
) -> None:
    """The chunks, the dropped duplicates and BM25 (what every space shares)."""
    disk.write_jsonl(folder / disk.CHUNKS, [c.to_json() for c in kept])
    disk.write_jsonl(
        folder / disk.DROPPED, [{**c.to_json(), "duplicate_of": dup} for c, dup in dropped]
    )
    sparse_folder = folder / disk.SPARSE
    sparse_folder.mkdir()
    SparseIndex.build([c.search_text(settings.titles) for c in kept]).save(sparse_folder)
