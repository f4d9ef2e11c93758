"""Load on loopback: 200 chats asking several questions each, in bursts, through the real bot
(PTB, fake Bot API) and the real engine. All answered, each chat in order, memory flat across
bursts, and every piece of per-chat state within its bound."""

from __future__ import annotations

import gc
import time
from collections import Counter
from pathlib import Path
from typing import Any

import pytest
from support.bots import RunningBot, bot_settings, visible
from support.fakebotapi import FakeBotAPI, invalid_texts
from support.telegram_html import telegram_html_problems

from bot.answering.engine import Engine
from bot.telegram.context import docbot_of
from bot.telegram.delivery import KEEP_DONE

pytestmark = pytest.mark.model

CHATS = 200
FIRST_CHAT = 10_000
BURSTS = 4
TURNS = 3
# (question, a word its answer contains), rotating per chat and burst
QUESTIONS = (
    ("Who reported the story?", "Tengrinews"),
    ("who manages regional commissions?", "Akim"),
    ("How many extremist groups were neutralized?", "42"),
    ("Who is the deputy chairman of the National Security Commission?", "Abdikazimov"),
)
PER_BURST = 1
RSS_GROWTH_LIMIT_MB = 20.0


def rss_mb() -> float:
    with open("/proc/self/status", encoding="ascii") as status:
        for line in status:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    raise AssertionError("no VmRSS in /proc/self/status")


def burst_replies(api: FakeBotAPI) -> dict[int, list[dict[str, Any]]]:
    with api._cond:
        messages = list(api.messages)
    out: dict[int, list[dict[str, Any]]] = {}
    for m in messages:
        out.setdefault(m["chat"]["id"], []).append(m)
    return out


def wait_answered(api: FakeBotAPI, chats: list[int], each: int, timeout: float) -> None:
    """Poll (cheaply, outside the server's lock) until every chat has ``each`` answers."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        with api._cond:
            answered = Counter(m["chat"]["id"] for m in api.messages if m.get("reply_markup"))
        if all(answered[c] >= each for c in chats):
            return
        time.sleep(0.3)
    raise TimeoutError(f"not all {len(chats)} chats got {each} answers in {timeout} s")


def test_200_chats_in_bursts(
    fake_bot_api: FakeBotAPI,
    seed_engine: Engine,
    real_embedder: Any,
    tmp_path: Path,
) -> None:
    api = fake_bot_api
    # a fresh engine over the seed index (its own conversations), short memories
    engine = Engine(
        seed_engine.settings.model_copy(update={"conversation_turns": TURNS}),
        embedder=real_embedder,
    )
    engine.index()
    settings = bot_settings(api, engine, tmp_path, questions_per_minute=1000)
    chats = [FIRST_CHAT + c for c in range(CHATS)]
    rss: list[float] = []
    seconds: list[float] = []
    with RunningBot(settings, engine, api) as running:
        for burst in range(BURSTS):
            started = time.monotonic()
            expected: dict[int, list[str]] = {c: [] for c in chats}
            for turn in range(PER_BURST):
                for chat in chats:
                    n = burst * PER_BURST + turn + chat
                    question, word = QUESTIONS[n % len(QUESTIONS)]
                    api.private_text(chat, question)
                    expected[chat].append(word)
            wait_answered(api, chats, PER_BURST, timeout=60)
            seconds.append(time.monotonic() - started)
            api.wait_idle(quiet=0.3)
            # this burst: each chat answered once per question, in order, valid HTML
            replies = burst_replies(api)
            for chat in chats:
                got = [visible(str(m["text"])) for m in replies[chat]]
                assert len(got) == PER_BURST, (chat, got)
                for word, reply in zip(expected[chat], got, strict=True):
                    assert word in reply, (chat, word, reply[:200])
            assert invalid_texts(api, telegram_html_problems) == []
            with api._cond:  # the fake server's records are not the bot's memory
                api.calls.clear()
                api.messages.clear()
            gc.collect()
            rss.append(rss_mb())
        docbot = docbot_of(running.app.bot_data)
        journal = running.app.bot_data["journal"]
        state = {
            "conversations": len(engine.conversations),  # type: ignore[arg-type]
            "longest": max(len(engine.conversations.recent(str(c))) for c in chats),
            "chat locks": len(docbot.chat_locks),
            "recent answers": len(docbot.recent._items),
            "button owners": len(docbot.answered_in),
            "journal": journal.sizes(),
        }
    total = CHATS * PER_BURST * BURSTS
    print(f"\n{total} questions; burst seconds: {[round(s, 1) for s in seconds]}")
    print(f"RSS MB after each burst: {[round(r, 1) for r in rss]}; state: {state}")
    # memory flat: after the first burst (warm-up), RSS grows by less than the limit
    assert rss[-1] - rss[0] < RSS_GROWTH_LIMIT_MB, rss
    # state within bounds
    assert state["conversations"] <= CHATS + 1 and state["longest"] <= TURNS
    assert state["chat locks"] <= CHATS + 1  # one per chat that asked (bounded at 5000)
    assert state["recent answers"] <= 2000 and state["button owners"] <= 2000
    pending, done, running_now = state["journal"]
    assert pending == 0 and running_now == 0 and done <= KEEP_DONE
    # no burst much slower than the first: nothing grows with the number of questions served
    assert max(seconds[1:]) < 2 * seconds[0] + 5, seconds
