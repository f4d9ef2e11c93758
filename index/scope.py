"""Scopes: which part of the collection a search may return. A :class:`Scope` is a set of
subfolders of the documents folder (a passage is in it when its source lies under one of them),
everything, or nothing. :class:`ScopeRows` is a scope made concrete for one loaded index: a row
mask, which the dense and sparse searches apply before fusion, so no candidate of another
scope is ever ranked. There is one index for all scopes; a mask costs one bit per row."""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

if TYPE_CHECKING:
    from index.statistics import Sources


def clean_folder(folder: str) -> str:
    """A folder as sources name it: ``/``-separated, no leading ``./`` or ``/``, no trailing
    ``/``; raises ValueError for an empty one or one leaving the documents folder."""
    parts = [p for p in folder.replace("\\", "/").split("/") if p not in ("", ".")]
    if not parts:
        raise ValueError(f"{folder!r} names no folder")
    if ".." in parts:
        raise ValueError(f"{folder!r} leaves the documents folder")
    return "/".join(parts)


@dataclass(frozen=True)
class Scope:
    """``folders`` None: everything; empty: nothing; else the sources under those folders."""

    folders: frozenset[str] | None = None

    @classmethod
    def of(cls, folders: Iterable[str]) -> Scope:
        """The sources under ``folders`` (cleaned by :func:`clean_folder`)."""
        return cls(frozenset(clean_folder(f) for f in folders))

    @property
    def everything(self) -> bool:
        return self.folders is None

    @property
    def nothing(self) -> bool:
        return self.folders is not None and not self.folders

    @property
    def prefixes(self) -> tuple[str, ...]:
        """What a source in scope starts with (``hr/``), sorted; empty for everything."""
        return tuple(sorted(f"{f}/" for f in self.folders or ()))

    def admits(self, source: str) -> bool:
        """True when ``source`` (a path relative to the documents folder) is in scope."""
        return self.folders is None or source.startswith(self.prefixes)

    @property
    def key(self) -> str:
        """A short name of the scope, the same in every process (``all``, ``none`` or a hash
        of its folders)."""
        if self.folders is None:
            return "all"
        if not self.folders:
            return "none"
        return hashlib.sha1("\n".join(self.prefixes).encode()).hexdigest()[:10]

    def describe(self) -> str:
        """The scope in a few words, for logs and the admin view."""
        if self.folders is None:
            return "all documents"
        return ", ".join(f"{f}/" for f in sorted(self.folders)) or "no documents"


EVERYTHING = Scope()
NOTHING = Scope(frozenset())


@dataclass(frozen=True, eq=False)
class ScopeRows:
    """A scope on one index: ``mask[row]`` is True for the rows in scope."""

    scope: Scope
    mask: np.ndarray  # bool, one per row

    @classmethod
    def of(cls, scope: Scope, sources: Sources) -> ScopeRows:
        """The rows of ``sources`` (each row's document) whose document is in ``scope``."""
        admitted = [sid for source, sid in sources.ids.items() if scope.admits(source)]
        return cls(scope, np.isin(sources.owner, np.asarray(admitted, dtype=sources.owner.dtype)))

    @property
    def count(self) -> int:
        """How many rows are in scope."""
        return int(np.count_nonzero(self.mask))
