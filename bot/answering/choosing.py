"""Choosing what an answer quotes: the candidate units of the hits, scored against the question,
and the best one(s) above the threshold (``bot.answering.composer`` describes the rules)."""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from functools import cached_property
from typing import TYPE_CHECKING

import numpy as np

from bot.answering.answers import normalize
from bot.answering.asking import asks_for_field, asks_for_name, asks_for_number, asks_for_technical
from bot.answering.technical import technical_phrases
from bot.answering.terms import term_bonus
from bot.settings import DEFAULT_MIN_SCORE
from index.languages import alphabet, scripts
from index.text import WORD, ends_sentence, names, sentence_spans, tokenize
from index.units import definition_term, field_label, leans_on_previous, unit_bounds
from index.vector_cache import VectorCache

if TYPE_CHECKING:
    from index.embedding import Embedder
    from index.retriever import Hit
    from index.statistics import Stats

OVERLAP_WEIGHT = 0.3
ANSWER_TYPE_BONUS = 0.1  # ranking only: "how many ...?" prefers a sentence with a number,
# "what is the name of ...?" one that quotes a name
HEADING_PENALTY = 0.3  # ranking only: a title or caption (no final punctuation) rarely answers
CONTINUE_CHARS = 450  # a following sentence is added only while the cited text stays this short
SECOND_MARGIN = 0.02  # a second unit is cited when this close to the best, with as much overlap
CROSS_UNITS = 8  # the eligible units the cross-encoder reads (DOCBOT_CROSS_ENCODER_SENTENCES)
# its logit's weight in ranking them: over squad2_dev6 (every 2nd question) the reply holds a
# gold answer 0.8125 -> 0.861 at 0.04 (0.02: 0.851, 0.06: 0.858, 0.08: 0.843; 6 units: 0.852)
CROSS_WEIGHT = 0.04
# The multilingual model (index.multilingual) scores a question and a passage in another language
# lower than two texts in one language, and they share no terms: over XQuAD (Russian questions,
# half the articles indexed, the other half's questions as unanswerable), the floor 0.88 refused
# 0.011 of the answerable over the Russian articles and the same share needed ~0.11 less over
# the English ones (benchmarks/RESULTS.md, "Languages (issue 24): answers"). Added to a unit
# written mostly in another alphabet than the question ("... NFL?" is a Russian question), in
# that space only.
ACROSS_LANGUAGES = 0.11

_QUOTED = re.compile(r"[\"“‘«]([^\"”’»]{2,80})[\"”’»]")
_STATES_DEFAULT = re.compile(r"\b(by default|defaults? to|the default|default (value )?is)\b", re.I)
_NOT_NAMES = frozenset("the a an in on at for of to by as and but".split())

Stored = Callable[[int], "np.ndarray | None"]  # a row's stored unit vectors (Index.unit_vectors)
CrossScores = Callable[[str, Sequence[str]], np.ndarray]  # a cross-encoder's logits for texts


@dataclass(frozen=True)
class Unit:
    """A candidate answer: sentences ``first..last`` of ``hit.chunk`` (``last`` answers)."""

    hit: Hit
    first: int
    last: int
    text: str
    cosine: float = 0.0
    overlap: float = 0.0
    extra: int = 0  # following sentences quoted with it (they continue about the same thing)
    cross: float | None = None  # the cross-encoder's logit, read after the sentence before it

    @property
    def score(self) -> float:
        """What the not-found threshold is compared with."""
        return self.cosine + OVERLAP_WEIGHT * self.overlap

    @property
    def end(self) -> int:
        return self.last + self.extra

    @property
    def key(self) -> str:
        return normalize(self.text)

    @property
    def place(self) -> tuple[str, int, int]:
        """Its file and where its sentences lie in the document's text."""
        chunk = self.hit.chunk
        spans = sentence_spans(chunk)
        return chunk.source, chunk.start + spans[self.first][0], chunk.start + spans[self.last][1]

    def shares_text(self, other: Unit) -> bool:
        """True when the two units quote some of the same text (overlapping windows)."""
        source, a, b = self.place
        other_source, c, d = other.place
        return source == other_source and a < d and c < b

    @property
    def quotes_code(self) -> bool:
        """Some of the unit's sentences, or those it continues into, are lines of code."""
        code = self.hit.chunk.code
        return any(i in code for i in range(self.first, self.end + 1))

    @cached_property
    def phrases(self) -> tuple[str, ...]:
        """The technical phrases the unit names (``bot.answering.technical``)."""
        return tuple(technical_phrases(self.text))

    @cached_property
    def technical(self) -> bool:
        """Technical text: the unit quotes code, or names identifiers, paths or options."""
        return self.quotes_code or bool(self.phrases)

    @cached_property
    def term(self) -> str | None:
        """The term the unit's last sentence defines (``index.units.definition_term``), or,
        when that sentence is a field of an entry ("Default: None"), the entry's term; None for
        a line of code ('"level": "DEBUG",')."""
        if self.ends_in_code:
            return None
        a, b = sentence_spans(self.hit.chunk)[self.first if self.field else self.last]
        return definition_term(self.hit.chunk.text[a:b])

    @cached_property
    def field(self) -> str | None:
        """The label of the entry's field the unit ends with ("Default" of "Default: None")."""
        a, b = sentence_spans(self.hit.chunk)[self.last]
        return field_label(self.hit.chunk.text[a:b])

    @property
    def ends_in_code(self) -> bool:
        """The unit's last sentence is a line of code (no final punctuation expected)."""
        return self.last in self.hit.chunk.code

    @property
    def cited_text(self) -> str:
        """What quoting this unit cites: its sentences with those it continues into."""
        chunk = self.hit.chunk
        spans = sentence_spans(chunk)
        return chunk.text[spans[self.first][0] : spans[self.end][1]]


