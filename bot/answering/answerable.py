"""Whether the chosen passage answers the question at all ("not in the documents" otherwise):
a learned linear model (``weights/answerable.json``, trained by ``bot.answering.learn``) over
what retrieval and composition saw.

Features: the best unit's margin over the next one; names and numbers of the question missing
from the passage; a negation in the question; the question's kind and length; and how sure the
phrase model is of its best phrase (SQuAD 2.0's unanswerable questions are written against a
paragraph that almost answers them: no phrase of the right kind is a strong sign). The model's
probability is compared with its threshold, chosen by cross-validation grouped by article
(``benchmarks/RESULTS.md``, "Short answers and refusals")."""

from __future__ import annotations

import re
from collections.abc import Sequence
from functools import lru_cache
from typing import TYPE_CHECKING

from bot.answering.answer import Choice, Stats
from bot.answering.asking import Asked
from bot.answering.linear import WEIGHTS, LinearModel
from bot.answering.phrase import Phrase
from index.sparse import tokenize
from index.units import sentence_spans

if TYPE_CHECKING:
    from index.retriever import Hit

_NEGATION = re.compile(r"\b(not|never|no|none|nor|without)\b|n't\b", re.IGNORECASE)
_NUMBER = re.compile(r"\d[\d,.]*")


@lru_cache(maxsize=1)
def model() -> LinearModel:
    return LinearModel.load(WEIGHTS / "answerable.json")


def cited_text(choice: Choice) -> str:
    """The text the best chosen unit cites (with the sentences it continues into)."""
    unit = choice.chosen[0]
    chunk = unit.hit.chunk
    spans = sentence_spans(chunk)
    return chunk.text[spans[unit.first][0] : spans[unit.end][1]]


def features(
    question: Asked, choice: Choice, phrase: Phrase | None, stats: Stats, hits: Sequence[Hit]
) -> dict[str, float]:
    """What the model reads. Deliberately none of the absolute scores (cosine, term overlap,
    the rarest missing term's IDF): their level depends on the collection and on how the
    question is worded (SQuAD's questions repeat their paragraph's words; a chat question
    paraphrases), and with them the model refused half of the seed's paraphrased questions."""
    best = choice.chosen[0]
    second = choice.scored[1].score if len(choice.scored) > 1 else 0.0
    passage = best.hit.chunk.text
    f: dict[str, float] = {
        "margin": choice.score - second,
        "names_missing": _names_missing(question.names, passage),
        "numbers_missing": _numbers_missing(question.text, passage),
        "negation": 1.0 if _NEGATION.search(question.text) else 0.0,
        f"kind={question.kind}": 1.0,
        "terms": min(len(question.lemmas), 12) / 12,
    }
    if phrase is not None:
        f["phrase"] = phrase.probability
    else:
        f["no_phrase"] = 1.0
    return f


def _names_missing(names: Sequence[str], passage: str) -> float:
    have = set(tokenize(passage))
    missing = [n for n in names if not all(s in have for s in tokenize(n))]
    return float(min(len(missing), 3))


def _numbers_missing(question: str, passage: str) -> float:
    return float(any(n.strip(".,") not in passage for n in _NUMBER.findall(question)))
