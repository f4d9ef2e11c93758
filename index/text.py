"""The text rules retrieval and answering share, one rule per concept: words, terms (what BM25
indexes and answering weighs), sentences, names, numbers and negation.

Cheap to import (``re`` only); the stemmer and the stop-word list load on first use."""

from __future__ import annotations

import re
from collections.abc import Sequence
from functools import lru_cache
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from index.chunking import Chunk

# --- words and terms -------------------------------------------------------------------------

WORD = re.compile(r"[\w'’-]+", re.UNICODE)  # a word, with its apostrophes and hyphens
ALNUM_RUN = re.compile(r"\w+", re.UNICODE)  # a run of letters and digits: what terms are made of
_LONGEST_TERM = 40  # longer runs are not words (hashes, base64): no term


@lru_cache(maxsize=1)
def _stopwords() -> frozenset[str]:
    from bm25s.stopwords import STOPWORDS_EN

    return frozenset(STOPWORDS_EN)


@lru_cache(maxsize=1)
def _stemmer() -> Any:
    import Stemmer

    return Stemmer.Stemmer("english")


# An identifier made of words: ffi_closure_alloc, deflateInit, Z_STREAM_END, python3.
_COMPOUND = re.compile(r"[^\W_]_[^\W_]|[a-z][A-Z]|[A-Z]{2}[a-z]|[^\W\d_]\d")
_PART = re.compile(r"[A-Z]+(?![a-z])|[A-Z]?[a-z]+|\d+|[^\W\da-zA-Z_]+")


def _words(text: str, parts: bool = True) -> list[str]:
    stop = _stopwords()
    if not parts or not _COMPOUND.search(text):  # prose: the fast path
        return [
            w for w in ALNUM_RUN.findall(text.lower()) if w not in stop and len(w) < _LONGEST_TERM
        ]
    out: list[str] = []
    for run in ALNUM_RUN.findall(text):
        word = run.lower()
        if len(word) >= _LONGEST_TERM:
            continue
        if word not in stop:
            out.append(word)
        if _COMPOUND.search(run):
            out.extend(identifier_parts(run, stop))
    return out


def identifier_parts(run: str, stop: frozenset[str] = frozenset()) -> list[str]:
    """The words an identifier is made of, lower-cased ("ffi_closure_alloc" -> ffi, closure,
    alloc; "deflateInit" -> deflate, init; "python3" -> python, 3): searchable by its parts as
    well as whole. Single letters and stop words are left out."""
    parts = (p.lower() for p in _PART.findall(run))
    return [p for p in parts if (len(p) > 1 or p.isdigit()) and p not in stop]


def tokenize(text: str, parts: bool = True) -> list[str]:
    """The terms of ``text``: lower-cased words, English stop words removed, Porter-stemmed;
    an identifier (``ffi_closure_alloc``, ``deflateInit``) gives its parts as terms too, unless
    ``parts`` is False (a name is found by its whole words: "PostgreSQL" by "postgresql")."""
    return list(_stemmer().stemWords(_words(text, parts)))


_STEMS: dict[str, str] = {}  # word -> stem: a dict lookup is ~5x faster than the stemmer
_STEMS_MAX = 500_000  # words; cleared when full (an English vocabulary fits many times over)


def stems_of(words: Sequence[str]) -> list[str]:
    """The Porter stem of each word, remembered across calls."""
    cache = _STEMS
    new = [w for w in set(words) if w not in cache]
    if new:
        if len(cache) + len(new) > _STEMS_MAX:
            cache.clear()
        cache.update(zip(new, _stemmer().stemWords(new), strict=True))
    return [cache[w] for w in words]


def terms_by_span(text: str, spans: Sequence[tuple[int, int]]) -> list[frozenset[str]]:
    """The distinct :func:`tokenize` terms of each span of ``text``."""
    per_span = [_words(text[a:b]) for a, b in spans]
    stems = stems_of([w for words in per_span for w in words])
    out, at = [], 0
    for words in per_span:
        out.append(frozenset(stems[at : at + len(words)]))
        at += len(words)
    return out


