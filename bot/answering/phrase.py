"""The short answer: the phrase of a cited sentence that answers the question ("oblast Akims
(Governors)"), chosen among spaCy's named entities, noun chunks and small dependency subtrees
by a learned linear model (``weights/phrase.json``, trained by ``training.learn``).

Every candidate is a span of the cited text itself, so the short answer is quoted verbatim.
Features: the question's kind against the span's entity type or shape, how near the span sits
to the question's words in the sentence, whether it repeats them, its dependency role, its
length. Questions asking "why" or "how", and yes/no questions, get no phrase."""

from __future__ import annotations

import itertools
from collections.abc import Iterator
from dataclasses import dataclass
from functools import lru_cache
from typing import TYPE_CHECKING

from bot.answering.asking import NO_PHRASE, Asked, is_content, lemma
from bot.answering.language import parse
from bot.answering.linear import WEIGHTS, LinearModel
from bot.answering.technical import technical_kind, technical_spans

if TYPE_CHECKING:
    from spacy.tokens import Doc, Span, Token

MAX_TOKENS = 10  # a longer span is a clause, not a phrase
MAX_TECHNICAL_TOKENS = 24  # spaCy cuts a path or a call into many tokens
WINDOW = 6  # tokens either side of a span read as its context
_GROUPS = {
    "PERSON": "person",
    "ORG": "org",
    "GPE": "place",
    "LOC": "place",
    "FAC": "place",
    "NORP": "group",
    "DATE": "date",
    "TIME": "date",
    "CARDINAL": "number",
    "QUANTITY": "number",
    "PERCENT": "number",
    "MONEY": "money",
    "ORDINAL": "ordinal",
}
_DEPS = frozenset(
    "nsubj nsubjpass dobj pobj attr appos conj compound npadvmod ROOT nmod amod dative oprd "
    "acomp pcomp advmod".split()
)


@dataclass(frozen=True)
class Phrase:
    text: str
    start: int  # character offsets in the parsed text
    end: int
    probability: float


@lru_cache(maxsize=1)
def model() -> LinearModel:
    return LinearModel.load(WEIGHTS / "phrase.json")


# Two nested phrases this close in probability are a tie the model cannot settle ("oblast Akims
# (Governors)" 0.338, "Akims (Governors)" 0.340): the fuller one is shown, as a modifier dropped
# costs a reader more than one kept (squad2_dev6 6-fold, with the cross-encoder: EM / F1 0.356 /
# 0.460 -> 0.359 / 0.461; technical pages EM 0.109 -> 0.113; at 0.02: 0.357 / 0.461).
TIE = 0.01
TEXT_KINDS = ("prose", "technical")  # each has its own threshold for showing a phrase


def text_kind(technical: bool) -> str:
    return TEXT_KINDS[technical]


def shown_from(technical: bool) -> float:
    """The probability from which a phrase is shown in bold: chosen by cross-validation so that
    three in four shown phrases are right (``training.learn``), one threshold for prose and one
    for technical text, where the phrase model is less sure."""
    return model().threshold_for(text_kind(technical))


def best_phrase(question: Asked, text: str, chooser: LinearModel | None = None) -> Phrase | None:
    """The most likely answering phrase of ``text`` (of those within ``TIE`` of it that hold
    it, the longest), or None (no phrase is asked for, or there is no candidate)."""
    ranked = ranked_phrases(question, text, chooser or model())
    return settle(ranked) if ranked else None


def settle(ranked: list[Phrase]) -> Phrase:
    """The best of ``ranked`` (best first), or the longest phrase holding it within ``TIE``."""
    best = ranked[0]
    fuller = [
        p
        for p in ranked[1:]
        if best.probability - p.probability <= TIE and p.start <= best.start and best.end <= p.end
    ]
    return max(fuller, key=lambda p: p.end - p.start, default=best)


def ranked_phrases(question: Asked, text: str, chooser: LinearModel) -> list[Phrase]:
    if question.kind in NO_PHRASE:
        return []
    doc = parse(text)
    spans = candidates(doc, question)
    out = [
        Phrase(span.text, span.start_char, span.end_char, chooser.probability(f))
        for span, f in zip(
            spans, all_features(spans, question, matches(doc, question)), strict=True
        )
    ]
    return sorted(out, key=lambda p: (-p.probability, p.start, p.end))


