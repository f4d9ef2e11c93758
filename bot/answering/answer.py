"""Answers: the sentences of the documents that answer a question, each cited.

Composition (no language model; every word of an answer is quoted from the documents):

1. The candidates are the sentences of the fused top passages (``Hit``s), as the chunker split
   them (``Chunk.sentences``). A sentence that leans on its predecessor (it starts with a
   pronoun such as "They"/"This", or is too short to stand alone) is a unit together with
   that predecessor, so "They will be managed by oblast Akims" is judged and quoted with the
   sentence that says what "they" are.
2. Each unit is scored against the (resolved) question: the cosine of the same embedding model
   plus ``OVERLAP_WEIGHT`` times the IDF-weighted share of the question's stemmed terms
   (``index.sparse.tokenize``) that the unit contains. A question term that appears nowhere in
   the collection carries the largest weight, so "... in Uzbekistan?" over a collection with
   no Uzbekistan loses a large part of its overlap.
3. The question is answered if the best unit's score reaches ``min_answer_score`` (see
   ``benchmarks/RESULTS.md`` for how that threshold was calibrated); otherwise the answer says the
   documents do not cover it, cites nothing and lists the closest passages as ``related``.
   Among the units above the threshold, the one quoted is chosen with small nudges that never
   change found/not-found: a "how many" question prefers a sentence with a number, a "what is
   the name" question one that quotes a name in quotation marks, a heading
   (no final punctuation) is a poor answer. The chosen unit takes the next sentence along when
   that one goes on about the same subject ("Keys, who will sing ...").
4. The answer text is the unit followed by ``[n]``; citation ``n`` quotes a window of whole
   sentences (~500 characters) around it, with ``highlight`` on the cited text. :func:`check`
   verifies that every marker maps to a citation whose quote contains the cited text.
"""

from __future__ import annotations

import dataclasses
import re
import threading
import weakref
from collections import OrderedDict
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np

from bot.answering.errors import AnswerCheckError
from index.sparse import tokenize
from index.units import WORD, leans_on_previous, sentence_spans, unit_bounds

if TYPE_CHECKING:
    from index.chunking import Chunk
    from index.embedding import Embedder
    from index.retriever import Hit, Index

NOT_FOUND_TEXT = "The documents do not cover this question."

# The "not in the documents" threshold: 0.2 sits between the far off-topic maximum and the
# lowest must-answer score on the seed; how it was measured, and why big general collections
# want 0.4-0.5: benchmarks/RESULTS.md, "Answer threshold".
DEFAULT_MIN_SCORE = 0.2
OVERLAP_WEIGHT = 0.3
QUOTE_CHARS = 500  # a quote grows by whole sentences around the cited text up to this length
RELATED = 3  # closest passages offered when nothing answers
ANSWER_TYPE_BONUS = 0.1  # ranking only: "how many ...?" prefers a sentence with a number,
# "what is the name of ...?" one that quotes a name
HEADING_PENALTY = 0.3  # ranking only: a title or caption (no final punctuation) rarely answers
CONTINUE_CHARS = 450  # a following sentence is added only while the cited text stays this short
SECOND_MARGIN = 0.02  # a second unit is cited when this close to the best, with as much overlap

_MARKER = re.compile(r"\s*\[(\d+)\]")
_NUMERIC_QUESTION = re.compile(
    r"\b(how (many|much|old|long|far|often|big|large)|what (year|number|percentage|share))\b",
    re.IGNORECASE,
)
_NAME_QUESTION = re.compile(r"\b(name[sd]?|called|titled?)\b", re.IGNORECASE)
_QUOTED = re.compile(r"[\"“‘«]([^\"”’»]{2,80})[\"”’»]")
_TERMINAL = re.compile(r"[.!?…][\"'”’»)\]]*$")
_NOT_NAMES = frozenset("the a an in on at for of to by as and but".split())


