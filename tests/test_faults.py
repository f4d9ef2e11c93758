"""Bot API faults (429, 500, 502, connection resets, slow replies) on getUpdates and on
sendMessage: the bot recovers by itself and every question gets exactly one answer, in order.
Assertions are on the messages the fake server actually accepted (``api.messages``)."""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from support.bots import USER, RunningBot, answered, bot_settings, settle, visible
from support.fakebotapi import Call, Delay, ErrorReply, FakeBotAPI, Fault, Reset, fail_calls

import bot.telegram.retry
from bot.answering.engine import Engine
from bot.telegram.replies import FAILED

pytestmark = [
    pytest.mark.model,
    pytest.mark.filterwarnings("ignore:.*retry_after.*:DeprecationWarning"),
]

# question -> a word its answer must contain (the seed document)
QUESTIONS = (
    ("Who reported the story?", "Tengrinews"),
    ("who manages regional commissions?", "Akim"),
    ("How many extremist groups were neutralized?", "42"),
)
CHATS = (3101, 3102, 3103)


def delivered(api: FakeBotAPI, chat_id: int) -> list[str]:
    """The visible texts of the messages the server accepted for ``chat_id``, in order."""
    with api._cond:
        return [visible(str(m["text"])) for m in api.messages if m["chat"]["id"] == chat_id]


def ask_everyone(api: FakeBotAPI) -> None:
    for question, _ in QUESTIONS:
        for chat in CHATS:
            api.private_text(chat, question)


def assert_each_answered_once_in_order(api: FakeBotAPI) -> None:
    api.wait_for(lambda: all(len(answered(api, c)) >= len(QUESTIONS) for c in CHATS), timeout=60)
    settle(api)
    for chat in CHATS:
        got = answered(api, chat)
        assert len(got) == len(QUESTIONS), (chat, got)  # none missing, none doubled
        for (question, expected), reply in zip(QUESTIONS, got, strict=True):
            assert expected in reply, (chat, question, reply)
        assert delivered(api, chat) == got  # no error notices or stray messages either


def on(method: str, action: Any, times: int) -> Fault:
    return fail_calls(method, action, times)


def every_other(method: str, action: Any, times: int) -> Fault:
    """``action`` on every second call to ``method``, ``times`` times (faults between successes)."""
    seen = [0, 0]

    def fault(call: Call) -> Any:
        if call.method != method or seen[1] >= times:
            return None
        seen[0] += 1
        if seen[0] % 2 == 0:
            seen[1] += 1
            return action
        return None

    return fault


FAULTS: dict[str, Callable[[], Fault]] = {
    "send-429": lambda: on(
        "sendMessage", ErrorReply(429, "Too Many Requests: retry after 1", 1), 2
    ),
    "send-500": lambda: on("sendMessage", ErrorReply(500), 3),
    "send-502": lambda: every_other("sendMessage", ErrorReply(502, "Bad Gateway"), 4),
    "send-reset": lambda: every_other("sendMessage", Reset(), 4),
    "send-slow": lambda: on("sendMessage", Delay(1.5), 4),
    "updates-429": lambda: on(
        "getUpdates", ErrorReply(429, "Too Many Requests: retry after 1", 1), 2
    ),
    "updates-500": lambda: every_other("getUpdates", ErrorReply(500), 3),
    "updates-502": lambda: on("getUpdates", ErrorReply(502, "Bad Gateway"), 2),
    "updates-reset": lambda: every_other("getUpdates", Reset(), 3),
    "updates-slow": lambda: every_other("getUpdates", Delay(2.0), 3),
}


