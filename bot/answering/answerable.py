"""Whether the chosen passage answers the question at all ("not in the documents" otherwise):
a learned linear model (``weights/answerable.json``, trained by ``training.learn``) over what
retrieval and composition saw.

Features: the best unit's margin over the next one that quotes other text; names and numbers of
the question missing from the passage; whether the question meets the cited text only in its
document's title's words; a negation in the question; the question's kind and
length; and how sure the phrase model is of its best phrase (SQuAD 2.0's unanswerable questions
are written against a paragraph that almost answers them: no phrase of the right kind is a
strong sign). Not the cross-encoder's logits: a model trained with them (issue 22) refused
no more of SQuAD's unanswerable questions at equal answers, and refused the shipped article's
questions about its source ("Who reported the story?": an MS MARCO model reads "Tengrinews.kz
reports" as no answer). The model's probability is compared with its threshold, chosen by
cross-validation grouped by article (``benchmarks/RESULTS.md``, "Short answers and
refusals")."""

from __future__ import annotations

from collections.abc import Sequence
from functools import lru_cache

from bot.answering.asking import Asked
from bot.answering.choosing import Choice, Unit
from bot.answering.linear import WEIGHTS, LinearModel
from bot.answering.phrase import Phrase
from index.languages import alphabet
from index.text import negated, numbers, tokenize

WEIGHTS_FILE = "answerable.json"


@lru_cache(maxsize=1)
def model() -> LinearModel:
    return LinearModel.load(WEIGHTS / WEIGHTS_FILE)


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
    return {
        "margin": choice.margin,
        "names_missing": _names_missing(question.names, passage),
        "numbers_missing": _numbers_missing(question.text, passage),
        "negation": 1.0 if negated(question.text) else 0.0,
        f"kind={question.kind}": 1.0,
        "terms": min(len(question.lemmas), 12) / 12,
        "topic_only": topic_only(question.text, best),
    } | technical_features(question, best)


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


def topic_only(question: str, best: Unit) -> float:
    """1.0 when the question meets the cited text only in its document's title's words: "What is
    the population of Kazakhstan?" against any sentence of an article about Kazakhstan's
    security commission, a question about the topic, not about what the document says of it
    (over squad2_dev6 the reply held a gold answer for 3 of the 11 questions it marked). A cited
    text sharing no word with the question ("and why them?" answered by the next sentence) or
    written in another alphabet says nothing here."""
    text = best.cited_text
    if alphabet(question) != alphabet(text):
        return 0.0
    shared = set(tokenize(question)) & set(tokenize(text))
    return float(bool(shared) and not shared - set(tokenize(best.hit.chunk.title)))


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