@dataclass(frozen=True)
class Choice:
    """What composition found among the hits: every candidate unit (best score first) and the
    unit(s) it would quote (best first; empty when none reaches ``min_score``)."""

    scored: tuple[Unit, ...]
    chosen: tuple[Unit, ...]

    @property
    def score(self) -> float:
        return self.scored[0].score if self.scored else 0.0

    @property
    def margin(self) -> float:
        """How far the best score is above that of the best unit quoting other text."""
        if not self.scored:
            return 0.0
        best = self.scored[0]
        second = next((u.score for u in self.scored[1:] if not u.shares_text(best)), 0.0)
        return best.score - second


@dataclass(frozen=True)
class Reading:
    """What the learned readers made of a choice (``bot.answering.reading``): the answering
    phrase as offsets into the best unit's cited text, and whether the passage answers."""

    phrase: tuple[int, int, float] | None  # start, end, the phrase model's probability
    confidence: float  # the answerability model's probability
    answers: bool  # confidence reached the threshold


Read = Callable[[str, Choice], Reading]


@dataclass(frozen=True)
class Chooser:
    """The per-index constants of choosing: the embedding model, the collection's statistics,
    the index's stored unit vectors (None: encode every unit, through ``cache``), and the
    threshold a unit's score must reach."""

    embedder: Embedder
    stats: Stats
    stored: Stored | None = None
    cache: VectorCache | None = None
    min_score: float = DEFAULT_MIN_SCORE
    cross: CrossScores | None = None  # reads the best eligible units again (``read_again``)
    across: float = 0.0  # added to a unit in another alphabet than the question's
    cross_units: int = CROSS_UNITS  # how many eligible units ``cross`` reads

    def choose(
        self,
        question: str,
        resolved: str,
        hits: Sequence[Hit],
        query_vector: np.ndarray,
        avoid: Iterable[str] = (),
    ) -> Choice:
        """The best-scoring unit(s) of ``hits`` for ``resolved``.

        A unit from a file that never mentions a name the question uses ("... in Uzbekistan?")
        cannot answer. ``avoid`` holds texts already given as answers in this conversation; a
        unit that repeats one is chosen only when nothing else reaches the threshold.
        """
        units = self.units_naming(question, hits)
        if not units:
            return Choice((), ())
        vectors = self.vectors(units)
        scored = sorted(
            score_units(units, resolved, query_vector, vectors, self.stats.idf, self.across),
            key=lambda u: -u.score,
        )
        avoided = {normalize(t) for t in avoid}
        fresh = [u for u in scored if not _repeats(u, avoided)]
        pool = fresh if fresh and fresh[0].score >= self.min_score else scored
        eligible = [u for u in pool if u.score >= self.min_score]
        if not eligible:
            return Choice(tuple(pool), ())
        if self.cross is not None:
            eligible = read_again(self.cross, resolved, eligible, self.cross_units)
        return Choice(tuple(pool), tuple(quoted(eligible, resolved)))

    def units_naming(self, question: str, hits: Sequence[Hit]) -> list[Unit]:
        """The candidate units of ``hits`` from files that use every name of ``question``
        (each name written in the passage's alphabet)."""
        named = question_names(question)
        missing = {
            h.chunk.source: self.stats.names_missing(
                spelled_in(named, h.chunk.text), h.chunk.source
            )
            for h in hits
        }
        return [u for u in candidate_units(hits) if not missing[u.hit.chunk.source]]

    def vectors(self, units: Sequence[Unit]) -> np.ndarray:
        """Each unit's vector: stored with the index at build time (by the hit's row), else
        encoded now (through ``cache``) - only for hits not from an index."""
        blocks: dict[int, np.ndarray | None] = {}
        rows: list[np.ndarray | None] = []
        for u in units:
            row = u.hit.row
            if self.stored is not None and row >= 0 and row not in blocks:
                blocks[row] = self.stored(row)
            block = blocks.get(row)
            rows.append(block[u.last] if block is not None and u.last < len(block) else None)
        missing = [i for i, r in enumerate(rows) if r is None]
        if missing:
            cache = self.cache or VectorCache()
            encoded = cache.encode(self.embedder, [units[i].text for i in missing])
            for i, vector in zip(missing, encoded, strict=True):
                rows[i] = vector
        return np.stack([np.asarray(r, dtype=np.float32) for r in rows if r is not None])