@pytest.fixture
def quick_retries(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(bot.telegram.retry, "RETRY_PAUSES", (0.2, 0.4, 0.8, 1.6))


@pytest.mark.parametrize("name", list(FAULTS))
def test_fault_is_survived_and_every_question_answered_once(
    name: str,
    fake_bot_api: FakeBotAPI,
    seed_engine: Engine,
    tmp_path: Path,
    quick_retries: None,
) -> None:
    api = fake_bot_api
    with RunningBot(bot_settings(api, seed_engine, tmp_path), seed_engine, api):
        fault = FAULTS[name]()
        fired: list[Call] = []

        def counted(call: Call) -> Any:
            action = fault(call)
            if action is not None:
                fired.append(call)
            return action

        api.faults.append(counted)
        ask_everyone(api)
        assert_each_answered_once_in_order(api)
    assert fired  # the fault really happened


def test_long_outage_of_both_endpoints(
    fake_bot_api: FakeBotAPI,
    seed_engine: Engine,
    tmp_path: Path,
    quick_retries: None,
) -> None:
    """502 on everything for about two seconds, while questions arrive."""
    api = fake_bot_api
    with RunningBot(bot_settings(api, seed_engine, tmp_path), seed_engine, api):
        outage = {"on": True}

        def down(call: Call) -> Any:
            return ErrorReply(502, "Bad Gateway") if outage["on"] else None

        api.private_text(CHATS[0], QUESTIONS[0][0])  # fetched before the outage
        api.wait_for(lambda: api.calls_to("sendChatAction"))
        api.faults.append(down)
        for question, _ in QUESTIONS[1:]:
            api.private_text(CHATS[0], question)
        for chat in CHATS[1:]:
            for question, _ in QUESTIONS:
                api.private_text(chat, question)
        time.sleep(2.0)
        outage["on"] = False
        assert_each_answered_once_in_order(api)
    assert any(c.method == "getUpdates" for c in api.calls)


def test_reply_lost_after_telegram_accepted_it_is_sent_again(
    fake_bot_api: FakeBotAPI,
    seed_engine: Engine,
    tmp_path: Path,
    quick_retries: None,
) -> None:
    """The real ambiguity: Telegram sends the message, then the connection drops before its
    reply. The bot cannot tell this from a reset before sending, and a lost answer is worse than
    a repeated one, so it sends again: the user sees that one answer twice (documented
    at-least-once). The next question is answered once."""
    api = fake_bot_api
    api.faults.append(fail_calls("sendMessage", Reset(processed=True), 1))
    with RunningBot(bot_settings(api, seed_engine, tmp_path), seed_engine, api):
        api.private_text(USER, QUESTIONS[0][0])
        api.wait_for(lambda: len(answered(api, USER)) >= 2)
        api.private_text(USER, QUESTIONS[1][0])
        api.wait_for(lambda: len(answered(api, USER)) >= 3)
        settle(api)
    first, again, second = answered(api, USER)
    assert first == again and QUESTIONS[0][1] in first
    assert QUESTIONS[1][1] in second


def test_html_refused_with_400_is_resent_once_as_plain_text(
    fake_bot_api: FakeBotAPI,
    seed_engine: Engine,
    tmp_path: Path,
) -> None:
    """Every HTML send refused as unparsable: each reply goes out once as plain text (one
    plain retry per message, no loop), the buttons still attached."""
    api = fake_bot_api

    def refuse_html(call: Call) -> Any:
        if call.method == "sendMessage" and call.params.get("parse_mode") == "HTML":
            return ErrorReply(400, "Bad Request: can't parse entities: unexpected end tag")
        return None

    api.faults.append(refuse_html)
    with RunningBot(bot_settings(api, seed_engine, tmp_path), seed_engine, api):
        for question, _ in QUESTIONS:
            api.private_text(USER, question)
        api.wait_for(lambda: len(answered(api, USER)) >= len(QUESTIONS))
        settle(api)
    got = answered(api, USER)
    assert [e in a for (_, e), a in zip(QUESTIONS, got, strict=True)] == [True] * 3
    html_tries = [c for c in api.sent(USER) if c.params.get("parse_mode") == "HTML"]
    plain = [c for c in api.sent(USER) if "parse_mode" not in c.params]
    assert len(html_tries) == len(plain) == len(QUESTIONS)
    assert [str(c.params["text"]) for c in plain] == [
        visible(str(c.params["text"])) for c in html_tries
    ]


def test_other_400_is_not_retried_and_reported(
    fake_bot_api: FakeBotAPI,
    seed_engine: Engine,
    tmp_path: Path,
    caplog: pytest.LogCaptureFixture,
) -> None:
    """A 400 that is not about formatting is not retried (it would fail again): the user gets
    the short error notice, the error is logged, and the bot carries on."""
    api = fake_bot_api
    api.faults.append(fail_calls("sendMessage", ErrorReply(400, "Bad Request: chat not found"), 1))
    caplog.set_level(logging.WARNING)
    with RunningBot(bot_settings(api, seed_engine, tmp_path), seed_engine, api):
        api.private_text(USER, QUESTIONS[0][0])
        api.wait_for(lambda: delivered(api, USER))
        api.private_text(USER, QUESTIONS[1][0])
        api.wait_for(lambda: answered(api, USER))
        settle(api)
    assert delivered(api, USER)[0] == FAILED
    assert QUESTIONS[1][1] in answered(api, USER)[0] and len(answered(api, USER)) == 1
    assert len(api.sent(USER)) == 3  # refused answer, notice, next answer: no retries
    assert "Chat not found" in caplog.text