@dataclass(frozen=True)
class Citation:
    """Source ``n`` of an answer: a passage quoted from ``source``.

    ``quote`` is the passage cut to a readable length around the cited sentence(s);
    ``quote[highlight[0]:highlight[1]]`` is the cited text, verbatim.
    """

    n: int
    source: str  # relative to the documents folder
    location: str  # "paragraph 4", "page 2", ...
    quote: str
    highlight: tuple[int, int]
    score: float
    chunk_id: str
    title: str = ""  # the document's title, as retrieval used it

    @property
    def cited(self) -> str:
        return self.quote[self.highlight[0] : self.highlight[1]]


@dataclass(frozen=True)
class ShortAnswer:
    """The phrase that answers, quoted: ``citations[n - 1].quote[start:end] == text``, inside
    the text that citation highlights."""

    text: str
    n: int
    start: int
    end: int
    confidence: float = 0.0  # the phrase model's probability

    def to_json(self) -> dict[str, object]:
        return {"text": self.text, "n": self.n, "start": self.start, "end": self.end}


@dataclass(frozen=True)
class Answer:
    question: str  # as asked
    resolved: str  # as searched, after resolving a follow-up against the conversation
    text: str  # the answer with [n] markers, or the "not in the documents" sentence
    found: bool
    citations: tuple[Citation, ...] = ()
    related: tuple[str, ...] = field(default=())  # closest topics when not found
    score: float = 0.0  # the best unit's score, compared with ``min_answer_score``
    short: ShortAnswer | None = None  # the answering phrase, when the question asks for one
    confidence: float | None = None  # the answerability model's probability, when it ran

    def to_json(self) -> dict[str, object]:
        """Every field of a plain :class:`Answer` as JSON values (a subclass such as
        ``CheckedAnswer`` gives its ``Answer`` fields only); :meth:`from_json` reads it back."""
        short = self.short
        return {
            "question": self.question,
            "resolved": self.resolved,
            "text": self.text,
            "found": self.found,
            "citations": [
                {
                    "n": c.n,
                    "source": c.source,
                    "location": c.location,
                    "quote": c.quote,
                    "highlight": [int(c.highlight[0]), int(c.highlight[1])],
                    "score": float(c.score),
                    "chunk_id": c.chunk_id,
                    "title": c.title,
                }
                for c in self.citations
            ],
            "related": list(self.related),
            "score": float(self.score),
            "short": None
            if short is None
            else {
                "text": short.text,
                "n": short.n,
                "start": short.start,
                "end": short.end,
                "confidence": float(short.confidence),
            },
            "confidence": None if self.confidence is None else float(self.confidence),
        }

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Answer:
        """The answer :meth:`to_json` wrote (always a plain :class:`Answer`)."""
        short = data.get("short")
        return Answer(
            question=data["question"],
            resolved=data["resolved"],
            text=data["text"],
            found=bool(data["found"]),
            citations=tuple(
                Citation(**{**c, "highlight": tuple(c["highlight"])}) for c in data["citations"]
            ),
            related=tuple(data.get("related", ())),
            score=float(data.get("score", 0.0)),
            short=ShortAnswer(**short) if short is not None else None,
            confidence=data.get("confidence"),
        )


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
    def cited_text(self) -> str:
        """What quoting this unit cites: its sentences with those it continues into."""
        chunk = self.hit.chunk
        spans = sentence_spans(chunk)
        return chunk.text[spans[self.first][0] : spans[self.end][1]]


def normalize(text: str) -> str:
    return " ".join(text.split())


# --- collection statistics -----------------------------------------------------------------


