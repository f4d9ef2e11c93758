"""Groups done right (issue 26), end to end against the fake Bot API over the real engine: a
conversation per person (and per forum topic) in a group, a reply to an answer continuing that
answer's conversation, every send in a forum topic going to that topic, and ``/start`` in a
group saying how to address the bot and what privacy mode changes. The conversation tests run
over both kinds of state: in memory, and in PostgreSQL (``DOCBOT_STORE``)."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from support.bots import (
    ADMIN,
    LeakingEngine,
    RecordingEngine,
    RunningBot,
    bot_settings,
    button_data,
    settle,
    texts,
)
from support.fakebotapi import Call, FakeBotAPI

from bot.answering.conversation import MemoryConversationStore
from bot.answering.engine import Engine
from bot.telegram.replies import FAILED, NOT_ADMIN

pytestmark = pytest.mark.model

ALICE, BOB, CAROL = 801, 802, 803
TEAM = -1002601  # a group without topics
FORUM = -1002602  # a forum supergroup

# The words of each person's first question that a follow-up of theirs must carry, and that
# nobody else's may.
TOPIC_WORDS = {ALICE: "regional commissions", BOB: "reported story", CAROL: "extremist groups"}
OWN_WORD = {ALICE: "regional", BOB: "reported", CAROL: "neutralize"}


def key_of(chat: int, person: int, topic: int | None = None) -> str:
    return f"{chat}|t{topic}|u{person}" if topic is not None else f"{chat}|u{person}"


@pytest.fixture(params=["memory", pytest.param("postgres", marks=pytest.mark.postgres)])
def state_kind(request: pytest.FixtureRequest, seed_engine: Engine) -> Iterator[dict[str, Any]]:
    """The settings of a kind of bot state: none (in memory), or ``store`` (PostgreSQL, whose
    conversations the bot gives the engine). Either way the shared engine starts with no
    conversations and gets its own back afterwards."""
    kept = seed_engine.conversations
    seed_engine.conversations = MemoryConversationStore()
    try:
        if request.param == "memory":
            yield {}
        else:
            yield {"store": request.getfixturevalue("pg_url")}
    finally:
        seed_engine.conversations = kept


def answer_message(api: FakeBotAPI, chat_id: int, n: int) -> dict[str, Any]:
    """The ``n``-th message the bot sent to ``chat_id`` (as the server returned it)."""
    with api._cond:
        return [m for m in api.messages if m["chat"]["id"] == chat_id][n]


def test_each_follow_up_is_resolved_against_its_own_askers_question(
    fake_bot_api: FakeBotAPI, seed_engine: Engine, tmp_path: Path, state_kind: dict[str, Any]
) -> None:
    """Three people, ten interleaved turns in one group: each follow-up resolved against the
    question of its own asker, and a reply to an answer against that answer's conversation."""
    api, engine = fake_bot_api, RecordingEngine(seed_engine)
    bot = f"@{api.bot_username}"
    settings = bot_settings(api, seed_engine, tmp_path, **state_kind)
    # (asker, text, whose conversation it belongs to); None as the text: Bob replies to
    # Carol's last answer (the sixth turn's)
    turns: list[tuple[int, str | None, int]] = [
        (ALICE, f"{bot} who manages regional commissions?", ALICE),
        (BOB, f"{bot} Who reported the story?", BOB),
        (CAROL, "/ask How many extremist groups did the National Security Commission "
         "neutralize?", CAROL),
        (ALICE, f"{bot} and why them?", ALICE),
        (BOB, f"{bot} and who did they cite?", BOB),
        (CAROL, "/ask and how many protests?", CAROL),
        (ALICE, f"{bot} and who leads them?", ALICE),
        (BOB, None, CAROL),  # "and violations?" as a reply to Carol's answer
        (CAROL, "/ask and in 2012?", CAROL),
        (BOB, f"{bot} and when?", BOB),
    ]  # fmt: skip
    with RunningBot(settings, engine, api):
        for n, (asker, text, _) in enumerate(turns):
            if text is None:
                api.group_text(TEAM, asker, "and violations?", answer_message(api, TEAM, 5))
            else:
                api.group_text(TEAM, asker, text)
            api.wait_sent(TEAM, n + 1)
        replies = texts(api.sent(TEAM))
    assert len(engine.asked) == len(turns)
    for (asker, _, owner), (question, conversation, answer) in zip(
        turns, engine.asked, strict=True
    ):
        assert conversation == key_of(TEAM, owner), (asker, question)
        if not answer.resolved.startswith(question) or answer.resolved == question:
            continue  # not a follow-up: the first question of each person
        resolved = answer.resolved.lower()
        assert TOPIC_WORDS[owner] in resolved, (question, resolved)
        others = [OWN_WORD[p] for p in OWN_WORD if p != owner]
        assert not any(word in resolved for word in others), (question, resolved)
    follow_ups = [a for _, _, a in engine.asked if a.resolved != a.question]
    assert len(follow_ups) == 7
    assert "Akim" in replies[0] and "power and resources" in replies[3]  # Alice's "why them?"
    assert "Tengrinews" in replies[1] and "42" in replies[2]


