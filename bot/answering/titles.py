"""How a citation names its document to a reader, in any face (Telegram, the terminal): the
document's own title when it says more than the file name."""

from __future__ import annotations

import re
from pathlib import PurePosixPath
from typing import Protocol

MAX_TITLE_CHARS = 80  # a document's title in the sources (PDF metadata can run long)


class Titled(Protocol):
    """What :func:`distinct_title` reads of a citation."""

    @property
    def title(self) -> str: ...

    @property
    def source(self) -> str: ...


def _words(text: str) -> str:
    return " ".join(re.sub(r"[\W_]+", " ", text).casefold().split())


def distinct_title(citation: Titled) -> str:
    """The document's title when it tells more than its file name, else "" (a document without
    a title of its own is titled after its file: "annual_report.txt" -> "annual report"); cut
    to ``MAX_TITLE_CHARS``."""
    title = " ".join(citation.title.split())
    path = PurePosixPath(citation.source.replace("\\", "/"))
    if not _words(title) or _words(title) in {_words(citation.source), _words(path.stem)}:
        return ""
    if len(title) > MAX_TITLE_CHARS:
        title = title[: MAX_TITLE_CHARS - 1].rstrip() + "…"
    return title
