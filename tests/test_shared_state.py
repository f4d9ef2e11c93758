"""The bot state in PostgreSQL (``DOCBOT_STORE``): claims, per-chat order, lease takeover,
conversations, rate limits and votes shared between workers (here: separate store objects and
connections in one process; tests/test_workers.py runs real processes)."""

from __future__ import annotations

import asyncio
import dataclasses
import logging
import time
from pathlib import Path
from typing import Any

import pytest
from support.postgres import execute, query
from support.workers import RecordingApp, text_update

from bot.answering.conversation import Turn
from bot.settings import Settings
from bot.telegram.shared import schema
from bot.telegram.shared.answers import PgRecentAnswers
from bot.telegram.shared.claims import Claims, chat_of
from bot.telegram.shared.conversations import PgConversationStore
from bot.telegram.shared.db import SharedDb
from bot.telegram.shared.ratelimit import PgRateLimit
from bot.telegram.shared.state import SharedState
from bot.telegram.shared.votes import PgFeedbackLog
from bot.telegram.state import BotState
from bot.telegram.workers import ClaimingWorker
from index.errors import StoreUnreachableError

pytestmark = pytest.mark.postgres

BOT = "7000001"


def ready_db(url: str) -> SharedDb:
    db = SharedDb(url)
    db.run(schema.create)
    return db


def claims(url: str, worker: str, lease_s: float = 60.0, bot: str = BOT) -> Claims:
    return Claims(ready_db(url), bot, worker, lease_s)


def worker(url: str, name: str, log: list[tuple[str, int]], **kw: Any) -> ClaimingWorker:
    lease = kw.pop("lease_s", 60.0)
    return ClaimingWorker(RecordingApp(name, log, **kw), claims(url, name, lease))  # type: ignore[arg-type]


async def settled(*workers: ClaimingWorker) -> None:
    for _ in range(200):
        tasks = [t for w in workers for t in w._tasks]
        if not tasks:
            return
        await asyncio.wait(tasks, timeout=5)
    raise AssertionError("the workers did not finish")


def test_schema_creation_is_idempotent(pg_url: str) -> None:
    ready_db(pg_url)
    ready_db(pg_url).run(schema.create)
    assert query(pg_url, "SELECT count(*) FROM bot_claims") == [(0,)]


async def test_an_update_is_claimed_once(pg_url: str) -> None:
    a, b = claims(pg_url, "a"), claims(pg_url, "b")
    raw = text_update(1, 30)
    assert await a.claim(raw) is True
    assert await b.claim(raw) is False  # the same update posted to another worker
    assert await a.claim(raw) is False  # or again to the same one
    other_bot = claims(pg_url, "a", bot="7000002")
    assert await other_bot.claim(raw) is True  # keyed by bot id
    assert query(pg_url, "SELECT worker FROM bot_claims WHERE bot_id = %s", BOT) == [("a",)]


async def test_the_same_update_posted_to_two_workers_is_answered_once(pg_url: str) -> None:
    log: list[tuple[str, int]] = []
    a, b = worker(pg_url, "a", log), worker(pg_url, "b", log)
    raw = text_update(1, 30)
    assert list(await asyncio.gather(a.receive(raw), b.receive(raw))) == [200, 200]
    await settled(a, b)
    assert [u for _, u in log] == [1]
    assert query(pg_url, "SELECT count(*) FROM bot_claims WHERE done_at IS NOT NULL") == [(1,)]


async def test_a_chat_is_answered_in_update_order_across_workers(pg_url: str) -> None:
    """Update 2 reaches worker b first; each worker gets every other update of one chat; the
    answers come in update order, each once, and chats do not wait for one another."""
    log: list[tuple[str, int]] = []
    a, b = worker(pg_url, "a", log, delay=0.05), worker(pg_url, "b", log, delay=0.05)
    await a.claims.claim(text_update(2, 30))  # claimed, not yet answered
    await b.claims.claim(text_update(1, 30))
    statuses = []
    for n in range(3, 11):
        statuses.append(await (a if n % 2 else b).receive(text_update(n, 30)))
    statuses.append(await a.receive(text_update(11, 31)))
    await settled(a, b)
    assert set(statuses) == {200}
    chat30 = [u for _, u in log if u != 11]
    assert chat30 == list(range(1, 11))