class Stats:
    """What composition needs to know about the whole collection: how many passages use a
    stemmed term (for IDF), and whether a file uses it at all (for the name rule)."""

    def __init__(
        self,
        passages: int,
        df: Callable[[str], int],
        in_source: Callable[[str, str], bool],
    ) -> None:
        self.passages = max(passages, 1)
        self.df = df
        self.in_source = in_source

    def idf(self, term: str) -> float:
        """IDF over the passages; a term the collection never uses gets the largest IDF."""
        return float(np.log(1.0 + (self.passages + 0.5) / (self.df(term) + 0.5)))

    def names_missing(self, names: Sequence[Sequence[str]], source: str) -> bool:
        """True when a name of the question does not occur in ``source`` at all."""
        return any(not all(self.in_source(s, source) for s in name) for name in names)


_stats_cache: weakref.WeakKeyDictionary[Index, Stats] = weakref.WeakKeyDictionary()
_stats_lock = threading.Lock()


def stats_of(index: Index) -> Stats:
    """Statistics read straight from the index's BM25 term matrix (same tokenizer), so nothing
    is re-tokenised: for 100k chunks that saved ~220 MB and seconds on the first question."""
    with _stats_lock:
        stats = _stats_cache.get(index)
        if stats is None:
            ids: dict[str, int] = {}
            owner = np.fromiter(
                (ids.setdefault(c.source, len(ids)) for c in index.chunks),
                dtype=np.int32,
                count=len(index.chunks),
            )
            sparse = index.sparse

            def in_source(term: str, source: str) -> bool:
                sid = ids.get(source)
                return sid is not None and bool(np.any(owner[sparse.rows_with(term)] == sid))

            stats = Stats(len(index.chunks), sparse.document_frequency, in_source)
            _stats_cache[index] = stats
        return stats


def collection_stats(chunks: Iterable[Chunk], titles: bool = False) -> Stats:
    """The same statistics computed from chunks (for passages not in an index), over what
    BM25 reads (``Chunk.search_text``: with the document's title when ``titles``)."""
    df: dict[str, int] = {}
    per_source: dict[str, set[str]] = {}
    n = 0
    for chunk in chunks:
        n += 1
        terms = set(tokenize(chunk.search_text(titles)))
        per_source.setdefault(chunk.source, set()).update(terms)
        for term in terms:
            df[term] = df.get(term, 0) + 1
    return Stats(
        n,
        lambda term: df.get(term, 0),
        lambda term, source: term in per_source.get(source, set()),
    )


def question_names(question: str) -> list[list[str]]:
    """Stemmed terms of the capitalised words after the first one ("Uzbekistan", "FBI")."""
    words = WORD.findall(question)[1:]
    out: list[list[str]] = []
    for word in words:
        if word[:1].isupper() and word != "I":
            stems = tokenize(word)
            if stems:
                out.append(stems)
    return out


def term_weights(question_terms: Sequence[str], idf: Callable[[str], float]) -> dict[str, float]:
    """Each distinct question term's IDF, looked up once per question."""
    return {t: idf(t) for t in dict.fromkeys(question_terms)}


def overlap(weights: dict[str, float], text: str) -> float:
    """IDF-weighted share of the question's distinct terms (``term_weights``) in ``text``."""
    total = sum(weights.values())
    if not total:
        return 0.0
    have = set(tokenize(text))
    return sum(w for t, w in weights.items() if t in have) / total


# --- sentence vectors ----------------------------------------------------------------------


class VectorCache:
    """Sentence vectors by text (bounded, LRU): the same passages come back question after
    question, so most answers encode only the query."""

    def __init__(self, size: int = 20_000) -> None:
        self.size = size
        self._rows: OrderedDict[tuple[str, str], np.ndarray] = OrderedDict()
        self._lock = threading.Lock()

    def encode(self, embedder: Embedder, texts: Sequence[str]) -> np.ndarray:
        model = getattr(embedder, "model_id", "")
        with self._lock:
            missing = [t for t in dict.fromkeys(texts) if (model, t) not in self._rows]
        if missing:
            vectors = embedder.encode(missing)
            with self._lock:
                for text, vector in zip(missing, vectors, strict=True):
                    self._rows[(model, text)] = vector
                while len(self._rows) > self.size:
                    self._rows.popitem(last=False)
        with self._lock:
            rows = []
            for t in texts:
                self._rows.move_to_end((model, t))
                rows.append(self._rows[(model, t)])
        return np.stack(rows) if rows else np.zeros((0, 1), dtype=np.float32)


