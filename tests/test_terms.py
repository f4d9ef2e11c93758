"""Definitions a question names (bot.answering.terms) and what questions ask for."""

from __future__ import annotations

import pytest

from bot.answering.asking import (
    asks_for_field,
    asks_for_number,
    asks_for_technical,
    asks_how_to,
)
from bot.answering.terms import DEFINES_BONUS, TERM_BONUS, Named, names_term, term_bonus
from index.units import definition_term, field_label, leans_on_previous


@pytest.mark.parametrize(
    ("sentence", "term"),
    [
        ("-t --test: Check integrity of the specified file(s).", "-t --test"),
        ("%r: The number of currently running edges.", "%r"),
        ("- nargs: Sets the number of arguments.", "nargs"),  # a list item
        ("6: Error in one of the documents", "6"),
        ("Note: the cache is per process.", "Note"),
        ("Requirements, in bytes, can be estimated as follows: 400k.", None),  # a sentence
        ("See http://example.org for more.", None),
        ("At 10:30 the build starts.", None),
        ("Default: ``None``", None),  # a field of the entry above, no term of its own
        ("- type: int", None),
    ],
)
def test_definition_terms(sentence: str, term: str | None) -> None:
    assert definition_term(sentence) == term


def test_a_definition_never_leans_on_the_sentence_before() -> None:
    assert leans_on_previous("Running edges.")
    assert not leans_on_previous("%r: Running edges.")


def test_a_field_belongs_to_the_entry_above_it() -> None:
    assert field_label("Default: timedelta(days=31) (2678400 seconds)") == "Default"
    assert field_label("Returns: the new parser, or NULL when memory runs out.") == "Returns"
    assert field_label("%r: Running edges.") is None
    # however long, a field never stands alone
    assert leans_on_previous("Default: timedelta(days=31) (2678400 seconds)")


@pytest.mark.parametrize(
    ("question", "label", "asks"),
    [
        ("What is the default value of PROPAGATE_EXCEPTIONS?", "Default", True),
        ("How long does a session last by default?", "Default", True),
        ("What does PREFERRED_URL_SCHEME default to?", "default", True),
        ("What does XML_ParserCreate return?", "Returns", True),
        ("Which exception is raised on a bad tag?", "Raises", True),
        ("What does PROPAGATE_EXCEPTIONS do?", "Default", False),
        ("What is the default value?", "Type", False),
    ],
)
def test_what_field_a_question_asks_for(question: str, label: str, asks: bool) -> None:
    assert asks_for_field(question, label) is asks


@pytest.mark.parametrize(
    ("question", "term", "named"),
    [
        ("What does bzip2's -t option do?", "-t --test", Named.WRITTEN),
        ("What does %r stand for in NINJA_STATUS?", "%r", Named.WRITTEN),
        ("What does exit status 6 from xsltproc mean?", "6", Named.WRITTEN),
        ("What is the exit status of a failed build?", "exit status", Named.WRITTEN),
        ("Which flag is -v, --verbose?", "-v, --verbose", Named.WRITTEN),
        ("How do I keep the original file?", "-k --keep", Named.OPTION),
        ("How do I keep the original file?", "-t --test", None),
        ("What does the tester check?", "-t --test", None),  # a word, not the option
        ("What does -tx do?", "-t --test", None),
        ("What should I note?", "Note", Named.WRITTEN),
        ("Which type is it?", "Note", None),
    ],
)
def test_how_a_question_names_a_term(question: str, term: str, named: Named | None) -> None:
    assert names_term(question, term) is named


def test_term_bonus_by_kind_of_question() -> None:
    assert term_bonus("What does -t do?", "-t --test") == DEFINES_BONUS
    assert term_bonus("Which catalog is used when CATALOG isn't set?", "CATALOG") == TERM_BONUS
    assert term_bonus("How do I keep the input?", "-k --keep") == TERM_BONUS
    # "how do I ...?" is answered by an option or an API, not by what the question names
    assert term_bonus("How do I silence InsecureRequestWarning?", "InsecureRequestWarning") is None
    assert term_bonus("What does -t do?", None) is None
    assert term_bonus("What does -t do?", "-k --keep") is None


@pytest.mark.parametrize(
    ("question", "how_to", "technical"),
    [
        ("How do I count how many times -v was passed?", True, True),
        ("How can we reuse a parser?", True, True),
        ("Which expat function registers handlers?", False, True),
        ("What header file do I include?", False, True),
        ("How many people live in Warsaw?", False, False),
        ("How did the war end?", False, False),
        ("What type of government does Warsaw have?", False, False),
    ],
)
def test_what_a_question_asks_for(question: str, how_to: bool, technical: bool) -> None:
    assert asks_how_to(question) is how_to
    assert asks_for_technical(question) is technical


def test_how_do_i_asks_for_a_way_not_a_number() -> None:
    assert asks_for_number("How many times was -v passed?")
    assert not asks_for_number("How do I count how many times -v was passed?")


def test_names_are_written_as_names() -> None:
    from bot.answering.asking import asked

    # the small English model tags "mean" as a proper noun here; a lower-case word is no name
    assert "mean" not in asked("What does exit status 6 from xsltproc mean?").names
    assert asked("Who designed the Palace of Culture in Warsaw?").names[-1] == "Warsaw"
