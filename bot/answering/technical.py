"""Technical phrases: what technical text answers with and asks about, each read whole -
options (``--nonet``, ``-k``), keyword arguments (``count=True``), paths
(``/usr/lib/python3/dist-packages``), file names (``bzlib.h``) and identifiers (``XML_Parse``,
``logging.INFO``, ``deflateInit()``). spaCy would cut "/usr/lib/python3" into seven tokens and
trim "--nonet" of its dashes; the phrase model takes these as candidates, composition prefers a
passage naming the ones a question names, and the refusal model reads whether the chosen passage
is technical text."""

from __future__ import annotations

import re
from collections.abc import Iterator

# Checked in this order; the first that matches a phrase's whole text names its kind.
_TECHNICAL: tuple[tuple[str, re.Pattern[str]], ...] = tuple(
    (kind, re.compile(pattern))
    for kind, pattern in (
        ("option", r"(?<![\w-])--?[A-Za-z][\w-]*(?:=[\w.:/-]+)?"),
        ("keyword", r"\b[A-Za-z_]\w*=(?:[\w.:/-]+|'[^'\n]*'|\"[^\"\n]*\")"),
        ("path", r"(?<![\w.~])(?:~|\.{1,2})?/[\w.@+-]+(?:/[\w.@+-]+)*/?"),
        ("file", r"\b[\w-]+\.(?:h|c|cc|cpp|py|txt|json|toml|cfg|conf|ini|ya?ml|md|rst|html?|sh|"
         r"fish|zsh|so|ninja|xml|xsl|gz|bz2|tbz2?|tar|zip)\b"),
        ("identifier", r"\b[A-Za-z_]\w*(?:(?:\.|::)[A-Za-z_]\w*)*(?:\(\))?"),
    )
)  # fmt: skip
_IDENTIFIER = re.compile(r"_|[a-z][A-Z]|[A-Z]{2}[a-z]|[.:(]")  # more than a word


def technical_kind(text: str) -> str | None:
    """The kind of technical phrase ``text`` is whole ("option" for "--nonet", "path",
    "file", "keyword" for "count=True", "identifier" for "XML_Parse" or "logging.INFO"), or
    None for words."""
    for kind, pattern in _TECHNICAL:
        if pattern.fullmatch(text) and (kind != "identifier" or _is_identifier(text)):
            return kind
    return None


def _is_identifier(text: str) -> bool:
    """More than a word, and not an abbreviation ("e.g", "U.S")."""
    return bool(_IDENTIFIER.search(text.strip("_"))) and len(text.split(".", 1)[0]) > 1


def technical_spans(text: str) -> Iterator[tuple[int, int]]:
    """Where the technical phrases of ``text`` lie, by kind (a path's file name too)."""
    for _, pattern in _TECHNICAL:
        for m in pattern.finditer(text):
            if technical_kind(m.group()) is not None:
                yield m.start(), m.end()


def technical_phrases(text: str) -> list[str]:
    """The technical phrases written in ``text``, each once, in order of kind."""
    return list(dict.fromkeys(text[a:b] for a, b in technical_spans(text)))
