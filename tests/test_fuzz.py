"""Fuzzed questions: question -> answer (the real engine over the seed index) -> Telegram HTML.
Every reply is valid Telegram HTML of at most 4096 characters per message, or the polite
"ask me a question" for an empty one; never a crash, never a 400. A handful of fixed nasty
questions also go end to end through the fake Bot API."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from support.bots import RunningBot, bot_settings, settle, visible
from support.fakebotapi import FakeBotAPI
from support.telegram_html import telegram_html_problems

from bot.answering.engine import Engine
from bot.telegram.formatting import (
    MAX_MESSAGE,
    format_answer,
    format_sources,
    split_html,
    visible_length,
)
from bot.telegram.questions import MAX_QUESTION, clean_question
from bot.telegram.replies import EMPTY_QUESTION, FAILED, NOT_ADMIN

pytestmark = pytest.mark.model

FRAGMENTS = [
    "Who reported the story?",
    "how many extremist groups",
    "Akims",
    "Қазақстан ұлттық қауіпсіздік комиссиясы кім?",  # Kazakh
    "Кто возглавляет комиссию?",  # Russian
    "من يرأس اللجنة؟",  # Arabic (RTL)
    "מי עומד בראש הוועדה",  # Hebrew (RTL)
    "\u202etxt.exe\u202c",  # RTL override
    "🇰🇿👨‍👩‍👧‍👦🧪🔥",  # flags, ZWJ sequences
    "<b>bold</b> </blockquote> <script>alert(1)</script> &amp; &lt; & < > &#0; &#x110000;",
    "*bold* _it_ [link](http://x) `code` ```pre``` ~~s~~ ||spoiler|| > quote # h1",
    "/start",
    "/ask@evil_bot /reload",
    "\x00\x01\x07\x1b[31m\x7f",
    "\u200b\u200c\u200d\ufeff",
    "\ud7ff\ue000\uffff",
    "   \t\n  ",
    "and in 2012?",
    "and why them?",
]

nasty_text = st.lists(
    st.one_of(
        st.sampled_from(FRAGMENTS),
        st.text(st.characters(exclude_categories=["Cs"]), max_size=40),
    ),
    max_size=8,
).map(" ".join)
long_text = st.tuples(st.sampled_from(FRAGMENTS), st.integers(100, 100_000)).map(
    lambda t: (t[0] * (t[1] // max(len(t[0]), 1) + 1))[: t[1]]
)


def assert_valid_reply(parts: list[str]) -> None:
    assert parts
    for part in parts:
        assert telegram_html_problems(part) == [], (part[:300], telegram_html_problems(part))
        assert 0 < visible_length(part) <= MAX_MESSAGE


@settings(
    max_examples=150,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
    derandomize=True,
)
@given(text=st.one_of(nasty_text, long_text))
def test_any_question_gets_valid_telegram_html(seed_engine: Engine, text: str) -> None:
    question = clean_question(text)
    assert len(question) <= MAX_QUESTION
    if not question:
        assert_valid_reply([EMPTY_QUESTION])
        return
    answer = seed_engine.ask(question, "fuzz")  # one conversation: follow-ups resolve too
    assert_valid_reply(split_html(format_answer(answer)))
    assert_valid_reply(split_html(format_sources(answer)))
    if answer.found:
        assert answer.citations and all(c.quote for c in answer.citations)


NASTY = [
    "\u200b",  # zero-width only (Telegram does not deliver empty text)
    "Кто сообщил эту новость?",
    "Қазақстанда экстремистік топтар қанша?",
    "من أبلغ عن القصة؟ Who reported the story?",
    "🇰🇿🔥 Who reported the story? 🧪👨‍👩‍👧‍👦",
    "<b>Who</b> reported </blockquote> the <script>story</script>? &amp; & <",
    "*Who* _reported_ [the](story) `?` ||x|| ~~y~~",
    "Who reported\x00 the\x1b[31m story?\x7f",
    "/start@evil_bot",
    "/ask </b><i>how many extremist groups were neutralized?",
    "/reload",  # not an admin: refused politely
    "Who reported the story? " * 4000,  # ~100k characters
]


def test_nasty_questions_end_to_end(
    fake_bot_api: FakeBotAPI,
    seed_engine: Engine,
    tmp_path: Path,
) -> None:
    api = fake_bot_api
    first = 6000
    with RunningBot(bot_settings(api, seed_engine, tmp_path), seed_engine, api):
        for i, text in enumerate(NASTY):
            api.private_text(first + i, text)
        for i, text in enumerate(NASTY):
            if text != "/start@evil_bot":  # another bot's command: not for us
                api.wait_sent(first + i, timeout=60)
        settle(api)
    for i, text in enumerate(NASTY):
        calls = api.sent(first + i)
        accepted = [m for m in api.messages if m["chat"]["id"] == first + i]
        assert len(calls) == len(accepted), (text[:40], "a send was refused (400)")
        replies = [visible(str(m["text"])) for m in accepted]
        assert FAILED not in replies, text[:40]
        if text == "/start@evil_bot":
            assert replies == []
        elif text == "/reload":
            assert replies == [NOT_ADMIN]
        else:
            assert len([m for m in accepted if m.get("reply_markup")]) == 1, (text[:40], replies)
    tengri = [visible(str(m["text"])) for m in api.messages if m["chat"]["id"] == first + 4]
    assert "Tengrinews" in tengri[0]  # the question inside the emoji is still answered
    # the fake server 400s invalid HTML and its teardown re-checks every text sent
