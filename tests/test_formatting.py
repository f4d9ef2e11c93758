"""Answers as Telegram HTML: escaping, layout, splitting at 4096 visible characters, validator."""

from __future__ import annotations

import html
import re

from hypothesis import given, settings
from hypothesis import strategies as st
from support.answers import (
    AKIMS_PHRASE,
    AKIMS_SENTENCE,
    AKIMS_TITLE,
    akims,
    answer_of,
    cite,
    short_in,
)
from support.telegram_html import telegram_html_problems

from bot.answering.answers import Answer, Citation, ShortAnswer
from bot.answering.titles import distinct_title
from bot.telegram.formatting import (
    MAX_MESSAGE,
    escape,
    format_answer,
    format_sources,
    split_html,
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


def test_short_answer_leads_in_bold_and_says_the_sentence_once() -> None:
    answer = akims()
    out = format_answer(answer)
    assert telegram_html_problems(out) == []
    first, _, rest = out.partition("\n")
    assert first == f"<b>{AKIMS_PHRASE}</b> [1]"
    # the answering sentence once, inside the quote: underlined, the phrase in bold inside it
    assert visible_text(out).count(AKIMS_SENTENCE) == 1
    assert "<u>They will be managed by <b>oblast Akims (Governors)</b>.</u>" in rest
    assert rest.count("<b>") == 2  # the phrase in the quote, and the Sources heading
    # the quote shown open (not collapsed, or the sentence could be hidden), then the sources
    assert "expandable" not in out
    quote_at, sources_at = out.index("<blockquote>[1] "), out.index("<b>Sources</b>")
    assert quote_at < sources_at
    assert out[sources_at:].endswith(f"\n[1] {AKIMS_TITLE} — seed.txt, paragraph 1")
    assert split_html(out) == [out]


def test_short_answer_is_escaped_and_nested_inside_the_sentence() -> None:
    quote = f"Before <x>. The {NASTY} answer & more. After."
    citation = cite(1, quote, f"The {NASTY} answer & more.", source="a<b>&c.txt", title=NASTY)
    answer = answer_of(citation, short=short_in(citation, f"{NASTY} answer &"))
    out = format_answer(answer)
    assert telegram_html_problems(out) == []
    assert out.startswith(f"<b>{escape(NASTY)} answer &amp;</b> [1]\n")
    assert f"<u>The <b>{escape(NASTY)} answer &amp;</b> more.</u>" in out
    assert f"[1] {escape(NASTY)} — a&lt;b&gt;&amp;c.txt, paragraph 1" in out
    assert visible_text(out).count(f"The {NASTY} answer & more.") == 1


def test_short_answer_in_a_second_citation() -> None:
    one = cite(1, "Alpha is first. Beta follows.", "Alpha is first.")
    two = cite(2, "Gamma. The answer is Delta here.", "The answer is Delta here.", title="Two")
    out = format_answer(answer_of(one, two, short=short_in(two, "Delta")))
    assert telegram_html_problems(out) == []
    assert out.startswith("<b>Delta</b> [2]\n")
    assert "[1] <u>Alpha is first.</u> Beta follows." in out  # cited, no phrase in it
    assert "[2] Gamma. <u>The answer is <b>Delta</b> here.</u>" in out
    assert "[1] seed.txt, paragraph 1\n[2] Two — seed.txt, paragraph 2" in out


def test_without_a_usable_short_answer_the_layout_is_the_sentences() -> None:
    plain = akims(short=False)
    out = format_answer(plain)
    assert out.startswith(escape(plain.text) + "\n\n<b>Sources</b>")
    assert f"<b>{AKIMS_SENTENCE}</b>" in out and "<blockquote expandable>" in out
    assert "<u>" not in out
    # a short answer naming no listed citation is ignored rather than shown unquoted
    stray = Answer("q?", "q?", plain.text, True, plain.citations, short=ShortAnswer("x", 7, 0, 1))
    assert format_answer(stray) == out


def test_titles_are_shown_when_they_say_more_than_the_file_name() -> None:
    def title(title: str, source: str = "annual_report-2012.txt") -> str:
        return distinct_title(cite(1, "A.", "A.", source=source, title=title))

    assert title("") == ""
    assert title("annual report 2012") == ""  # what a document without a title is called
    assert title("Annual_Report-2012") == ""
    assert title("annual_report-2012.txt") == ""
    assert title("  Annual   report of\nthe board ") == "Annual report of the board"
    assert title("notes", source="2012/notes.md") == ""
    assert title("x" * 200).endswith("…") and len(title("x" * 200)) == 80
    out = format_answer(akims(title="seed"))
    assert "\n[1] seed.txt, paragraph 1" in out and "—" not in out


def test_sources_button_shows_titles_and_the_short_answer() -> None:
    out = format_sources(akims())
    assert telegram_html_problems(out) == []
    assert out.startswith(f"<b>[1]</b> {AKIMS_TITLE} — seed.txt, paragraph 1\n<blockquote>")
    assert f"<u>They will be managed by <b>{AKIMS_PHRASE}</b>.</u>" in out
    assert f"<b>{AKIMS_SENTENCE}</b>" in format_sources(akims(short=False))


def test_long_short_answer_splits_into_valid_parts_and_leads_with_the_phrase() -> None:
    para = "Sentence & one <x>. " * 40
    cits = [cite(i, f"{para}The answer {i} is here. {para}", f"The answer {i} is here.")
            for i in range(1, 9)]  # fmt: skip
    out = format_answer(answer_of(*cits, short=short_in(cits[4], "answer 5")))
    parts = split_html(out)
    assert len(parts) >= 3 and parts[0].startswith("<b>answer 5</b> [5]\n")
    for part in parts:
        assert telegram_html_problems(part) == [], part[:200]
    assert all(p.startswith("<blockquote>") for p in parts[1:-1])
    assert "<u>The <b>answer 5</b> is here.</u>" in "".join(parts)
    assert parts[-1].rstrip().endswith("[8] seed.txt, paragraph 8")


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
    short=st.booleans(),
)
def test_any_answer_formats_into_valid_parts(
    quotes: list[str], repeat: int, limit: int, short: bool
) -> None:
    pairs = []
    for q in quotes:
        q = f"Start {q * repeat} end."
        pairs.append((q, q[6:20] if q[6:20].strip() else q))
    answer = answer_with(pairs)
    first = answer.citations[0]
    a, b = first.highlight
    phrase = first.quote[a + 1 : b - 1] if first.quote[a + 1 : b - 1].strip() else first.cited
    if short:
        answer = answer_of(*answer.citations, short=short_in(first, phrase))
    for out in (format_answer(answer), format_sources(answer)):
        assert telegram_html_problems(out, limit=10**9) == []
        parts = split_html(out, limit=limit)
        for part in parts:
            assert telegram_html_problems(part, limit=limit) == [], part[:120]
        joined = "".join(visible_text(p) for p in parts)
        assert re.sub(r"\s+", "", joined) == re.sub(r"\s+", "", visible_text(out))
