"""Waiting requests in PostgreSQL (``bot_requests``) with several workers: each worker's
:class:`~bot.telegram.notify.Notifier` sees the same new build, and each request is sent once;
a worker killed between its claim and the send loses nothing (another takes the request once
the claim's lease ran out). Two notifiers with stores of their own (as two processes have)
share one database and the fake Bot API; the engine is scripted (no model)."""

from __future__ import annotations

import asyncio
import time
from dataclasses import replace
from pathlib import Path

from support.bots import USER
from support.fakebotapi import FakeBotAPI
from support.swaps import SwappingEngine
from telegram import Bot

from bot.settings import Settings
from bot.telegram.notify import Notifier
from bot.telegram.requests import MAX_PER_USER, Request
from bot.telegram.shared import schema
from bot.telegram.shared.db import SharedDb
from bot.telegram.shared.requests import PgRequests
from bot.telegram.state import BotState

BOT = "4242"
LEASE_S = 1.0
QUESTION = "who manages regional commissions?"


def stores(url: str) -> tuple[PgRequests, PgRequests]:
    """Worker A's and worker B's stores, each on its own connection."""
    first = SharedDb(url)
    first.run(schema.create)
    return (
        PgRequests(first, BOT, "worker-a", LEASE_S),
        PgRequests(SharedDb(url), BOT, "worker-b", LEASE_S),
    )


def ask(chat: int, question: str = QUESTION, user: int = USER) -> Request:
    return Request.new(chat, user, question, None, None)


def test_requests_are_kept_once_per_person_and_question(pg_url: str) -> None:
    a, b = stores(pg_url)
    first = ask(USER)
    assert a.add(first) == "added"
    assert b.add(ask(USER, QUESTION.upper())) == "already"
    for i in range(MAX_PER_USER - 1):
        assert a.add(ask(USER, f"question {i}?")) == "added"
    assert b.add(ask(USER, "one too many?")) == "full"
    assert b.of_user(USER, USER)[0].id == first.id
    assert b.cancel(first.id, USER + 1) is None
    cancelled = b.cancel(first.id, USER)
    assert cancelled is not None and cancelled.question == QUESTION
    assert a.expire(before=time.time() + 1) == MAX_PER_USER - 1


def test_a_claim_holds_until_its_lease_runs_out(pg_url: str) -> None:
    a, b = stores(pg_url)
    a.add(ask(USER))
    claimed = a.next_due("build-2")
    assert claimed is not None and claimed.checked == ""
    assert b.next_due("build-2") is None  # A holds it
    time.sleep(LEASE_S + 0.2)  # A was killed between its claim and the send
    taken = b.next_due("build-2")
    assert taken is not None and taken.id == claimed.id
    a.checked(claimed.id, "build-2")  # A's late word counts no more: B holds it
    assert b.of_user(USER, USER)[0].checked == ""
    b.checked(taken.id, "build-2")
    assert a.next_due("build-2") is None and b.next_due("build-3") is not None
    b.release(taken.id)
    assert a.next_due("build-3") is not None


def test_two_workers_seeing_the_same_build_send_each_answer_once(
    pg_url: str, fake_bot_api: FakeBotAPI, tmp_path: Path
) -> None:
    api = fake_bot_api
    a, b = stores(pg_url)
    settings = Settings(
        _env_file=None,
        telegram_bot_token=api.token,
        feedback_file=tmp_path / "feedback.jsonl",
        documents_dir=tmp_path / "documents",
        index_dir=tmp_path / "index",
    )
    engine = SwappingEngine(settings, {QUESTION: 2})
    chats = [USER + i for i in range(12)]
    for chat in chats:
        a.add(ask(chat, user=chat))
    a.add(ask(chats[0], "what is the capital of Peru?", user=chats[0]))  # never answered

    async def both_look() -> list[int]:
        async with Bot(api.token, base_url=api.base_url) as bot:
            state = BotState(settings, engine, BOT)  # type: ignore[arg-type]  # scripted
            workers = [Notifier(state, s, bot) for s in (a, b)]
            await asyncio.gather(*(w.look() for w in workers))  # build 1: nothing to tell
            engine.swap()
            return list(await asyncio.gather(*(w.look() for w in workers)))

    sent = asyncio.run(both_look())
    assert sum(sent) == len(chats)
    told = [int(c.params["chat_id"]) for c in api.sent()]
    assert sorted(told) == chats  # each once, by one worker or the other
    assert [r.question for r in a.of_user(chats[0], chats[0])] == ["what is the capital of Peru?"]
    assert a.next_due("build-2") is None  # the refused one was asked against build 2 once


def test_the_asker_s_language_is_kept_with_the_request(pg_url: str) -> None:
    a, b = stores(pg_url)
    assert a.add(replace(ask(USER), language="kk")) == "added"
    assert b.of_user(USER, USER)[0].language == "kk"