# --- composition ---------------------------------------------------------------------------


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


def unit_vectors(
    units: Sequence[Unit],
    embedder: Embedder,
    cache: VectorCache | None,
    stored: Callable[[int], np.ndarray | None] | None,
) -> np.ndarray:
    """Each unit's vector: stored with the index at build time (``Index.unit_vectors``, by the
    hit's row), else encoded now (through ``cache``) - only for hits not from an index."""
    blocks: dict[int, np.ndarray | None] = {}
    rows: list[np.ndarray | None] = []
    for u in units:
        row = u.hit.row
        if stored is not None and row >= 0 and row not in blocks:
            blocks[row] = stored(row)
        block = blocks.get(row)
        rows.append(block[u.last] if block is not None and u.last < len(block) else None)
    missing = [i for i, r in enumerate(rows) if r is None]
    if missing:
        encoded = (cache or VectorCache()).encode(embedder, [units[i].text for i in missing])
        for i, vector in zip(missing, encoded, strict=True):
            rows[i] = vector
    return np.stack([np.asarray(r, dtype=np.float32) for r in rows if r is not None])


def score_units(
    units: Sequence[Unit],
    question: str,
    query_vector: np.ndarray,
    unit_vectors: np.ndarray,
    idf: Callable[[str], float],
) -> list[Unit]:
    weights = term_weights(tokenize(question), idf)
    cosines = unit_vectors @ query_vector if len(units) else np.zeros(0)
    return [
        Unit(u.hit, u.first, u.last, u.text, float(c), overlap(weights, u.text))
        for u, c in zip(units, cosines, strict=True)
    ]


@dataclass(frozen=True)
class Choice:
    """What composition found among the hits: every candidate unit (best score first) and the
    unit(s) it would quote (best first; empty when none reaches ``min_score``)."""

    scored: tuple[Unit, ...]
    chosen: tuple[Unit, ...]

    @property
    def score(self) -> float:
        return self.scored[0].score if self.scored else 0.0


@dataclass(frozen=True)
class Reading:
    """What the learned readers made of a choice (``bot.answering.reading``): the answering
    phrase as offsets into the best unit's cited text, and whether the passage answers."""

    phrase: tuple[int, int, float] | None  # start, end, the phrase model's probability
    confidence: float  # the answerability model's probability
    answers: bool  # confidence reached the threshold


Read = Callable[[str, Choice], Reading]


def compose(
    question: str,
    resolved: str,
    hits: Sequence[Hit],
    query_vector: np.ndarray,
    embedder: Embedder,
    stats: Stats,
    min_score: float = DEFAULT_MIN_SCORE,
    avoid: Iterable[str] = (),
    cache: VectorCache | None = None,
    stored: Callable[[int], np.ndarray | None] | None = None,
    read: Read | None = None,
) -> Answer:
    """The answer to ``resolved`` from ``hits``: the best unit(s) (:func:`choose`), cited, or
    "not in the documents". With ``read``, the short answer comes from it, and the answer is
    refused when it judges that the chosen passage does not answer."""
    choice = choose(
        question, resolved, hits, query_vector, embedder, stats, min_score, avoid, cache, stored
    )
    if not choice.chosen:
        return not_found(question, resolved, hits, choice.score)
    reading = read(resolved, choice) if read is not None else None
    if reading is not None and not reading.answers:
        return not_found(question, resolved, hits, choice.score, reading.confidence)
    return cite(question, resolved, choice.chosen, choice.score, reading)


