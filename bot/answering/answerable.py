"""Whether the chosen passage answers the question at all ("not in the documents" otherwise):
a learned linear model (``weights/answerable.json`` when the index has a cross-encoder,
``weights/answerable-no-cross.json`` otherwise; trained by ``training.learn``) over what
retrieval and composition saw.

Features: the best unit's margin over the next one that quotes other text; names and numbers of
the question missing from the passage; a negation in the question; the question's kind and
length; and how sure the phrase model is of its best phrase (SQuAD 2.0's unanswerable questions
are written against a paragraph that almost answers them: no phrase of the right kind is a
strong sign). The model's probability is compared with its threshold, chosen by
cross-validation grouped by article (``benchmarks/RESULTS.md``, "Short answers and
refusals")."""

from __future__ import annotations

from collections.abc import Sequence
from functools import lru_cache

from bot.answering.asking import Asked
from bot.answering.choosing import Choice, Unit
from bot.answering.linear import WEIGHTS, LinearModel
from bot.answering.phrase import Phrase
from index.text import negated, numbers, tokenize


@lru_cache(maxsize=2)
def model(cross: bool) -> LinearModel:
    """The model trained with the cross-encoder's readings (``cross``), or without them: the
    index's settings say which (``DOCBOT_CROSS_ENCODER_DEPTH``)."""
    return LinearModel.load(WEIGHTS / weights_file(cross))


def weights_file(cross: bool) -> str:
    return "answerable.json" if cross else "answerable-no-cross.json"


def features(question: Asked, choice: Choice, phrase: Phrase | None) -> dict[str, float]:
    """What the model reads: :func:`passage_features`, then the phrase model's confidence."""
    return with_phrase(passage_features(question, choice), phrase)


def passage_features(question: Asked, choice: Choice) -> dict[str, float]:
    """What the question and the chosen passage say. Deliberately none of the absolute scores
    (cosine, term overlap, the rarest missing term's IDF): their level depends on the
    collection and on how the question is worded (SQuAD's questions repeat their paragraph's
    words; a chat question paraphrases), and with them the model refused 14 of the seed's 35
    correctly answered own questions."""
    best = choice.chosen[0]
    passage = best.hit.chunk.text
    return (
        {
            "margin": choice.margin,
            "names_missing": _names_missing(question.names, passage),
            "numbers_missing": _numbers_missing(question.text, passage),
            "negation": 1.0 if negated(question.text) else 0.0,
            f"kind={question.kind}": 1.0,
            "terms": min(len(question.lemmas), 12) / 12,
        }
        | technical_features(question, best)
        | cross_features(best)
    )


def technical_features(question: Asked, best: Unit) -> dict[str, float]:
    """Whether the chosen unit is technical text (``Unit.technical``): such a passage answers
    "how do I ...?" with an API, and its phrases and margins read otherwise than an
    encyclopaedia's."""
    if not best.technical:
        return {}
    return {
        "technical": 1.0,
        "code": float(best.quotes_code),
        f"kind={question.kind}|technical": 1.0,
    }


def cross_features(best: Unit) -> dict[str, float]:
    """The cross-encoder's logits (scaled to about -1..1) for the chosen unit and its passage,
    when it read them: a better sign than any cosine that the passage answers (over
    squad2_dev6, AUC 0.70 and 0.68 for "the reply holds a gold answer")."""
    f = {}
    if best.cross is not None:
        f["cross_sentence"] = best.cross / 10
    if best.hit.cross is not None:
        f["cross_passage"] = best.hit.cross / 10
    return f


def with_phrase(passage: dict[str, float], phrase: Phrase | None) -> dict[str, float]:
    """``passage`` features plus how sure the phrase model is of its best phrase."""
    extra = {"phrase": phrase.probability} if phrase is not None else {"no_phrase": 1.0}
    return passage | extra


def _names_missing(names: Sequence[str], passage: str) -> float:
    have = set(tokenize(passage))
    missing = [n for n in names if not all(s in have for s in tokenize(n, parts=False))]
    return float(min(len(missing), 3))


def _numbers_missing(question: str, passage: str) -> float:
    return float(any(n not in passage for n in numbers(question)))
