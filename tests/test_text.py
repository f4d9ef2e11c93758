"""The shared text rules (``index.text``) and the answer markers: one rule each, as retrieval,
composition, conversations and verification read them."""

from __future__ import annotations

import re

import pytest

from bot.answering.answers import MARKER, MARKER_LIST
from index.text import ends_sentence, names, numbers, split_sentences, tokenize


def test_names_are_capitalised_words_after_the_first() -> None:
    assert names("What did Alicia Keys sing at the FBI's party in Kazakhstan?") == [
        "Alicia",
        "Keys",
        "FBI",  # the possessive is no part of the name
        "Kazakhstan",
    ]
    assert names("Kazakhstan is big") == []  # the first word opens the sentence
    assert names("Then I said 'Akims' twice, Akims") == ["Akims"]  # "I" is no name
    assert names("the oblast Akims’ powers") == ["Akims"]  # apostrophes at the edges cut


def test_numbers_are_read_as_written() -> None:
    assert numbers("In 2011, 1,200 people paid 3.5 tenge each.") == ["2011", "1,200", "3.5"]
    assert numbers("no digits here") == []


@pytest.mark.parametrize(
    ("text", "final"),
    [("A sentence.", True), ('He said "yes!"', True), ("Wait…  ", True), ("A heading", False)],
)
def test_a_sentence_ends_with_final_punctuation(text: str, final: bool) -> None:
    assert ends_sentence(text) is final


def test_terms_are_stemmed_words_without_stop_words() -> None:
    assert tokenize("The councils approved budgets") == ["council", "approv", "budget"]


def test_identifiers_are_terms_whole_and_by_their_parts() -> None:
    """Issue 23: "allocate memory for a closure" finds ffi_closure_alloc; Python 3 finds
    /usr/lib/python3; prose is tokenized as before."""
    assert tokenize("ffi_closure_alloc") == ["ffi_closure_alloc", "ffi", "closur", "alloc"]
    assert tokenize("deflateInit() or Z_STREAM_END") == [
        *("deflateinit", "deflat", "init", "z_stream_end", "stream", "end")
    ]
    assert tokenize("HTTPServer in /usr/lib/python3") == [
        *("httpserver", "http", "server", "usr", "lib", "python3", "python", "3")
    ]
    assert set(tokenize("allocate a closure")) <= set(tokenize("ffi_closure_alloc"))
    assert tokenize("The 1990s and iPhones") == ["1990s", "iphon", "phone"]


def test_sentences_do_not_end_at_an_abbreviation() -> None:
    text = "Mr. Costa lost. The U.S. Army won."
    assert [text[a:b] for a, b in split_sentences(text)] == [
        "Mr. Costa lost.",
        "The U.S. Army won.",
    ]


def test_answer_markers_and_a_models_marker_lists() -> None:
    assert MARKER.findall("One [1] two [2] [x] [ 3 ]") == ["1", "2"]
    assert re.findall(MARKER_LIST, "a [1, 2] b [ 3 ] c [4;5]") == ["1, 2", "3", "4;5"]


@pytest.mark.parametrize(
    ("text", "sentences"),
    [
        (
            "Kwargs:\n- default: Passes a default.\n- type: Sets the type\n- nargs: Sets.",
            [
                "Kwargs:",
                "- default: Passes a default.",
                "- type: Sets the type",
                "- nargs: Sets.",
            ],
        ),
        (
            "Steps:\n1. Build it\n2) Run it. Then stop.",
            ["Steps:", "1. Build it", "2) Run it.", "Then stop."],
        ),
        # a hyphen or a number inside a line is no list item
        (
            "Temperatures fell to\n-5 degrees and rose by\n2.5 degrees.",
            ["Temperatures fell to\n-5 degrees and rose by\n2.5 degrees."],
        ),
    ],
)
def test_a_list_item_is_a_sentence_of_its_own(text: str, sentences: list[str]) -> None:
    assert [text[a:b] for a, b in split_sentences(text)] == sentences