def choose(
    question: str,
    resolved: str,
    hits: Sequence[Hit],
    query_vector: np.ndarray,
    embedder: Embedder,
    stats: Stats,
    min_score: float = DEFAULT_MIN_SCORE,
    avoid: Iterable[str] = (),
    cache: VectorCache | None = None,
    stored: Callable[[int], np.ndarray | None] | None = None,
) -> Choice:
    """The best-scoring unit(s) of ``hits`` for ``resolved``.

    A unit from a file that never mentions a name the question uses ("... in Uzbekistan?")
    cannot answer. ``avoid`` holds texts already given as answers in this conversation; a unit
    that repeats one is chosen only when nothing else reaches the threshold.
    """
    names = question_names(question)
    missing = {h.chunk.source: stats.names_missing(names, h.chunk.source) for h in hits}
    units = [u for u in candidate_units(hits) if not missing[u.hit.chunk.source]]
    if not units:
        return Choice((), ())
    vectors = unit_vectors(units, embedder, cache, stored)
    scored = sorted(
        score_units(units, resolved, query_vector, vectors, stats.idf), key=lambda u: -u.score
    )
    avoided = {normalize(t) for t in avoid}
    fresh = [u for u in scored if not _repeats(u, avoided)]
    pool = fresh if fresh and fresh[0].score >= min_score else scored
    eligible = [u for u in pool if u.score >= min_score]
    if not eligible:
        return Choice(tuple(pool), ())
    ranked = sorted(eligible, key=lambda u: -rank_score(u, resolved))
    best = ranked[0]
    chosen = [continued(best)]
    for u in ranked[1:]:
        margin = rank_score(best, resolved) - rank_score(u, resolved)
        if margin > SECOND_MARGIN or u.overlap < best.overlap:
            break
        if u.hit.chunk.id == best.hit.chunk.id or _same_text(u, chosen):
            continue
        chosen.append(continued(u))
        break
    return Choice(tuple(pool), tuple(chosen))


def rank_score(unit: Unit, question: str) -> float:
    """Which eligible unit to quote: its score, nudged by the kind of answer asked for."""
    score = unit.score
    if _NUMERIC_QUESTION.search(question) and any(ch.isdigit() for ch in unit.text):
        score += ANSWER_TYPE_BONUS
    if _NAME_QUESTION.search(question) and _names_something_new(unit.text, question):
        score += ANSWER_TYPE_BONUS
    if not _TERMINAL.search(unit.text.rstrip()):
        score -= HEADING_PENALTY
    return score


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
    mentioned = [w.strip("'’") for w in WORD.findall(here)[1:]]
    names_it = (
        first_word[:1].isupper()
        and first_word.lower() not in _NOT_NAMES
        and first_word in mentioned
    )
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


def cite(
    question: str,
    resolved: str,
    units: Sequence[Unit],
    score: float,
    reading: Reading | None = None,
) -> Answer:
    parts: list[str] = []
    citations: list[Citation] = []
    for n, unit in enumerate(units, start=1):
        citation = quote(unit, n)
        citations.append(citation)
        parts.append(f"{normalize(citation.cited)} [{n}]")
    answer = Answer(
        question=question,
        resolved=resolved,
        text=" ".join(parts),
        found=True,
        citations=tuple(citations),
        score=round(score, 4),
        short=short_answer(citations[0], reading),
        confidence=None if reading is None else round(reading.confidence, 4),
    )
    check(answer)
    return answer


def short_answer(citation: Citation, reading: Reading | None) -> ShortAnswer | None:
    """The reading's phrase placed in citation's quote (its offsets are into the cited text)."""
    if reading is None or reading.phrase is None:
        return None
    start, end, probability = reading.phrase
    a = citation.highlight[0]
    text = citation.quote[a + start : a + end]
    return ShortAnswer(text, citation.n, a + start, a + end, round(probability, 4))


