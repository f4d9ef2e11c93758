"""What a question asks for: its kind ("who", "when", "how many", ...), the noun it names
after its question word ("what *city*", "how many *people*") and its content lemmas; and
whether it asks for a number or a name (composition prefers a sentence that has one).

The kind decides whether a phrase can answer at all ("why" and "how" questions and yes/no
questions are answered with sentences) and, in the phrase model, which kinds of phrase fit."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import TYPE_CHECKING

from bot.answering.language import parse_once
from index.text import tokenize

if TYPE_CHECKING:
    from spacy.tokens import Doc, Token

KINDS = (
    "who", "when", "where", "howmany", "howmuch", "howlong", "what", "why", "how", "yesno",
    "other",
)  # fmt: skip
NO_PHRASE = frozenset({"why", "how", "yesno"})  # answered by a sentence, not a phrase

_TIME_NOUNS = r"(year|years|date|day|month|century|decade|time|period|era|season|age)"
_PLACE_NOUNS = r"(city|country|town|place|region|state|continent|island|river|location|area)"
_PATTERNS: tuple[tuple[re.Pattern[str], str], ...] = tuple(
    (re.compile(p, re.IGNORECASE), kind)
    for p, kind in (
        (r"\bhow (many|much) (money|dollars|pounds|euros)\b", "howmuch"),
        (r"\bhow many\b", "howmany"),
        (r"\bhow (much|big|large|far|tall|high|fast|heavy|wide|deep)\b", "howmuch"),
        (r"\bhow (long|old|often)\b", "howlong"),
        (rf"\b(what|which) {_TIME_NOUNS}\b", "when"),
        (r"\bwhen\b", "when"),
        (rf"\b(what|which) {_PLACE_NOUNS}\b", "where"),
        (r"\bwhere\b", "where"),
        (r"\bwho(m|se)?\b", "who"),
        (r"\bwhy\b", "why"),
        (r"\bhow\b", "how"),
        (r"\b(what|which)\b", "what"),
        (r"^(is|are|was|were|do|does|did|can|could|has|have|had|will|would|should)\b", "yesno"),
    )
)
_ASKS_FOR_NUMBER = re.compile(
    r"\b(how (many|much|old|long|far|often|big|large)|what (year|number|percentage|share))\b",
    re.IGNORECASE,
)
_ASKS_FOR_NAME = re.compile(r"\b(name[sd]?|called|titled?)\b", re.IGNORECASE)
# "How do I ...?" and "Which function/option/file ...?": technical text answers with an API, an
# option, a file or a line of code
_HOW_TO = re.compile(r"^\s*how (do|can|should|would|could) (i|we|you|one)\b", re.IGNORECASE)
_ASKS_FOR_TECHNICAL = re.compile(
    rf"{_HOW_TO.pattern}|\b(what|which) (\w+ ){{0,2}}?"
    r"(function|method|class|option|flag|switch|argument|parameter|variable|macro|header|file|"
    r"module|package|library|command|key|setting|keyword|exception|constant|field|attribute|"
    r"decorator|hook|path|directory|extension|processor|handler|call)s?\b",
    re.IGNORECASE,
)
_STOP_POS = frozenset({"DET", "ADP", "AUX", "PRON", "CCONJ", "SCONJ", "PART", "PUNCT", "SPACE"})
_WH = frozenset("what which who whom whose when where why how".split())


@dataclass(frozen=True)
class Asked:
    text: str
    kind: str
    noun: str  # the lemma of the noun after the question word ("city"), or ""
    lemmas: frozenset[str]  # content lemmas, lower case
    names: tuple[str, ...] = ()  # proper nouns ("Warsaw", "Abdikazimov")


def kind_of(question: str) -> str:
    """The question's kind: the earliest question word decides ("In what year ..." -> when)."""
    best: tuple[int, int, str] | None = None
    for order, (pattern, kind) in enumerate(_PATTERNS):
        m = pattern.search(question.strip())
        if m and (best is None or (m.start(), order) < best[:2]):
            best = (m.start(), order, kind)
    return best[2] if best else "other"


def asks_for_number(question: str) -> bool:
    """True for "how many/much/old/long/...", "what year/number/percentage/share" anywhere, but
    in "how do I ...?" ("How do I count how many times -v was passed?" asks for a way)."""
    return _ASKS_FOR_NUMBER.search(question) is not None and not asks_how_to(question)


def asks_how_to(question: str) -> bool:
    """True for "how do I ...?", "how can we ...?"."""
    return _HOW_TO.match(question) is not None


def asks_for_technical(question: str) -> bool:
    """True for "how do I ...?" and for "which/what function, option, file ... ?"."""
    return _ASKS_FOR_TECHNICAL.search(question) is not None


def asks_for_name(question: str) -> bool:
    """True when the question asks what something is named, called or titled."""
    return _ASKS_FOR_NAME.search(question) is not None


def asked(question: str) -> Asked:
    doc = parse_once(question)
    names = tuple(t.text for t in doc if t.pos_ == "PROPN" and _written_as_name(t))
    return Asked(question, kind_of(question), _wh_noun(doc), frozenset(content_lemmas(doc)), names)


def _written_as_name(token: Token) -> bool:
    """A proper noun as the question writes it: not a question word, and not a lower-case word
    (the small English model tags "mean" in "What does exit status 6 mean?" and "keyword" as
    proper nouns; a tool's lower-case name, "xsltproc", is often only in its page's title)."""
    text = token.text
    return token.lower_ not in _WH and not (text.isalpha() and text.islower())


def content_lemmas(doc: Doc) -> list[str]:
    return [lemma(t) for t in doc if is_content(t)]


def is_content(token: Token) -> bool:
    return (
        token.pos_ not in _STOP_POS
        and not token.is_stop
        and any(c.isalnum() for c in token.text)
        and token.lower_ not in _WH
    )


def lemma(token: Token) -> str:
    return str(token.lemma_).lower()


def _wh_noun(doc: Doc) -> str:
    """The noun a "what/which/how many" question names: the head of the question word's phrase
    ("What *city* ...", "How many *people* ..."); "" when there is none."""
    for token in doc:
        asks = token.lower_ in ("what", "which", "many", "much")
        if asks and token.head.pos_ in ("NOUN", "PROPN") and token.head.i > token.i:
            return lemma(token.head)
    return ""


def asks_for_field(question: str, label: str) -> bool:
    """True when ``question`` asks for what a reference entry's field of ``label`` holds
    ("What is the default ...?", "... by default?" and "Default: None"; "What does ... return?"
    and "Returns: ...")."""
    field = tokenize(label)
    return bool(field) and field[0] in tokenize(question)