async def test_a_held_chat_is_skipped_by_a_scan_and_waited_for_by_a_claim(pg_url: str) -> None:
    a, b = claims(pg_url, "a"), claims(pg_url, "b")
    async with a.chat(30) as turn:
        assert turn is not None
        async with b.chat(30, wait=False) as other:
            assert other is None
        async with b.chat(31, wait=False) as free:
            assert free is not None


async def test_an_expired_claim_is_taken_over_once(pg_url: str) -> None:
    log: list[tuple[str, int]] = []
    dead = claims(pg_url, "dead", lease_s=0.5)
    await dead.claim(text_update(1, 30))
    await dead.claim(text_update(2, 30))
    b = worker(pg_url, "b", log, lease_s=0.5)
    c = worker(pg_url, "c", log, lease_s=0.5)
    assert await b.claims.take_over_expired() == []  # within the lease
    await asyncio.sleep(0.7)
    taken = await asyncio.gather(b.claims.take_over_expired(), c.claims.take_over_expired())
    assert sorted(taken, key=len) == [[], [30]]  # SKIP LOCKED / the new claimed_at: one of them
    winner = b if taken[0] else c
    await winner.answer_chat(30, wait=False)
    assert log == [(winner.claims.worker, 1), (winner.claims.worker, 2)]
    assert await b.claims.take_over_expired() == []


async def test_the_scanner_answers_what_a_dead_worker_left(pg_url: str) -> None:
    log: list[tuple[str, int]] = []
    await claims(pg_url, "dead", lease_s=0.4).claim(text_update(5, 40))
    b = worker(pg_url, "b", log, lease_s=0.4)
    await b.start()
    try:
        deadline = time.monotonic() + 10
        while not log and time.monotonic() < deadline:
            await asyncio.sleep(0.05)
    finally:
        await b.stop()
    assert log == [("b", 5)]


async def test_an_update_whose_reply_failed_stays_open(pg_url: str) -> None:
    log: list[tuple[str, int]] = []
    a = worker(pg_url, "a", log, lease_s=0.3)
    a.app.fail_ids.add(1)  # type: ignore[attr-defined]
    await a.receive(text_update(1, 30))
    await a.receive(text_update(2, 30))
    await settled(a)
    assert log == []  # 2 waits behind 1: the chat stays in order
    a.app.fail_ids.clear()  # type: ignore[attr-defined]
    await asyncio.sleep(0.4)
    for chat in await a.claims.take_over_expired():
        await a.answer_chat(chat, wait=False)
    assert log == [("a", 1), ("a", 2)]
    attempts = query(pg_url, "SELECT attempts FROM bot_claims ORDER BY update_id")
    assert attempts == [(1,), (1,)]  # the failed try did not count


async def test_an_unreachable_database_answers_503_and_says_so(
    caplog: pytest.LogCaptureFixture,
) -> None:
    log: list[tuple[str, int]] = []
    gone = ClaimingWorker(
        RecordingApp("a", log),  # type: ignore[arg-type]
        Claims(SharedDb("postgresql://docbot@127.0.0.1:9/none"), BOT, "a", 60.0),
    )
    with caplog.at_level(logging.ERROR, logger="docbot.workers"):
        assert await gone.receive(text_update(1, 30)) == 503
        assert await gone.receive(text_update(2, 30)) == 503
    lines = [r.getMessage() for r in caplog.records]
    assert len(lines) == 1 and "Cannot reach the PostgreSQL store" in lines[0], lines
    assert "Telegram sends it again" in lines[0]
    with pytest.raises(StoreUnreachableError):
        await gone.claims.take_over_expired()


def test_serve_waits_for_an_unreachable_store_one_line_a_try(
    caplog: pytest.LogCaptureFixture, monkeypatch: pytest.MonkeyPatch
) -> None:
    from bot.cli import commands

    tries: list[float] = []

    def sleep(seconds: float) -> None:
        tries.append(seconds)
        if len(tries) == 2:
            raise KeyboardInterrupt  # the operator stops it

    monkeypatch.setattr("bot.cli.commands.time.sleep", sleep)
    with caplog.at_level(logging.ERROR, logger="docbot.cli"), pytest.raises(KeyboardInterrupt):
        commands.wait_for_store("postgresql://docbot:pw@127.0.0.1:9/docbot")
    lines = [r.getMessage() for r in caplog.records]
    assert len(lines) == 2 and all("trying again in 5 s" in line for line in lines)
    assert "Cannot reach the PostgreSQL store" in lines[0] and ":pw@" not in lines[0]


