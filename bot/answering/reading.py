"""The learned readers together: for the unit composition chose, the phrase that answers
(``bot.answering.phrase``) and whether the passage answers at all
(``bot.answering.answerable``). An engine holds one :class:`Reader` and passes it to
``compose`` as its ``read``."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

from bot.answering import answerable, phrase
from bot.answering.answer import Choice, Reading, Stats
from bot.answering.asking import asked
from bot.answering.language import pipeline

if TYPE_CHECKING:
    from index.retriever import Hit


class Reader:
    """``threshold``: the answerability probability an answer needs; None takes the one chosen
    with the model (``weights/answerable.json``), 0 never refuses on it."""

    def __init__(self, threshold: float | None = None) -> None:
        self.threshold = threshold

    def load(self) -> None:
        """Load the language pipeline and both models now rather than on the first question."""
        pipeline()
        phrase.model()
        answerable.model()

    def __call__(self, question: str, choice: Choice, stats: Stats, hits: Sequence[Hit]) -> Reading:
        q = asked(question)
        cited = answerable.cited_text(choice)
        best = phrase.best_phrase(q, cited)
        model = answerable.model()
        confidence = model.probability(answerable.features(q, choice, best, stats, hits))
        threshold = model.threshold if self.threshold is None else self.threshold
        span = None if best is None else (best.start, best.end, best.probability)
        return Reading(span, confidence, confidence >= threshold)
