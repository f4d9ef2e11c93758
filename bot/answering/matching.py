"""SQuAD's answer comparison: texts are lower-cased, stripped of punctuation and of the
articles a/an/the, and compared whole (exact match) or by shared tokens (F1). Beyond SQuAD's
ASCII punctuation, any Unicode punctuation (« » „ “ — …) goes too, and ё reads as е, so Russian
and Kazakh answers compare as their writers mean them."""

from __future__ import annotations

import re
import string
import unicodedata
from collections import Counter
from collections.abc import Iterable

_ARTICLES = re.compile(r"\b(a|an|the)\b")
_PUNCT = frozenset(string.punctuation)


def normalized(text: str) -> str:
    text = "".join(c for c in text.lower().replace("ё", "е") if not _punctuation(c))
    return " ".join(_ARTICLES.sub(" ", text).split())


def _punctuation(c: str) -> bool:
    return c in _PUNCT or (not c.isascii() and unicodedata.category(c).startswith("P"))


def exact_match(prediction: str, golds: Iterable[str]) -> float:
    p = normalized(prediction)
    return 1.0 if any(p == normalized(g) for g in golds) else 0.0


def f1(prediction: str, golds: Iterable[str]) -> float:
    return max(
        (_f1(normalized(prediction).split(), normalized(g).split()) for g in golds), default=0.0
    )


def _f1(pred: list[str], gold: list[str]) -> float:
    common = sum((Counter(pred) & Counter(gold)).values())
    if not common:
        return 0.0
    precision, recall = common / len(pred), common / len(gold)
    return 2 * precision * recall / (precision + recall)


def contains(text: str, golds: Iterable[str]) -> bool:
    """True when ``text`` holds one of ``golds`` (after normalisation)."""
    t = f" {normalized(text)} "
    return any(f" {normalized(g)} " in t for g in golds if normalized(g))
