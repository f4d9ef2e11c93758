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

    def to_json(self) -> dict[str, Any]:
        return {
            "index": str(self.folder),
            "full": self.full,
            "added": self.added,
            "changed": self.changed,
            "removed": self.removed,
            "unchanged": self.unchanged,
            "skipped": [{"source": s.source, "reason": s.reason} for s in self.skipped],
            "chunks": self.chunks,
            "duplicates": self.duplicates,
            "embedded": self.embedded,
            "reused": self.reused,
            "units_embedded": self.units_embedded,
            "seconds": round(self.seconds, 3),
            "notes": self.notes,
        }