def forum_calls(api: FakeBotAPI) -> list[Call]:
    """Every request the bot made about the forum chat."""
    with api._cond:
        return [c for c in api.calls if str(c.params.get("chat_id")) == str(FORUM)]


def test_forum_topics_get_every_send_and_their_own_conversations(
    fake_bot_api: FakeBotAPI, seed_engine: Engine, tmp_path: Path, state_kind: dict[str, Any]
) -> None:
    """Questions, typing, answers, Sources, notices and errors in a forum topic all carry
    that topic's ``message_thread_id``; a person's conversations are one per topic."""
    api = fake_bot_api
    engine = RecordingEngine(LeakingEngine(seed_engine, api.token, trigger="kaboom"))
    bot = f"@{api.bot_username}"
    settings = bot_settings(api, seed_engine, tmp_path, **state_kind)

    def step(topic: int, push: Callable[[int], int], sends: int = 1) -> list[Call]:
        """Push in ``topic``, wait for ``sends`` more messages there: the new calls."""
        before = len(forum_calls(api))
        count = len(api.sent(FORUM))
        push(topic)
        api.wait_sent(FORUM, count + sends)
        settle(api)
        new = forum_calls(api)[before:]
        assert new and all(c.params.get("message_thread_id") == str(topic) for c in new), [
            (c.method, c.params) for c in new
        ]
        return new

    with RunningBot(settings, engine, api):

        def ask(user: int, text: str) -> Callable[[int], int]:
            return lambda topic: api.group_text(FORUM, user, text, topic=topic)

        first = step(11, ask(ALICE, f"{bot} who manages regional commissions?"))
        assert {c.method for c in first} == {"sendChatAction", "sendMessage"}
        step(12, ask(ALICE, f"{bot} Who reported the story?"))
        why = step(11, ask(ALICE, f"{bot} and why them?"))
        assert "power and resources" in texts([c for c in why if c.method == "sendMessage"])[0]
        step(12, ask(ALICE, "/ask and when?"))
        alices_in_12 = answer_message(api, FORUM, 1)
        assert alices_in_12["message_thread_id"] == 12
        step(12, lambda t: api.group_text(FORUM, BOB, "and who?", alices_in_12, topic=t))

        start = step(11, ask(BOB, "/start"))
        assert "privacy mode" in texts(start)[0].lower()
        step(12, ask(BOB, "/help"))
        step(11, ask(BOB, "/sources"))
        usage = step(12, ask(BOB, "/ask"))
        assert "Usage" in texts(usage)[0]
        refused = step(11, ask(BOB, "/reload"))
        assert texts(refused) == [NOT_ADMIN]
        failed = step(12, ask(BOB, f"{bot} kaboom"))
        assert texts([c for c in failed if c.method == "sendMessage"]) == [FAILED]
        upload = step(11, lambda t: api.group_document(FORUM, BOB, "x.txt", b"x", bot, topic=t))
        assert "Only the bot's admins" in texts(upload)[0]

        in_11 = answer_message(api, FORUM, 0)
        data = button_data(in_11)
        sources = step(11, lambda t: api.callback_query(ALICE, in_11, data["Sources"]))
        assert "Akim" in texts([c for c in sources if c.method == "sendMessage"])[0]
        before = len(forum_calls(api))
        api.callback_query(ADMIN, in_11, data["👍"])
        settle(api)
        assert forum_calls(api)[before:] == []  # a vote answers the press only
    assert len(api.calls_to("answerCallbackQuery")) == 2
    sends = [c for c in forum_calls(api) if c.method in ("sendMessage", "sendChatAction")]
    assert sends and all("message_thread_id" in c.params for c in sends)
    conversations = [(q, c) for q, c, _ in engine.asked]
    assert conversations == [
        ("who manages regional commissions?", key_of(FORUM, ALICE, 11)),
        ("Who reported the story?", key_of(FORUM, ALICE, 12)),
        ("and why them?", key_of(FORUM, ALICE, 11)),
        ("and when?", key_of(FORUM, ALICE, 12)),
        ("and who?", key_of(FORUM, ALICE, 12)),  # Bob's reply continues Alice's answer
    ]
    resolved = [a.resolved for _, _, a in engine.asked]
    assert "regional" in resolved[2] and "reported" not in resolved[2]
    assert "reported" in resolved[3] and "regional" not in resolved[3]


def test_start_in_a_group_says_how_to_address_the_bot(
    fake_bot_api: FakeBotAPI, seed_engine: Engine, tmp_path: Path
) -> None:
    api = fake_bot_api
    with RunningBot(bot_settings(api, seed_engine, tmp_path), seed_engine, api):
        api.group_text(TEAM, ALICE, "/start")
        api.private_text(ALICE, "/start")
        group = texts(api.wait_sent(TEAM))[0]
        private = texts(api.wait_sent(ALICE))[0]
    assert f"@{api.bot_username}" in group and "/ask" in group and "reply" in group
    assert "/setprivacy" in group and "Privacy mode" in group
    assert "/setprivacy" not in private and "Just send me a question" in private
    assert "message_thread_id" not in api.sent(TEAM)[0].params  # no topics here
