"""Definitions a question names: a manual's "-t --test: Check integrity ...", "%r: The number
of currently running edges", "- nargs: Sets the number of arguments." (``index.units``) answer
"What does -t do?" better than any sentence about the tool, however close in meaning; the
cross-encoder (an MS MARCO passage model) reads such terse entries as no answer at all (logits
-7 to -11 for the four of the technical set's "What does ... do/mean?" questions).

Composition nudges a definition by how the question names its term (:func:`term_bonus`)."""

from __future__ import annotations

import re
from enum import Enum

from bot.answering.asking import asks_how_to

# ranking only: "What does -t do?" and "-t --test: ..." - the definition is the answer, whatever
# the cross-encoder reads (so it is not read)
DEFINES_BONUS = 1.0
# ranking only: a definition whose term the question names otherwise ("Which catalog does
# xsltproc use when XML_CATALOG_FILES isn't set?"), or an option by its name ("How do I keep
# the original file?" and "-k --keep: Keep (don't delete) input files ...")
TERM_BONUS = 0.3

_ALTERNATIVES = re.compile(r"\s*(?:[,|]|\bor\b)\s*")  # "-v, --verbose", "-o | --output"
_DEFINING = re.compile(r"^\s*what (does|do|is|are)\b", re.IGNORECASE)  # "What does -t do?"


class Named(Enum):
    """How a question names a definition's term."""

    WRITTEN = "written"  # as the definition writes it: "-t", "%r", "nargs", "exit status"
    OPTION = "option"  # an option by its name: "keep" for "--keep"


def term_bonus(question: str, term: str | None) -> float | None:
    """What ranking adds to a definition of ``term`` for ``question``; None when the question
    does not name it. A "how do I ...?" question is answered by an option or an API, not by
    the definition of what it names ("How do I silence InsecureRequestWarning?")."""
    named = names_term(question, term) if term is not None else None
    if named is None:
        return None
    if named is Named.OPTION:
        return TERM_BONUS
    if _DEFINING.match(question):
        return DEFINES_BONUS
    return None if asks_how_to(question) else TERM_BONUS


def names_term(question: str, term: str) -> Named | None:
    """How ``question`` names a definition's ``term`` or one of its alternatives ("-t" of "-t
    --test"), as words of its own; None when it does not."""
    words = [_bare(w) for w in question.split()]
    lower = {w.lower() for w in words}
    spaced = f" {' '.join(w.lower() for w in words)} "
    for alternative in filter(None, _ALTERNATIVES.split(term.strip("`'\"“”"))):
        parts = alternative.split()
        if all(p.startswith("-") for p in parts):  # options: "-t --test"
            if any(p in words for p in parts):
                return Named.WRITTEN
            if any(len(p.lstrip("-")) > 2 and p.lstrip("-").lower() in lower for p in parts):
                return Named.OPTION
        elif f" {alternative.lower()} " in spaced:
            return Named.WRITTEN
    return None


def _bare(word: str) -> str:
    """A question's word without its punctuation and possessive ("bzip2's" -> "bzip2")."""
    return re.sub(r"['’]s$", "", word.strip("?!.,;:\"“”()'’`"))
