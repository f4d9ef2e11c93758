"""Answers as Telegram HTML: escaping, layout, splitting at 4096 visible characters, validator."""

from __future__ import annotations

import html
import re

from hypothesis import given, settings
from hypothesis import strategies as st

from bot.answering.answer import Answer, Citation
from bot.telegram.formatting import (
    MAX_MESSAGE,
    escape,
    format_answer,
    format_sources,
    split_html,
    telegram_html_problems,
    utf16_len,
    visible_length,
)

NASTY = "Tags <b>not</b> & <script>alert('x')</script> &amp; a < b > c 🇰🇿 👍🏽 &#x41; &"


def visible_text(part: str) -> str:
    return html.unescape(re.sub(r"<[^>]+>", "", part))


def citation(n: int, quote: str, cited: str, source: str = "doc.txt") -> Citation:
    start = quote.index(cited)
    return Citation(n, source, f"paragraph {n}", quote, (start, start + len(cited)), 0.8, f"c{n}")


def answer_with(quotes: list[tuple[str, str]], source: str = "doc.txt") -> Answer:
    cits = tuple(citation(i + 1, q, c, source) for i, (q, c) in enumerate(quotes))
    text = " ".join(f"{c.cited} [{c.n}]" for c in cits)
    return Answer("q?", "q?", text, True, cits)


def test_escape_covers_what_telegram_parses() -> None:
    assert escape("a < b & c > d \"e\" 'f'") == "a &lt; b &amp; c &gt; d \"e\" 'f'"
    assert telegram_html_problems(escape(NASTY)) == []
    assert visible_text(escape(NASTY)) == NASTY


def test_found_answer_layout_is_valid_and_escaped() -> None:
    quote = f"Before. {NASTY} is cited. After <that>."
    answer = answer_with([(quote, f"{NASTY} is cited.")], source="a<b>&c.txt")
    out = format_answer(answer)
    assert telegram_html_problems(out) == []
    assert out.startswith(escape(answer.text))
    assert "[1] a&lt;b&gt;&amp;c.txt, paragraph 1" in out
    assert "<blockquote expandable>" in out
    assert f"<b>{escape(NASTY)} is cited.</b>" in out  # the cited sentence is marked
    assert NASTY in visible_text(out)


def test_not_found_is_plain_and_short() -> None:
    long_name = "a-very-long-file-name-" * 5 + "end.txt"
    answer = Answer(
        "q", "q", "The documents do not cover <this> & that.", False,
        related=(f"{long_name}, paragraph 1", f"{long_name}, paragraphs 5-6", "x, y.txt, page 2",
                 "w.txt, paragraph 9"),
    )  # fmt: skip
    out = format_answer(answer)
    assert telegram_html_problems(out) == []
    assert "<" not in out.replace("&lt;", "")  # no tags at all
    assert "&lt;this&gt; &amp; that" in out
    related = out.split("Related: ")[1]
    assert related.count("end.txt") == 1 and "…" in related
    assert "-end.txt (paragraph 1; paragraphs 5-6)" in related
    assert "x, y.txt (page 2)" in related
    assert "w.txt" not in out  # at most three related places
    assert visible_length(out) < 250


def test_sources_show_every_quoted_passage() -> None:
    answer = answer_with([("One & two. Three.", "Three."), ("Four <five>.", "Four <five>.")])
    out = format_sources(answer)
    assert telegram_html_problems(out) == []
    assert "One & two. Three." in visible_text(out)
    assert "Four <five>." in visible_text(out)
    assert out.count("<blockquote>") == 2


def test_short_text_is_not_split() -> None:
    assert split_html("<b>hi</b> &amp; bye") == ["<b>hi</b> &amp; bye"]