def test_chat_of_each_kind_of_update() -> None:
    assert chat_of(text_update(1, -100)) == -100
    press = {"update_id": 2, "callback_query": {"id": "q", "from": {"id": 7}, "message": {
        "chat": {"id": -5}}}}  # fmt: skip
    assert chat_of(press) == -5
    assert chat_of({"update_id": 3, "inline_query": {"id": "i", "from": {"id": 9}}}) == 9
    assert chat_of({"update_id": 4}) == 0


# --- conversations, rate limits, votes ------------------------------------------------------------
def turn(question: str, cited: tuple[str, ...] = ("The Akims manage them.",)) -> Turn:
    return Turn(question, question, "answer", cited, True, time.monotonic())


def test_conversation_turns_are_shared_between_stores(pg_url: str) -> None:
    a = PgConversationStore(ready_db(pg_url), BOT, turns=3)
    b = PgConversationStore(ready_db(pg_url), BOT, turns=3)
    a.add("30", turn("who manages regional commissions?"))
    got = b.recent("30")
    assert [t.question for t in got] == ["who manages regional commissions?"]
    assert got[0].cited == ("The Akims manage them.",) and got[0].found
    for n in range(4):
        b.add("30", turn(f"q{n}"))
    assert [t.question for t in a.recent("30")] == ["q1", "q2", "q3"]  # the last 3 kept
    assert PgConversationStore(ready_db(pg_url), "other", turns=3).recent("30") == []
    a.clear("30")
    assert b.recent("30") == []


def test_old_turns_are_forgotten(pg_url: str) -> None:
    store = PgConversationStore(ready_db(pg_url), BOT, max_age=0.3)
    store.add("30", turn("who?"))
    assert len(store.recent("30")) == 1
    time.sleep(0.4)
    assert store.recent("30") == []
    store.add("31", turn("what?"))  # and the rows of conversations past the age go
    assert query(pg_url, "SELECT conversation_id FROM bot_turns") == [("31",)]


def test_turns_kept_before_issue_26_are_tidied_at_start(pg_url: str, tmp_path: Path) -> None:
    """A group's turns under its chat id alone (before issue 26) cannot be told apart by
    person: they go when the bot starts; a private chat's keep their key and stay; turns past
    the maximum age go too, and another bot's are its own."""
    db = ready_db(pg_url)
    old = PgConversationStore(db, BOT)
    old.add("-1001234", turn("who manages regional commissions?"))  # a group, before
    old.add("30", turn("who reported the story?"))  # a private chat: the same key now
    old.add("-1001234|u30", turn("and why them?"))
    PgConversationStore(db, "7000002").add("-1001234", turn("another bot's"))
    execute(pg_url, "UPDATE bot_turns SET at = at - interval '1 hour' WHERE conversation_id"
          " = '-1001234|u30'")  # fmt: skip
    settings = Settings(_env_file=None, store=pg_url, feedback_file=tmp_path / "f.jsonl")
    SharedState.open(settings, BOT).create_tables()  # what the bot runs as it starts
    rows = query(pg_url, "SELECT bot_id, conversation_id FROM bot_turns ORDER BY seq")
    assert rows == [(BOT, "30"), ("7000002", "-1001234")]
    assert [t.question for t in old.recent("30")] == ["who reported the story?"]


async def test_a_reply_reaching_another_worker_continues_the_answers_conversation(
    pg_url: str, tmp_path: Path
) -> None:
    from bot.telegram.conversations import ConversationKey

    a, b = bot_state(pg_url, tmp_path), bot_state(pg_url, tmp_path)
    alice = ConversationKey(-1001234, 7, 30)
    await a.answered(alice, -1001234, [50, 51])
    assert b.answer_messages.get(-1001234, 51) == alice
    assert b.answer_messages.get(-1001234, 52) is None and b.answer_messages.get(-5, 51) is None
    execute(pg_url, "UPDATE bot_answer_messages SET at = at - interval '1 hour'")
    assert b.answer_messages.get(-1001234, 50) is None  # past the conversation's age
    await b.answered(ConversationKey(-1001234, 7, 31), -1001234, [60])  # drops the old rows
    assert query(pg_url, "SELECT message_id FROM bot_answer_messages") == [(60,)]