# --- sentences -------------------------------------------------------------------------------

_ABBREVIATIONS = frozenset(
    (
        "mr mrs ms dr prof st jr sr vs etc e.g i.e eg ie inc ltd co corp no nos fig figs "
        "al approx dept est gen gov sen rep col lt sgt capt cmdr adm rev hon u.s u.k u.n "
        "e.u jan feb mar apr jun jul aug sep sept oct nov dec mt ft op cf ed eds vol pp "
    ).split()
)
# A sentence ends at . ! ? … (and closing quotes/brackets) followed by space and a capital,
# a digit, a quote or an opening bracket.
_BOUNDARY = re.compile(r"[.!?…。！？]+[\"'”’»)\]]*\s+(?=[\"'“‘«(\[]?[^\W_a-z])")
_FINAL = re.compile(r"[.!?…][\"'”’»)\]]*\s*$")  # a sentence's final punctuation


def split_sentences(text: str, start: int = 0, end: int | None = None) -> list[tuple[int, int]]:
    """Sentence spans of ``text[start:end]`` as absolute (start, end) offsets."""
    end = len(text) if end is None else end
    spans: list[tuple[int, int]] = []
    pos = start
    for m in _BOUNDARY.finditer(text, start, end):
        cut = m.start() + len(m.group(0).rstrip())
        if _ends_with_abbreviation(text, pos, m.start()):
            continue
        if text[pos:cut].strip():
            spans.append((pos, cut))
        pos = m.end()
    if text[pos:end].strip():
        spans.append((pos, end))
    return [strip_span(text, a, b) for a, b in spans]


def _ends_with_abbreviation(text: str, start: int, dot: int) -> bool:
    if dot >= len(text) or text[dot] != ".":
        return False
    j = dot
    while j > start and not text[j - 1].isspace():
        j -= 1
    word = text[j:dot].lower().strip("\"'“‘(")
    if not word:
        return False
    if len(word) == 1 and word.isalpha():  # an initial: "J. Smith"
        return True
    return word in _ABBREVIATIONS


def strip_span(text: str, a: int, b: int) -> tuple[int, int]:
    """The span ``a:b`` of ``text`` without white space at its edges."""
    while a < b and text[a].isspace():
        a += 1
    while b > a and text[b - 1].isspace():
        b -= 1
    return a, b


def sentence_spans(chunk: Chunk) -> tuple[tuple[int, int], ...]:
    """The chunker's sentence spans of a chunk; a chunk stored without them is one sentence."""
    return chunk.sentences or ((0, len(chunk.text)),)


def ends_sentence(text: str) -> bool:
    """True when ``text`` ends with a sentence's final punctuation (a heading does not)."""
    return _FINAL.search(text) is not None


# --- names, negation, numbers ----------------------------------------------------------------


_POSSESSIVE = re.compile(r"['’]s$")


def names(sentence: str) -> list[str]:
    """The names a sentence uses: its capitalised words after the first ("Uzbekistan", "FBI",
    "Akims'"), "I" aside, without a possessive "'s" ("Iskakova's" is "Iskakova": a table cell
    naming her holds no "s") and the apostrophes at their edges; in order, repeats kept."""
    return [
        _POSSESSIVE.sub("", w).strip("'’")
        for w in WORD.findall(sentence)[1:]
        if w[:1].isupper() and w != "I"
    ]


NEGATIONS = frozenset(
    "not n't no never without nothing none neither nor cannot failed fail fails unable".split()
)


def negated(text: str) -> bool:
    """True when ``text`` says "not", "never", "without", "failed", ... (a word of
    ``NEGATIONS``, or one ending in "n't")."""
    return any(w in NEGATIONS or w.endswith("n't") for w in WORD.findall(text.lower()))


_NUMBER = re.compile(r"\d+(?:[.,]\d+)*")  # "42", "1,200", "3.5"


def numbers(text: str) -> list[str]:
    """The numbers written in ``text``, as written ("1,200"), in order."""
    return _NUMBER.findall(text)
