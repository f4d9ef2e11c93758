"""The lossless JSON round trip of answers (``Answer.to_json``/``from_json``): what the shared
state stores behind the buttons (``bot_answers``) must come back as the very same answer."""

from __future__ import annotations

import dataclasses
import json
from typing import Any

from support.answers import akims, answer_of, cite

from bot.answering.answers import Answer, check
from bot.answering.generation.generated import CheckedAnswer, checked
from bot.answering.generation.verify import Dropped


def round_trip(answer: Answer) -> Answer:
    return Answer.from_json(json.loads(json.dumps(answer.to_json(), ensure_ascii=False)))


def plain(answer: Answer) -> Answer:
    return Answer(**{f.name: getattr(answer, f.name) for f in dataclasses.fields(Answer)})


def test_hand_built_answers_round_trip() -> None:
    answers = [
        akims(),
        akims(short=False),
        answer_of(cite(1, "Ünïcode «quote» — 日本語. Second.", "Second.", title="Tïtle")),
        Answer("q?", "q?", "Not in the documents.", False, related=("a", "b"), score=0.125),
        dataclasses.replace(akims(), confidence=0.734567891234, score=0.1 + 0.2),
    ]
    for answer in answers:
        again = round_trip(answer)
        assert again == answer and type(again) is Answer
        assert again.to_json() == answer.to_json()


def test_a_checked_answer_round_trips_as_its_plain_answer_fields() -> None:
    answer = checked(akims(), generated=True, dropped=(Dropped("x", "unsupported"),))
    assert isinstance(answer, CheckedAnswer)
    again = round_trip(answer)
    assert again == plain(answer) and type(again) is Answer


def test_real_answers_round_trip(seed_engine: Any) -> None:
    questions = [
        "who manages regional commissions?",
        "How many extremist groups were neutralized?",
        "What is the capital of Uzbekistan?",  # not in the documents
    ]
    for question in questions:
        answer = seed_engine.ask(question)
        again = round_trip(answer)
        assert again == plain(answer), question
        if again.found:
            assert again.citations and again.citations[0].quote == answer.citations[0].quote
            check(again)


def test_the_answer_types_import_nothing_that_makes_answers() -> None:
    """Front ends read answers through ``bot.answering.answers``: it must not pull in numpy, the
    index or the modules that compose answers (the standard library and the errors only)."""
    import ast
    from pathlib import Path

    import bot.answering.answers as types

    tree = ast.parse(Path(types.__file__).read_text(encoding="utf-8"))
    imported: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom):
            imported.add(node.module or "")
        elif isinstance(node, ast.Import):
            imported.update(alias.name for alias in node.names)
    assert imported == {"__future__", "re", "dataclasses", "typing", "bot.answering.errors"}
