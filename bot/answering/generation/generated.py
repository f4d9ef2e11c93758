"""An answer the model drafted and verification checked: the ``Answer`` every front end shows,
plus whether its text is the model's (verified) sentences and which sentences were dropped."""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass

from bot.answering.answers import MARKER, Answer
from bot.answering.errors import AnswerCheckError
from bot.answering.generation.verify import Dropped


@dataclass(frozen=True)
class CheckedAnswer(Answer):
    """``generated``: the text is the model's sentences that verification kept, each with its
    ``[n]``, and ``citations`` quote the passages they cite (renumbered 1..m). Otherwise the
    text is the extractive answer and ``fallback`` says why the model's reply was not used.
    ``dropped``: the model's sentences verification refused, with the reason."""

    generated: bool = False
    dropped: tuple[Dropped, ...] = ()
    fallback: str = ""


def checked(answer: Answer, **changes: object) -> CheckedAnswer:
    """``answer`` as a CheckedAnswer, with ``changes`` to its fields."""
    fields = {f.name: getattr(answer, f.name) for f in dataclasses.fields(answer)}
    fields.update(changes)
    return CheckedAnswer(**fields)


def generation_of(answer: Answer) -> tuple[bool, tuple[Dropped, ...]]:
    """(generated, dropped) of any answer: (False, ()) for a plain extractive one."""
    if isinstance(answer, CheckedAnswer):
        return answer.generated, answer.dropped
    return False, ()


def is_generated(answer: Answer) -> bool:
    return generation_of(answer)[0]


def check_generated(answer: Answer) -> None:
    """Raise AnswerCheckError unless every [n] names a listed citation, every citation is
    cited, they are numbered 1..m, each highlight lies inside its quote, and no short answer
    (numbered for the extractive citations) is carried over."""
    numbers = [c.n for c in answer.citations]
    if not answer.found or numbers != list(range(1, len(numbers) + 1)) or not numbers:
        raise AnswerCheckError(answer.question, "generated citations are not numbered 1..m")
    cited = {int(n) for n in MARKER.findall(answer.text)}
    if cited != set(numbers):
        raise AnswerCheckError(answer.question, "a marker and the listed citations disagree")
    for c in answer.citations:
        if not c.highlight_inside:
            raise AnswerCheckError(answer.question, f"citation {c.n} highlights outside its quote")
    if answer.short is not None:
        raise AnswerCheckError(answer.question, "a generated answer carries a short answer")