def spelled_in(named: list[list[str]], text: str) -> list[list[str]]:
    """The names that could be spelled as they are in ``text``: a Russian question's
    "Варшава" is "Warsaw" in an English passage, which cannot be checked by its letters."""
    written = scripts(text)
    return [n for n in named if scripts(" ".join(n)) <= written]


def candidate_units(hits: Iterable[Hit]) -> list[Unit]:
    """Every sentence of the hits (first occurrence wins), joined with its predecessor when it
    leans on it."""
    units: list[Unit] = []
    seen: set[str] = set()
    for hit in hits:
        chunk = hit.chunk
        spans = sentence_spans(chunk)
        for first, i in unit_bounds(chunk):
            text = chunk.text[spans[first][0] : spans[i][1]]
            key = normalize(text)
            if key in seen:
                continue
            seen.add(key)
            units.append(Unit(hit=hit, first=first, last=i, text=text))
    return units


def question_names(question: str) -> list[list[str]]:
    """The stemmed terms of each name of the question (``index.text.names``)."""
    return [stems for stems in (tokenize(n, parts=False) for n in names(question)) if stems]


# What a question asks with, not about: "where" in a passage ("..., where 2.Y is the version")
# says nothing of whether it answers "Where must Python 3 modules be installed?".
ASKING_TERMS = frozenset(tokenize("what which who whom whose when where why how do does did"))


def term_weights(question_terms: Sequence[str], idf: Callable[[str], float]) -> dict[str, float]:
    """Each distinct question term's IDF, looked up once per question; the words that make it
    a question (``ASKING_TERMS``) left out."""
    return {t: idf(t) for t in dict.fromkeys(question_terms) if t not in ASKING_TERMS}


def overlap(weights: dict[str, float], text: str) -> float:
    """IDF-weighted share of the question's distinct terms (``term_weights``) in ``text``."""
    total = sum(weights.values())
    if not total:
        return 0.0
    have = set(tokenize(text))
    return sum(w for t, w in weights.items() if t in have) / total


def score_units(
    units: Sequence[Unit],
    question: str,
    query_vector: np.ndarray,
    unit_vectors: np.ndarray,
    idf: Callable[[str], float],
    across: float = 0.0,
) -> list[Unit]:
    """Each unit with its cosine (plus ``across`` when most of its words are in another
    alphabet than most of the question's) and its share of the question's terms."""
    weights = term_weights(tokenize(question), idf)
    cosines = unit_vectors @ query_vector if len(units) else np.zeros(0)
    asked = alphabet(question)
    return [
        Unit(
            u.hit,
            u.first,
            u.last,
            u.text,
            float(c) + _across(asked, u.text, across),
            overlap(weights, u.text),
        )
        for u, c in zip(units, cosines, strict=True)
    ]


def _across(asked: str, text: str, across: float) -> float:
    if not across or not asked:
        return 0.0
    written = alphabet(text)
    return across if written and written != asked else 0.0


def quoted(eligible: Sequence[Unit], question: str) -> list[Unit]:
    """What to quote of the units above the threshold: the best by :func:`rank_score`, with the
    runner-up when it is as good and says something else."""
    ranked = sorted(eligible, key=lambda u: -rank_score(u, question))
    best = ranked[0]
    chosen = [continued(best)]
    for u in ranked[1:]:
        margin = rank_score(best, question) - rank_score(u, question)
        if margin > SECOND_MARGIN or u.overlap < best.overlap:
            break
        if u.hit.chunk.id == best.hit.chunk.id or _same_text(u, chosen):
            continue
        chosen.append(continued(u))
        break
    return chosen