def test_long_answer_splits_at_paragraphs_and_reopens_tags() -> None:
    para = "Sentence & one <x>. " * 30  # ~600 visible characters
    quotes = [(f"{para.strip()} Cited {i} here.", f"Cited {i} here.") for i in range(1, 13)]
    out = format_answer(answer_with(quotes))
    assert visible_length(out) > MAX_MESSAGE
    parts = split_html(out)
    assert len(parts) >= 2
    for part in parts:
        assert telegram_html_problems(part) == [], part[:200]
        assert visible_length(part) <= MAX_MESSAGE
    # parts after the first continue inside the blockquote, re-opened
    assert all(p.startswith("<blockquote expandable>") for p in parts[1:])
    # nothing lost: the visible text is the same, up to whitespace at the cuts
    joined = "".join(visible_text(p) for p in parts)
    assert re.sub(r"\s+", "", joined) == re.sub(r"\s+", "", visible_text(out))
    # the first cut is at a paragraph (or at least a line) boundary
    first_end = out.index(parts[0].removesuffix("</blockquote>")[-40:]) + 40
    assert out[first_end : first_end + 2].strip() == "" or out[first_end - 1] == "\n"


def test_split_prefers_sentences_then_words_then_characters() -> None:
    text = " ".join(f"Sentence number {i} is here." for i in range(400))
    parts = split_html(escape(text), limit=500)
    assert all(p.endswith(".") for p in parts[:-1])
    words = escape("word " * 400)
    assert all(visible_length(p) <= 300 for p in split_html(words, limit=300))
    # no boundary at all: a hard cut, but never inside an entity
    solid = escape("&<>" * 2000)
    parts = split_html(solid, limit=MAX_MESSAGE)
    assert len(parts) == 2
    assert all(telegram_html_problems(p) == [] for p in parts)
    assert "".join(visible_text(p) for p in parts) == "&<>" * 2000


def test_emoji_count_as_two_units() -> None:
    text = "🇰" * 3000  # one code point, two UTF-16 units each
    assert visible_length(text) == 6000
    parts = split_html(text)
    assert [utf16_len(p) for p in parts] == [4096, 1904]


def test_validator_catches_what_telegram_refuses() -> None:
    assert (
        telegram_html_problems("<b>ok</b> <i>fine</i> <blockquote expandable>q</blockquote>") == []
    )
    bad = {
        "<div>x</div>": "unsupported tag",
        "<b>x": "unclosed",
        "<b><i>x</b></i>": "unexpected",
        "a & b": "bare '&'",
        "a < b": "bare '<'",
        "a > b": "bare '>'",
        "&nbsp;": "bare '&'",
        "<blockquote><blockquote>x</blockquote></blockquote>": "nested",
        '<b class="x">y</b>': "unsupported attribute",
        "  \n ": "empty",
        "x" * 4097: "too long",
    }
    for text, problem in bad.items():
        problems = telegram_html_problems(text)
        assert any(problem in p for p in problems), (text[:40], problems)


_ALPHABET = st.sampled_from([*"ab <>&.;!? \n", "🇰🇿", "é", "&amp;", "\n\n", ". "])
_TEXT = st.lists(_ALPHABET, min_size=1, max_size=400).map("".join)


@settings(max_examples=60, deadline=None)
@given(
    quotes=st.lists(_TEXT, min_size=1, max_size=6),
    repeat=st.integers(min_value=1, max_value=25),
    limit=st.sampled_from([MAX_MESSAGE, 700, 97]),
)
def test_any_answer_formats_into_valid_parts(quotes: list[str], repeat: int, limit: int) -> None:
    pairs = []
    for q in quotes:
        q = f"Start {q * repeat} end."
        pairs.append((q, q[6:20] if q[6:20].strip() else q))
    answer = answer_with(pairs)
    for out in (format_answer(answer), format_sources(answer)):
        assert telegram_html_problems(out, limit=10**9) == []
        parts = split_html(out, limit=limit)
        for part in parts:
            assert telegram_html_problems(part, limit=limit) == [], part[:120]
        joined = "".join(visible_text(p) for p in parts)
        assert re.sub(r"\s+", "", joined) == re.sub(r"\s+", "", visible_text(out))