def quote(unit: Unit, n: int) -> Citation:
    """Citation ``n``: whole sentences around the unit, up to ``QUOTE_CHARS``."""
    chunk: Chunk = unit.hit.chunk
    spans = sentence_spans(chunk)
    lo, hi = unit.first, unit.end
    start, end = spans[lo][0], spans[hi][1]
    grew = True
    while grew:
        grew = False
        if lo > 0 and spans[hi][1] - spans[lo - 1][0] <= QUOTE_CHARS:
            lo -= 1
            grew = True
        if hi + 1 < len(spans) and spans[hi + 1][1] - spans[lo][0] <= QUOTE_CHARS:
            hi += 1
            grew = True
    q0 = spans[lo][0]
    text = chunk.text[q0 : spans[hi][1]]
    return Citation(
        n=n,
        source=chunk.source,
        location=chunk.location(unit.last),
        quote=text,
        highlight=(start - q0, end - q0),
        score=round(unit.score, 4),
        chunk_id=chunk.id,
        title=chunk.title,
    )


def not_found(
    question: str,
    resolved: str,
    hits: Sequence[Hit],
    score: float = 0.0,
    confidence: float | None = None,
) -> Answer:
    """The documents do not answer: cite nothing, offer the closest passages as related."""
    related: list[str] = []
    for hit in hits:
        where = ", ".join(p for p in (hit.chunk.source, hit.chunk.location()) if p)
        if where not in related:
            related.append(where)
        if len(related) >= RELATED:
            break
    answer = Answer(
        question=question,
        resolved=resolved,
        text=NOT_FOUND_TEXT,
        found=False,
        related=tuple(related),
        score=round(score, 4),
        confidence=None if confidence is None else round(confidence, 4),
    )
    check(answer)
    return answer


def check(answer: Answer) -> None:
    """Raise AnswerCheckError unless every [n] maps to citation n, whose quote contains the
    text cited before that marker, and every citation is cited."""
    markers = list(_MARKER.finditer(answer.text))
    if not answer.found:
        if answer.citations or markers or answer.short:
            raise AnswerCheckError(answer.question, "a not-found answer cites sources")
        return
    if not answer.citations or not markers:
        raise AnswerCheckError(answer.question, "an answer without citations")
    by_n = {c.n: c for c in answer.citations}
    if len(by_n) != len(answer.citations):
        raise AnswerCheckError(answer.question, "two citations share a number")
    used: set[int] = set()
    pos = 0
    for m in markers:
        n = int(m.group(1))
        citation = by_n.get(n)
        if citation is None:
            raise AnswerCheckError(answer.question, f"[{n}] has no citation")
        a, b = citation.highlight
        if not (0 <= a < b <= len(citation.quote)):
            raise AnswerCheckError(answer.question, f"citation {n} highlights outside its quote")
        said = normalize(answer.text[pos : m.start()])
        if not said or normalize(citation.cited) != said:
            raise AnswerCheckError(
                answer.question, f"the text before [{n}] is not the sentence citation {n} quotes"
            )
        used.add(n)
        pos = m.end()
    if normalize(answer.text[pos:]):
        raise AnswerCheckError(answer.question, "the answer ends with uncited text")
    if used != set(by_n):
        raise AnswerCheckError(answer.question, "a citation is listed but never cited")
    if answer.short is not None:
        _check_short(answer, answer.short, by_n)


def _check_short(answer: Answer, short: ShortAnswer, by_n: dict[int, Citation]) -> None:
    citation = by_n.get(short.n)
    if citation is None:
        raise AnswerCheckError(answer.question, f"the short answer cites [{short.n}], not listed")
    a, b = citation.highlight
    if not (a <= short.start < short.end <= b):
        raise AnswerCheckError(answer.question, "the short answer lies outside its cited text")
    if citation.quote[short.start : short.end] != short.text:
        raise AnswerCheckError(answer.question, "the short answer is not quoted verbatim")