def all_features(spans: list[Span], question: Asked, matches: list[int]) -> list[dict[str, float]]:
    """Each span's features, with how it compares to the other candidates of its text."""
    rows = [features(s, question, matches) for s in spans]
    for name in ("nearness", "window_share"):
        top = max((r.get(name, 0.0) for r in rows), default=0.0)
        for r in rows:
            r[f"{name}_gap"] = top - r.get(name, 0.0)
            if top > 0 and r.get(name, 0.0) == top:
                r[f"best_{name}"] = 1.0
    return rows


def candidates(doc: Doc, question: Asked | None = None) -> list[Span]:
    """Entities, noun chunks, short subtrees of nouns, numbers and adjectives, and the words
    in front of a noun the question names ("*prefabricated* housing" for "what type of
    housing"), each trimmed of punctuation at its edges; the first of equal spans wins."""
    seen: set[tuple[int, int]] = set()
    out: list[Span] = []
    raw = _raw_candidates(doc)
    words = len(doc) - sum(1 for t in doc if t.is_punct)
    if question is not None:
        raw = itertools.chain(raw, _modifiers(doc, question))
    for span in _technical(doc):
        if len(span) <= MAX_TECHNICAL_TOKENS and whole(span.text) and len(span) < len(doc):
            seen.add((span.start, span.end))
            out.append(span)
    for span in raw:
        trimmed = _trim(span, words)
        if trimmed is None or (trimmed.start, trimmed.end) in seen:
            continue
        seen.add((trimmed.start, trimmed.end))
        out.append(trimmed)
    return out


def _technical(doc: Doc) -> Iterator[Span]:
    """The technical phrases of ``doc`` (``bot.answering.technical``), as spans of its tokens."""
    for start, end in technical_spans(doc.text):
        span = doc.char_span(start, end, alignment_mode="expand")
        if span is not None and span.text == doc.text[start:end]:
            yield span


def _raw_candidates(doc: Doc) -> Iterator[Span]:
    yield from doc.ents
    yield from doc.noun_chunks
    for token in doc:
        if token.pos_ in ("NOUN", "PROPN", "NUM", "ADJ"):
            left, right = token.left_edge.i, token.right_edge.i + 1
            if right - left <= MAX_TOKENS:
                yield doc[left:right]
            yield doc[token.i : token.i + 1]


def _modifiers(doc: Doc, question: Asked) -> Iterator[Span]:
    named = question.lemmas | {question.noun}
    for token in doc:
        if token.pos_ in ("NOUN", "PROPN") and lemma(token) in named:
            left = token.left_edge.i
            while left < token.i and doc[left].pos_ in ("DET", "PRON"):
                left += 1
            if left < token.i:
                yield doc[left : token.i]


def _trim(span: Span, words: int) -> Span | None:
    """``span`` without punctuation at its edges; None when nothing, too much (more than
    ``MAX_TOKENS``, all ``words`` of the text) or half a parenthesis is left."""
    doc = span.doc
    a, b = span.start, span.end
    while a < b and _edge_punct(doc[a], "($£€"):
        a += 1
    while b > a and (_edge_punct(doc[b - 1], ")%") or doc[b - 1].pos_ in _DANGLING):
        b -= 1  # and "TLS 1.2 and" ends at "1.2"
    if b <= a or b - a > MAX_TOKENS or not any(c.isalnum() for c in doc[a:b].text):
        return None
    text = doc[a:b].text
    if text.count("(") > text.count(")") and b < len(doc) and doc[b].text == ")":
        b += 1  # "Akims (Governors" closes its parenthesis
        text = doc[a:b].text
    if b - a == words or not whole(text):
        return None  # the whole sentence, or a piece cut out of a line, quotation or bracket
    return doc[a:b]


def _edge_punct(token: Token, kept: str) -> bool:
    """Punctuation or space a phrase does not start or end with (but the ``kept`` marks)."""
    return (token.is_punct or token.is_space) and token.text not in kept


_DANGLING = frozenset({"CCONJ", "SCONJ", "ADP", "DET"})  # a phrase never ends with one
_PAIRS = (("(", ")"), ("[", "]"), ("{", "}"), ("“", "”"), ("«", "»"))


def whole(text: str) -> bool:
    """True when ``text`` does not cut anything in two: it is on one line, and its brackets and
    quotation marks are closed inside it ("an appropriate\ninterpreter directive, or “shebang"
    is not a phrase). A lone ’ is an apostrophe (the user’s), a lone ‘ opens a quotation."""
    if "\n" in text or text.count('"') % 2 or text.count("‘") > text.count("’"):
        return False
    return all(text.count(o) == text.count(c) for o, c in _PAIRS)