def read_again(
    cross: CrossScores, question: str, eligible: Sequence[Unit], depth: int = CROSS_UNITS
) -> list[Unit]:
    """The best ``depth`` of ``eligible`` (by :func:`rank_score`), each with the
    cross-encoder's logit, read after the sentence before it (what "They ..." refers to); the
    units below them are not quoted."""
    head = sorted(eligible, key=lambda u: -rank_score(u, question))[:depth]
    logits = cross(question, [with_context(u) for u in head])
    return [dataclasses.replace(u, cross=float(x)) for u, x in zip(head, logits, strict=True)]


def with_context(unit: Unit) -> str:
    """The unit's text after the sentence before it in its passage, if any."""
    chunk = unit.hit.chunk
    spans = sentence_spans(chunk)
    start = spans[max(unit.first - 1, 0)][0]
    return chunk.text[start : spans[unit.last][1]]


def rank_score(unit: Unit, question: str) -> float:
    """Which eligible unit to quote: its score, nudged by the kind of answer asked for, and by
    the cross-encoder's reading when it read the unit."""
    score = unit.score
    if _holds_field_asked(unit, question):
        score += ANSWER_TYPE_BONUS
    bonus = term_bonus(question, unit.term)
    if bonus is not None:  # a definition the question names: the cross-encoder misreads it
        return score + bonus
    if unit.cross is not None:
        score += CROSS_WEIGHT * unit.cross
    if asks_for_number(question) and any(ch.isdigit() for ch in unit.text):
        score += ANSWER_TYPE_BONUS
    if asks_for_name(question) and _names_something_new(unit.text, question):
        score += ANSWER_TYPE_BONUS
    if asks_for_technical(question) and _writes_something_technical(unit, question):
        score += ANSWER_TYPE_BONUS
    if _reads_as_heading(unit):
        score -= HEADING_PENALTY
    return score


def _reads_as_heading(unit: Unit) -> bool:
    """No final punctuation, and not a line of code, a definition ("6: Error in one of the
    documents") or what introduces code ("... you can use disable_warnings:")."""
    text = unit.text.rstrip()
    return not (
        ends_sentence(text) or unit.ends_in_code or unit.term is not None or text.endswith(":")
    )


def _holds_field_asked(unit: Unit, question: str) -> bool:
    """True when the question asks for what the unit's entry field holds ("What is the default
    ...?" and "Default: None"; "What does ... return?" and "Returns: ..."), or for a default the
    unit states in prose ("By default, it will keep ...")."""
    if unit.field is not None:
        return asks_for_field(question, unit.field)
    return asks_for_field(question, "default") and _STATES_DEFAULT.search(unit.text) is not None


def _writes_something_technical(unit: Unit, question: str) -> bool:
    """True when the unit quotes code or names a technical phrase (``bot.answering.technical``)
    the question does not: what "how do I ...?" and "which option ...?" ask for."""
    return unit.quotes_code or any(p not in question for p in unit.phrases)


def _names_something_new(text: str, question: str) -> bool:
    """True when ``text`` quotes a phrase the question does not contain ("Make love not spam"):
    what a "what was the name of ...?" question asks for."""
    asked = question.lower()
    return any(q.strip().lower() not in asked for q in _QUOTED.findall(text))


def continued(unit: Unit) -> Unit:
    """The unit plus the next sentence of its passage when that sentence goes on about the
    same thing: it leans on this one ("They ...", very short), or it starts with a name this
    one mentions ("Keys, who will sing ..." after "... Alicia Keys is to open ...")."""
    chunk = unit.hit.chunk
    j = unit.end + 1
    spans = sentence_spans(chunk)
    if j >= len(spans):
        return unit
    a, b = spans[j]
    if b - spans[unit.first][0] > CONTINUE_CHARS:
        return unit
    following = chunk.text[a:b]
    words = WORD.findall(following)
    first_word = words[0].strip("'’") if words else ""
    here = chunk.text[spans[unit.last][0] : spans[unit.end][1]]
    names_it = first_word.lower() not in _NOT_NAMES and first_word in names(here)
    if leans_on_previous(following) or names_it:
        return dataclasses.replace(unit, extra=unit.extra + 1)
    return unit


def _repeats(unit: Unit, avoided: set[str]) -> bool:
    return any(unit.key in a or a in unit.key for a in avoided if a)


def _same_text(unit: Unit, chosen: Sequence[Unit]) -> bool:
    """True when ``unit`` repeats (part of) what a chosen unit, with its continuation, cites."""
    for c in chosen:
        cited = normalize(c.cited_text)
        if unit.key in cited or cited in unit.key:
            return True
    return False
