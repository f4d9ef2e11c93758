"""The learned readers together: for the unit composition chose, the phrase that answers
(``bot.answering.phrase``; shown only when the phrase model is sure enough of it) and whether
the passage answers at all
(``bot.answering.answerable``). An engine holds one :class:`Reader` and gives it to
each ``Composer`` as its ``read``."""

from __future__ import annotations

from bot.answering import answerable, phrase, unread
from bot.answering.asking import asked
from bot.answering.choosing import Choice, Reading
from bot.answering.language import pipeline
from index.languages import ENGLISH, detect


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

    def __call__(self, question: str, choice: Choice) -> Reading:
        if detect(question) != ENGLISH:
            # both models read English questions (spaCy's English pipeline): another language
            # is answered with the chosen sentence (``bot.answering.unread``)
            return Reading(None, choice.score, unread.answers(question, choice))
        q = asked(question)
        unit = choice.chosen[0]
        best = phrase.best_phrase(q, unit.cited_text)
        model = answerable.model()
        confidence = model.probability(answerable.features(q, choice, best))
        threshold = model.threshold if self.threshold is None else self.threshold
        shown = best is not None and best.probability >= phrase.shown_from(unit.technical)
        span = (best.start, best.end, best.probability) if best is not None and shown else None
        return Reading(span, confidence, confidence >= threshold)