def matches(doc: Doc, question: Asked) -> list[int]:
    """Token positions of the text whose lemma is a content lemma of the question."""
    return [t.i for t in doc if is_content(t) and lemma(t) in question.lemmas]


def features(span: Span, question: Asked, matches: list[int]) -> dict[str, float]:
    q = f"q={question.kind}" + ("_noun" if question.noun else "")
    f: dict[str, float] = {}
    kind = _span_kind(span)
    f[f"{q}|{kind}"] = 1.0
    f[f"c={kind}"] = 1.0
    if any(ch.isdigit() for ch in span.text):
        f[f"{q}|digit"] = 1.0
    f[f"{q}|len={_length_bucket(len(span))}"] = 1.0
    root = span.root
    dep = root.dep_ if root.dep_ in _DEPS else "other"
    f[f"dep={dep}"] = 1.0
    f[f"{q}|dep={dep}"] = 1.0
    f[f"pos={root.pos_}"] = 1.0
    f.update(_overlap_features(span, question, matches))
    f.update(_noun_features(span, question))
    if root.head.i != root.i and lemma(root.head) in question.lemmas:
        f["head_in_question"] = 1.0
    elif root.head.head.i != root.head.i and lemma(root.head.head) in question.lemmas:
        f["grandhead_in_question"] = 1.0
        if root.head.dep_ == "agent":  # "managed by *oblast Akims*" for "who manages"
            f[f"{q}|agent_of_question_verb"] = 1.0
    f["first_is_capital"] = 1.0 if span.text[:1].isupper() else 0.0
    f["in_parentheses"] = 1.0 if span.start > 0 and span.doc[span.start - 1].text == "(" else 0.0
    f[f"{q}|pos={root.pos_}"] = 1.0
    for name in ("nearness", "window_share", "repeats_share", "first_is_capital"):
        if name in f:
            f[f"{q}|{name}"] = f[name]
    return f


def _span_kind(span: Span) -> str:
    technical = technical_kind(span.text)
    if technical is not None:
        return technical
    for ent in span.doc.ents:
        if ent.start == span.start and ent.end == span.end:
            return _GROUPS.get(ent.label_, "entity")
    inside = [e for e in span.ents]
    if inside:
        return "has_" + _GROUPS.get(inside[0].label_, "entity")
    return "noun" if span.root.pos_ in ("NOUN", "PROPN") else span.root.pos_.lower()


def _length_bucket(n: int) -> str:
    return "1" if n == 1 else "2" if n == 2 else "3" if n == 3 else "4-5" if n <= 5 else "6+"


def _overlap_features(span: Span, question: Asked, matches: list[int]) -> dict[str, float]:
    content = [t for t in span if is_content(t)]
    repeated = sum(1 for t in content if lemma(t) in question.lemmas)
    f: dict[str, float] = {}
    if content:
        f["repeats_share"] = repeated / len(content)
        f["repeats_all"] = 1.0 if repeated == len(content) else 0.0
    else:
        f["no_content"] = 1.0
    sentence = span.doc[span.start].sent
    outside = [
        i
        for i in matches
        if (i < span.start or i >= span.end) and sentence.start <= i < sentence.end
    ]
    if not outside:
        f["no_match_in_sentence"] = 1.0
        return f
    distance = min(span.start - i if i < span.start else i - span.end + 1 for i in outside)
    f["nearness"] = 1.0 / distance
    f["adjacent"] = 1.0 if distance <= 1 else 0.0
    lo, hi = span.start - WINDOW, span.end + WINDOW
    near = {lemma(span.doc[i]) for i in outside if lo <= i < hi}
    f["window_share"] = len(near) / max(len(question.lemmas), 1)
    f["after_match"] = 1.0 if min(outside) < span.start else 0.0
    return f


def _noun_features(span: Span, question: Asked) -> dict[str, float]:
    if not question.noun:
        return {}
    f: dict[str, float] = {}
    if any(lemma(t) == question.noun for t in span):
        f["has_asked_noun"] = 1.0
    if span.end < len(span.doc) and lemma(span.doc[span.end]) == question.noun:
        f["before_asked_noun"] = 1.0
    if lemma(span.root) == question.noun:
        f["root_is_asked_noun"] = 1.0
    return f
