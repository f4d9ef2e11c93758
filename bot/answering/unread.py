"""Whether a passage answers a question in a language the learned readers do not read.

The phrase and answerability models read a question through spaCy's English pipeline, so a
Russian or Kazakh question is answered with the sentence composition chose (it reached the
floor of the multilingual space) unless a check that needs no parse says it cannot: the
question asks how many ("Сколько", "Қанша") and the quoted text holds no number at all, in
digits or in words of any of the three languages. (A number the question names missing from
the passage is no such sign: "Суперкубке 50" is in the document's title, "в 2015 году" in the
paragraph before; over XQuAD that rule refused 13 more answerable questions than it gained.)
"""

from __future__ import annotations

import re

from bot.answering.choosing import Choice
from index.text import numbers

_COUNT_QUESTION = re.compile(r"\b(сколько|скольких|скольким|қанша|неше)\b", re.IGNORECASE)
# the words a count is written with (whole words; "\w*" where every ending is still a number;
# not Kazakh "он", ten, which is Russian "he")
_RUSSIAN = (
    r"один|одна|одно|одного|одной|два|две|двух|три|трёх|трех|четыре|четырёх|четырех|пять|пяти|"
    r"шесть|шести|семь|семи|восемь|восьми|девять|девяти|десять|десяти|\w+надцат\w*|"
    r"двадцат\w*|тридцат\w*|сорок\w*|\w+десят\w*|девяност\w*|сто|ста|сотн\w*|сотен|"
    r"двести|триста|четыреста|пятьсот|шестьсот|семьсот|восемьсот|девятьсот|тысяч\w*|"
    r"миллион\w*|миллиард\w*|несколько|нескольких|дюжин\w*|много|многие|многих"
)
_KAZAKH = (
    r"бір|екі|үш|төрт|бес|алты|жеті|сегіз|тоғыз|жиырма|отыз|қырық|елу|алпыс|жетпіс|сексен|"
    r"тоқсан|жүз|мың|миллион\w*|миллиард\w*|бірнеше|көп"
)
_ENGLISH = (
    r"one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|\w+teen|twenty|thirty|"
    r"forty|fifty|sixty|seventy|eighty|ninety|"
    r"hundreds?|thousands?|millions?|billions?|dozens?|several|many|numerous|multiple|single|"
    r"once|twice"
)
_NUMBER_WORD = re.compile(rf"\b({_RUSSIAN}|{_KAZAKH}|{_ENGLISH})\b", re.IGNORECASE)


def answers(question: str, choice: Choice) -> bool:
    """False when the chosen passage cannot answer ``question`` (module docstring)."""
    return not asks_how_many(question) or holds_a_number(choice.chosen[0].cited_text)


def asks_how_many(question: str) -> bool:
    return bool(_COUNT_QUESTION.search(question))


def holds_a_number(text: str) -> bool:
    """A number in digits, or a number word of Russian, Kazakh or English."""
    return bool(numbers(text) or _NUMBER_WORD.search(text))