def test_the_rate_limit_counts_across_workers(pg_url: str) -> None:
    a = PgRateLimit(ready_db(pg_url), BOT, per_minute=2, window=1.0)
    b = PgRateLimit(ready_db(pg_url), BOT, per_minute=2, window=1.0)
    assert a.wait_time(30) == 0 and b.wait_time(30) == 0
    assert 0 < a.wait_time(30) <= 1.0 and b.wait_time(30) > 0
    assert a.wait_time(31) == 0  # another user
    time.sleep(1.05)
    assert b.wait_time(30) == 0


def test_votes_are_stored_with_one_salt_for_all_workers(pg_url: str) -> None:
    from support.answers import akims

    a, b = PgFeedbackLog(ready_db(pg_url), BOT), PgFeedbackLog(ready_db(pg_url), BOT)
    assert a.user_hash(30) == b.user_hash(30)
    a.record(akims(), "up", 30)
    b.record(akims(), "down", 31)
    votes = query(pg_url, "SELECT vote FROM bot_votes WHERE bot_id = %s ORDER BY seq", BOT)
    assert [v["vote"] for (v,) in votes] == ["up", "down"]
    assert votes[0][0]["user"] == a.user_hash(30) and votes[0][0]["bot"] == BOT


# --- the answers behind the buttons ---------------------------------------------------------------
def bot_state(url: str, tmp_path: Path) -> BotState:
    """A worker's handler state over the database at ``url`` (no engine is needed)."""
    settings = Settings(_env_file=None, store=url, feedback_file=tmp_path / "f.jsonl")
    shared = SharedState.open(settings, BOT)
    shared.create_tables()
    return BotState(settings, None, BOT, shared)  # type: ignore[arg-type]


async def test_an_answer_remembered_by_one_worker_is_recalled_by_another(
    pg_url: str, tmp_path: Path
) -> None:
    from support.answers import akims

    a, b = bot_state(pg_url, tmp_path), bot_state(pg_url, tmp_path)
    answer = akims()
    key = await a.remember(answer, 30)
    assert len(key) == 8 and a.recent.get(key) is None  # not held in memory: in the database
    assert await b.recall(key, 30, 30) == answer
    assert await a.recall(key, 30, 30) == answer
    assert await b.recall("00000000", 30, 30) is None  # unknown (or pruned) key
    assert await b.recall("", 30, 30) is None
    rows = query(pg_url, "SELECT chat_id, answer->>'question' FROM bot_answers WHERE key = %s", key)
    assert rows == [(30, answer.question)]
    other_bot = PgRecentAnswers(ready_db(pg_url), "7000002")
    assert other_bot.get(key) is None  # keyed by bot id


async def test_a_key_from_another_chat_is_refused_and_logged(
    pg_url: str, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    from support.answers import akims

    a, b = bot_state(pg_url, tmp_path), bot_state(pg_url, tmp_path)
    key = await a.remember(akims(), 30)
    with caplog.at_level(logging.WARNING, logger="docbot.telegram"):
        assert await b.recall(key, 31, 31) is None
    assert "button data for another chat's answer from user 31" in caplog.text


def test_pruning_keeps_the_newest_answers(pg_url: str) -> None:
    from support.answers import akims

    a = PgRecentAnswers(ready_db(pg_url), BOT, keep=5)
    b = PgRecentAnswers(ready_db(pg_url), BOT, keep=5)
    other = PgRecentAnswers(ready_db(pg_url), "7000002", keep=5)
    other_key = other.add(akims(), 30)
    keys = [
        (a, b)[n % 2].add(dataclasses.replace(akims(), question=f"q{n}"), 30) for n in range(12)
    ]
    assert query(pg_url, "SELECT count(*) FROM bot_answers WHERE bot_id = %s", BOT) == [(5,)]
    assert all(a.get(key) is None for key in keys[:7])
    held = [b.get(key) for key in keys[7:]]
    assert [h[0].question for h in held if h] == [f"q{n}" for n in range(7, 12)]
    assert other.get(other_key) is not None  # another bot's answers are its own
