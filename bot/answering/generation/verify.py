"""Every sentence of a model's reply checked against the passages it cites.

A sentence is kept only when it cites at least one passage ([n]), every passage it cites was
given, every number and name it uses appears verbatim in the cited passage(s) (a name: a
capitalised word after the first, or a first word spaCy tags as a proper noun), it says "not"
(or "never", "without", "failed", ...) only when a cited passage does so too, and drops none
that the passage sentence most like it says, and its support reaches ``THRESHOLD``:

    support = LEXICAL_WEIGHT * lexical + (1 - LEXICAL_WEIGHT) * semantic

``lexical`` is the share of the sentence's content words (stemmed, stop words out) found in the
cited passages; ``semantic`` the best cosine of the sentence to a cited passage's sentences (or
two neighbouring sentences together), with the engine's own embedding model. The weight and the
threshold were calibrated on ``tests/evals/support_sentences.jsonl``
(``python -m training.calibrate``; benchmarks/RESULTS.md, issue 16).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass

import numpy as np

from bot.answering.answers import MARKER_LIST
from bot.answering.generation.passages import Passage
from index.text import WORD, names, negated, numbers, split_sentences, tokenize

# Calibrated (benchmarks/RESULTS.md, "Generative answers: sentence verification (issue 16)").
LEXICAL_WEIGHT = 1.0
THRESHOLD = 0.87

Encode = Callable[[Sequence[str]], np.ndarray]  # texts -> L2-normalised rows

_MARKERS = re.compile(MARKER_LIST)
_MARKER_RUN = re.compile(rf"(?:\s*{MARKER_LIST})+")
# markers written after the full stop ("... Akims.[1]") move before it, so sentences split
_AFTER_STOP = re.compile(rf"([.!?…])((?:\s*{MARKER_LIST})+)")
_POSSESSIVE = re.compile(r"['’]s$")


@dataclass(frozen=True)
class Drafted:
    """One sentence of the reply: its words without markers, and the passages it cites."""

    text: str
    cites: tuple[int, ...]


@dataclass(frozen=True)
class Support:
    """How well a sentence is supported by the passages it cites."""

    lexical: float
    semantic: float
    missing_numbers: tuple[str, ...] = ()
    missing_names: tuple[str, ...] = ()
    # per cited passage: (n, first, last), its sentence(s) most like the sentence
    best: tuple[tuple[int, int, int], ...] = ()
    polarity: str = ""  # "": agrees; else which side negates what the other does not

    def score(self, weight: float = LEXICAL_WEIGHT) -> float:
        return weight * self.lexical + (1 - weight) * self.semantic


@dataclass(frozen=True)
class Kept:
    text: str
    cites: tuple[int, ...]
    support: Support


@dataclass(frozen=True)
class Dropped:
    """A sentence verification refused; ``reason`` is one of ``REASONS``."""

    sentence: str
    reason: str
    detail: str = ""

    def to_json(self) -> dict[str, str]:
        return {"sentence": self.sentence, "reason": self.reason, "detail": self.detail}


REASONS = ("no_marker", "unknown_passage", "number", "name", "negation", "unsupported")


@dataclass(frozen=True)
class Verdict:
    kept: tuple[Kept, ...]
    dropped: tuple[Dropped, ...]


def split_reply(reply: str) -> list[Drafted]:
    """The reply's sentences, each with the passage numbers it cites (a run of markers at the
    start of a sentence belongs to the one before it)."""
    text = _AFTER_STOP.sub(lambda m: f"{m.group(2)}{m.group(1)}", " ".join(reply.split()))
    pieces = [text[a:b] for a, b in split_sentences(text)]
    merged: list[str] = []
    for piece in pieces:
        lead = _MARKER_RUN.match(piece)
        if lead and merged:
            merged[-1] += " " + lead.group(0).strip()
            piece = piece[lead.end() :]
        if piece.strip():
            merged.append(piece.strip())
    return [_drafted(s) for s in merged]


def _drafted(sentence: str) -> Drafted:
    cites: list[int] = []
    for m in _MARKERS.finditer(sentence):
        cites.extend(int(n) for n in re.split(r"[,;]", m.group(1)))
    words = _MARKERS.sub("", sentence)
    words = re.sub(r"\s+([.,;:!?…])", r"\1", " ".join(words.split()))
    return Drafted(words.strip(), tuple(dict.fromkeys(cites)))


def numbers_of(text: str) -> set[str]:
    """The numbers written in ``text``, as written and without thousands separators."""
    found = set(numbers(text))
    return found | {n.replace(",", "") for n in found}


def names_of(sentence: str) -> list[str]:
    """Capitalised words after the first ("Akims", "Tengrinews", "FBI"), and the first when
    spaCy tags it a proper noun ("Reuters reported ..."); possessives cut."""
    later = names(sentence)
    words = WORD.findall(sentence)
    if words and words[0][:1].isupper() and _proper_noun_first(sentence):
        later.insert(0, words[0])
    return [_POSSESSIVE.sub("", w.strip("'’-")) for w in later]


def _proper_noun_first(sentence: str) -> bool:
    from bot.answering.language import parse

    doc = parse(sentence)
    return len(doc) > 0 and doc[0].pos_ == "PROPN"


def _polarity(sentence: str, cited_text: str, closest: str) -> str:
    """Why negation disagrees: the sentence negates and no cited passage does, or the cited
    sentence most like it negates and the sentence does not ("" when they agree)."""
    if negated(sentence) and not negated(cited_text):
        return "the sentence negates, the cited passage does not"
    if not negated(sentence) and negated(closest):
        return "the cited sentence negates, the sentence does not"
    return ""


def _word_set(text: str) -> set[str]:
    out: set[str] = set()
    for w in WORD.findall(text.lower()):
        w = _POSSESSIVE.sub("", w.strip("'’-"))
        out.add(w)
        out.update(p for p in w.split("-") if p)
    return out


def support_of(sentence: str, cited: Sequence[Passage], encode: Encode) -> Support:
    """What the cited passages say for ``sentence`` (see the module's docstring)."""
    text = " ".join(p.text for p in cited)
    stems = set(tokenize(sentence))
    lexical = len(stems & set(tokenize(text))) / len(stems) if stems else 0.0
    written = numbers_of(text)
    missing = sorted(n for n in set(numbers(sentence)) if not numbers_of(n) & written)
    words = _word_set(text)
    missing_names = [n for n in names_of(sentence) if not _named_in(n, words)]
    windows, texts = _windows(cited)
    vectors = encode([sentence, *texts])
    cosines = vectors[1:] @ vectors[0] if texts else np.zeros(0)
    semantic = float(cosines.max()) if len(cosines) else 0.0
    single = [i for i, (_, a, b) in enumerate(windows) if a == b]
    closest = texts[max(single, key=lambda i: float(cosines[i]))] if single else ""
    return Support(
        lexical,
        semantic,
        tuple(missing),
        tuple(dict.fromkeys(missing_names)),
        _best_per_passage(windows, cosines),
        _polarity(sentence, text, closest),
    )


def _windows(cited: Sequence[Passage]) -> tuple[list[tuple[int, int, int]], list[str]]:
    """Each cited sentence, and each two neighbouring ones together, as (n, first, last) and
    text: what a sentence of the reply is compared with."""
    windows: list[tuple[int, int, int]] = []
    texts: list[str] = []
    for p in cited:
        sentences = p.sentences
        for i, s in enumerate(sentences):
            windows.append((p.n, i, i))
            texts.append(s)
        for i in range(len(sentences) - 1):
            windows.append((p.n, i, i + 1))
            texts.append(f"{sentences[i]} {sentences[i + 1]}")
    return windows, texts


def _named_in(name: str, words: set[str]) -> bool:
    parts = [p for p in name.lower().split("-") if p]
    return name.lower() in words or (bool(parts) and all(p in words for p in parts))


def _best_per_passage(
    windows: Sequence[tuple[int, int, int]], cosines: np.ndarray
) -> tuple[tuple[int, int, int], ...]:
    best: dict[int, tuple[float, int, int]] = {}
    for (n, first, last), c in zip(windows, cosines, strict=True):
        if n not in best or float(c) > best[n][0]:
            best[n] = (float(c), first, last)
    return tuple((n, first, last) for n, (_, first, last) in best.items())


def judge(
    drafted: Drafted,
    passages: Mapping[int, Passage],
    encode: Encode,
    weight: float = LEXICAL_WEIGHT,
    threshold: float = THRESHOLD,
) -> Kept | Dropped:
    """Keep ``drafted`` or say why not (``weight`` and ``threshold``: see the module)."""
    if not drafted.cites:
        return Dropped(drafted.text, "no_marker", "cites no passage")
    unknown = [n for n in drafted.cites if n not in passages]
    if unknown:
        listed = ", ".join(f"[{n}]" for n in unknown)
        return Dropped(drafted.text, "unknown_passage", f"cites {listed}, not given")
    support = support_of(drafted.text, [passages[n] for n in drafted.cites], encode)
    if support.missing_numbers:
        missing = ", ".join(support.missing_numbers)
        return Dropped(drafted.text, "number", f"{missing} not in the cited passage")
    if support.missing_names:
        missing = ", ".join(support.missing_names)
        return Dropped(drafted.text, "name", f"{missing} not in the cited passage")
    if support.polarity:
        return Dropped(drafted.text, "negation", support.polarity)
    if support.score(weight) < threshold:
        detail = (
            f"support {support.score(weight):.2f} < {threshold} "
            f"(words {support.lexical:.2f}, meaning {support.semantic:.2f})"
        )
        return Dropped(drafted.text, "unsupported", detail)
    return Kept(drafted.text, drafted.cites, support)


def verify(reply: str, passages: Sequence[Passage], encode: Encode) -> Verdict:
    """Each sentence of ``reply`` kept or dropped (with the reason)."""
    by_n = {p.n: p for p in passages}
    kept: list[Kept] = []
    dropped: list[Dropped] = []
    for drafted in split_reply(reply):
        if not drafted.text.strip(" .,;:!?…"):
            continue  # a bare marker or punctuation
        outcome = judge(drafted, by_n, encode)
        if isinstance(outcome, Kept):
            kept.append(outcome)
        else:
            dropped.append(outcome)
    return Verdict(tuple(kept), tuple(dropped))
