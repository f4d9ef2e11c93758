"""bot.answering.unread: what a question in another language than English needs of a passage."""

from __future__ import annotations

import pytest

from bot.answering.unread import asks_how_many, holds_a_number


@pytest.mark.parametrize(
    ("question", "counts"),
    [
        ("Сколько экстремистских групп было нейтрализовано?", True),
        ("Қанша топ бейтараптандырылды?", True),
        ("Кто руководит региональными комиссиями?", False),
        ("Облыстық комиссияларды кім басқарады?", False),
    ],
)
def test_how_many_questions_are_told_apart(question: str, counts: bool) -> None:
    assert asks_how_many(question) is counts


@pytest.mark.parametrize(
    ("text", "number"),
    [
        ("It neutralized 42 extremist groups.", True),
        ("Защита сделала двадцать четыре перехвата.", True),
        ("Он отдал пятнадцать передач.", True),
        ("Лама согласен перерождаться много раз.", True),
        ("Ол бес жыл бойы жұмыс істеді.", True),
        ("Terrorists tried it several times.", True),
        ("Он сказал, что новости области хорошие.", False),  # "он" is "he", not Kazakh ten
        ("The situation remains quite tense in the city.", False),
    ],
)
def test_numbers_are_found_in_digits_and_words(text: str, number: bool) -> None:
    assert holds_a_number(text) is number
