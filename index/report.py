"""What a build reports, and how it shows progress: the types the front ends read, cheap to
import (no numpy, no model)."""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from index.loading import Skipped

Progress = Callable[[str, int], contextlib.AbstractContextManager[Callable[[int], None]]]


@contextlib.contextmanager
def no_progress(label: str, total: int) -> Iterator[Callable[[int], None]]:
    yield lambda n: None


@dataclass(frozen=True)
class FileReport:
    """What was read of one file: pages with a text layer, pages read by OCR, pages left empty
    (PDFs and images; 0 for other files), tables, and the passages it gave the index."""

    source: str
    text_pages: int = 0
    ocr_pages: int = 0
    empty_pages: int = 0
    tables: int = 0
    passages: int = 0
    read: bool = True  # read by this build; False: unchanged, its figures are the last build's

    @classmethod
    def from_manifest(cls, source: str, info: dict[str, Any], read: bool) -> FileReport:
        """The figures a build keeps in its manifest's entry for the file."""
        return cls(
            source,
            text_pages=int(info.get("text_pages", 0)),
            ocr_pages=int(info.get("ocr_pages", 0)),
            empty_pages=int(info.get("empty_pages", 0)),
            tables=int(info.get("tables", 0)),
            passages=int(info.get("chunks", 0)),
            read=read,
        )

    def to_json(self) -> dict[str, Any]:
        return {
            "source": self.source,
            "text_pages": self.text_pages,
            "ocr_pages": self.ocr_pages,
            "empty_pages": self.empty_pages,
            "tables": self.tables,
            "passages": self.passages,
            "read": self.read,
        }


@dataclass(frozen=True)
class BuildReport:
    folder: Path | str  # str: a PostgreSQL index version (index.postgres)
    full: bool
    added: list[str]
    changed: list[str]
    removed: list[str]
    unchanged: int
    skipped: list[Skipped]
    chunks: int
    duplicates: int
    embedded: int
    reused: int
    seconds: float
    notes: list[str] = field(default_factory=list)
    units_embedded: int = 0  # answer units (sentences) embedded; the rest were reused
    files: tuple[FileReport, ...] = ()  # every indexed file, by name
    multilingual_embedded: int = 0  # chunks embedded into the multilingual space (or 0)

    def file(self, source: str) -> FileReport | None:
        return next((f for f in self.files if f.source == source), None)

    def to_json(self) -> dict[str, Any]:
        return {
            "index": str(self.folder),
            "full": self.full,
            "added": self.added,
            "changed": self.changed,
            "removed": self.removed,
            "unchanged": self.unchanged,
            "skipped": [s.to_json() for s in self.skipped],
            "chunks": self.chunks,
            "duplicates": self.duplicates,
            "embedded": self.embedded,
            "reused": self.reused,
            "units_embedded": self.units_embedded,
            "multilingual_embedded": self.multilingual_embedded,
            "seconds": round(self.seconds, 3),
            "notes": self.notes,
            "files": [f.to_json() for f in self.files],
        }
