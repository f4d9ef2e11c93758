"""Restart: `docbot serve` (a real process against the fake Bot API) is killed with SIGKILL while
questions are queued, then started again.

- Questions it had fetched and confirmed to Telegram but not answered yet are answered after
  the restart (from its delivery journal), once each, each chat in order.
- Questions it had answered but not yet confirmed (Telegram delivers them again) are not
  answered a second time.
"""

from __future__ import annotations

import json
import shutil
import signal
import threading
from pathlib import Path
from typing import Any

import pytest
from support.bots import answered, settle
from support.fakebotapi import Call, FakeBotAPI, Reset, running_fake_api
from support.paths import DOCUMENTS
from support.processes import Serve

from bot.telegram.delivery import DeliveryJournal, bot_id_from_token

pytestmark = [pytest.mark.model, pytest.mark.subprocess]

Q_TENGRI = ("Who reported the story?", "Tengrinews")
Q_AKIM = ("who manages regional commissions?", "Akim")
Q_42 = ("How many extremist groups were neutralized?", "42")


def done_ids(journal: Path) -> set[int]:
    """The update ids the journal lists as answered."""
    found: set[int] = set()
    if not journal.exists():
        return found
    for line in journal.read_text(encoding="utf-8").splitlines():
        try:
            event = json.loads(line)
        except ValueError:
            continue
        if "done" in event:
            found.add(int(event["done"].partition(":")[0]))
        found.update(int(k.partition(":")[0]) for k in event.get("done_keys", []))
    return found


def test_sigkill_with_questions_queued_loses_none_and_repeats_none(
    fake_bot_api: FakeBotAPI, tmp_path: Path
) -> None:
    api = fake_bot_api
    shutil.copytree(DOCUMENTS, tmp_path / "documents")
    journal = tmp_path / "state" / "delivery.jsonl"
    gate = threading.Event()  # held Bot API calls wait here, then fail unprocessed
    held: list[Call] = []

    def hold(call: Call) -> Any:
        held.append(call)
        gate.wait(90)
        return Reset()  # never processed: the connection just drops

    first = Serve(api.token, api.base_url, tmp_path, "first")
    second: Serve | None = None
    try:
        api.wait_for(lambda: api.calls_to("getUpdates") or first.process.poll() is not None, 120)
        assert first.process.poll() is None, first.output()

        # 0. answered normally
        api.private_text(30, Q_TENGRI[0])
        api.wait_for(lambda: answered(api, 30), 30)

        # 1. fetched and confirmed, answers stuck: sends to chats 21 and 22 hang
        stuck = {21, 22}
        api.faults.append(
            lambda c: (
                hold(c) if c.method == "sendMessage" and int(c.params["chat_id"]) in stuck else None
            )
        )
        queued = [
            api.private_text(21, Q_TENGRI[0]),
            api.private_text(22, Q_42[0]),
            api.private_text(21, Q_AKIM[0]),
            api.private_text(21, Q_42[0]),
        ]
        api.wait_for(
            lambda: (
                any(
                    int(c.params.get("offset") or 0) > max(queued)
                    for c in api.calls_to("getUpdates")
                )
                and {int(c.params["chat_id"]) for c in held} == stuck
            ),
            30,
        )

        # 2. answered, not confirmed: the getUpdates that would confirm them hangs
        last: list[int] = []
        api.faults.append(
            lambda c: (
                hold(c)
                if c.method == "getUpdates"
                and last
                and int(c.params.get("offset") or 0) > max(last)
                else None
            )
        )
        last += [api.private_text(11, Q_AKIM[0]), api.private_text(12, Q_TENGRI[0])]
        api.wait_for(lambda: answered(api, 11) and answered(api, 12), 30)
        api.wait_for(lambda: set(last) <= done_ids(journal), 10)  # the bot recorded them
        assert any(c.method == "getUpdates" for c in held)

        first.process.kill()  # SIGKILL
        first.process.wait(10)
        first.stop()
        api.faults.clear()
        gate.set()
        assert answered(api, 21) == [] and answered(api, 22) == []

        second = Serve(api.token, api.base_url, tmp_path, "second")
        api.wait_for(
            lambda: (
                (len(answered(api, 21)) >= 3 and answered(api, 22))
                or second.process.poll() is not None
            ),
            120,
        )
        assert second.process.poll() is None, second.output()
        settle(api)
        log = second.output()
        assert second.stop() == 0, log
    finally:
        gate.set()
        if first.process.poll() is None:
            first.stop(signal.SIGKILL)
        if second is not None and second.process.poll() is None:
            second.stop(signal.SIGKILL)

    # unanswered before the kill: answered after it, once each, in order
    chat21 = answered(api, 21)
    assert len(chat21) == 3
    for (_, expected), reply in zip((Q_TENGRI, Q_AKIM, Q_42), chat21, strict=True):
        assert expected in reply, chat21
    assert len(answered(api, 22)) == 1 and Q_42[1] in answered(api, 22)[0]
    # answered before the kill (and delivered again by Telegram): not answered twice
    assert (
        len(answered(api, 11)) == 1 and len(answered(api, 12)) == 1 and len(answered(api, 30)) == 1
    )
    assert "answering 4 update(s) left pending by the last run" in log
    assert "was answered already; skipped" in log
    assert api.token not in log and api.token not in first.output()
    # the journal ends with nothing pending
    assert DeliveryJournal(journal, bot_id_from_token(api.token)).pending() == []


# --- a new token, numbering from 1 again, re-delivery, an older journal ----------------------
QUESTIONS = (Q_TENGRI, Q_AKIM, Q_42)


def ask_all(api: FakeBotAPI, chat_id: int) -> list[int]:
    return [api.private_text(chat_id, q) for q, _ in QUESTIONS]


def assert_answered_once(api: FakeBotAPI, chat_id: int) -> None:
    """Each of :data:`QUESTIONS` answered once, in order."""
    got = answered(api, chat_id)
    assert len(got) == len(QUESTIONS), got
    for (_, expected), reply in zip(QUESTIONS, got, strict=True):
        assert expected in reply, got


def serve_until_answered(api: FakeBotAPI, root: Path, name: str, chats: dict[int, int]) -> str:
    """Start `docbot serve`, wait until each chat has its count of answers, stop it (SIGTERM);
    returns its log."""
    serve = Serve(api.token, api.base_url, root, name)
    try:
        api.wait_for(
            lambda: (
                all(len(answered(api, c)) >= n for c, n in chats.items())
                or serve.process.poll() is not None
            ),
            120,
        )
        assert serve.process.poll() is None, serve.output()
        settle(api)
    finally:
        log = serve.output()
        code = serve.stop()
    assert code == 0, log
    return log


def test_a_new_bot_token_with_ids_from_1_is_answered(
    fake_bot_api: FakeBotAPI, tmp_path: Path
) -> None:
    """Token A, then token B (another bot, its Bot API numbering from 1) in one folder."""
    shutil.copytree(DOCUMENTS, tmp_path / "documents")
    ask_all(fake_bot_api, 30)
    serve_until_answered(fake_bot_api, tmp_path, "a", {30: 3})
    assert_answered_once(fake_bot_api, 30)

    with running_fake_api(bot_id=7000002, bot_username="docs_prod_bot") as api_b:
        assert api_b.token.split(":")[0] != fake_bot_api.token.split(":")[0]
        assert ask_all(api_b, 30) == [1, 2, 3]  # numbers bot A's journal lists as answered
        log = serve_until_answered(api_b, tmp_path, "b", {30: 3})
        assert_answered_once(api_b, 30)
    bot_a = bot_id_from_token(fake_bot_api.token)
    assert f"belongs to bot {bot_a}, not to this bot" in log
    aside = list((tmp_path / "state").glob(f"delivery.jsonl.bot-{bot_a}.*"))
    assert len(aside) == 1 and set(range(1, 5)) <= done_ids(aside[0])  # kept, not applied
    assert "answered already" not in log


def test_ids_that_start_again_with_new_messages_are_answered(
    fake_bot_api: FakeBotAPI, tmp_path: Path
) -> None:
    """Same token; the Bot API server numbers updates from 1 again (a self-hosted server
    restarted, Telegram's random restart after a quiet week)."""
    api = fake_bot_api
    shutil.copytree(DOCUMENTS, tmp_path / "documents")
    ask_all(api, 30)
    serve_until_answered(api, tmp_path, "first", {30: 3})

    api.restart_numbering()
    assert ask_all(api, 31) == [1, 2, 3]
    log = serve_until_answered(api, tmp_path, "second", {31: 3})
    assert_answered_once(api, 30)
    assert_answered_once(api, 31)
    assert "answered already" not in log and "set aside" not in log


def test_the_same_update_delivered_again_after_a_restart_is_answered_once(
    fake_bot_api: FakeBotAPI, tmp_path: Path
) -> None:
    """Answered, then killed before Telegram was told: Telegram delivers it again."""
    api = fake_bot_api
    shutil.copytree(DOCUMENTS, tmp_path / "documents")
    first = Serve(api.token, api.base_url, tmp_path, "first")
    try:
        ids = ask_all(api, 30)
        api.wait_for(lambda: len(answered(api, 30)) >= 3 or first.process.poll() is not None, 120)
        api.wait_for(lambda: set(ids) <= done_ids(tmp_path / "state" / "delivery.jsonl"), 10)
    finally:
        first.stop(signal.SIGKILL)
    for update in api.pushed[:3]:
        api.deliver_again(update)

    log = serve_until_answered(api, tmp_path, "second", {})
    assert_answered_once(api, 30)
    assert log.count("was answered already; skipped") == 3, log


def test_a_journal_of_an_older_version_keeps_its_pending_updates(
    fake_bot_api: FakeBotAPI, tmp_path: Path
) -> None:
    """A journal without a bot id, in the older format (bare done ids): its pending
    questions are answered; what it lists as answered (with the update) is not repeated."""
    api = fake_bot_api
    shutil.copytree(DOCUMENTS, tmp_path / "documents")
    old = [
        {"update_id": n, "message": api.private_message(40, q)}
        for n, (q, _) in enumerate(QUESTIONS, 1)
    ]
    lines = [{"got": old[0]}, {"done": 1}, {"got": old[1]}, {"got": old[2]}, {"done_ids": [7, 8]}]
    journal = tmp_path / "state" / "delivery.jsonl"
    journal.parent.mkdir(parents=True)
    journal.write_text("".join(json.dumps(line) + "\n" for line in lines), encoding="utf-8")

    log = serve_until_answered(api, tmp_path, "upgraded", {40: 2})
    got = answered(api, 40)
    assert len(got) == 2 and Q_AKIM[1] in got[0] and Q_42[1] in got[1], got
    assert "written by an older docbot" in log and "2 pending update(s) kept" in log
    first_line = json.loads(journal.read_text(encoding="utf-8").splitlines()[0])
    assert first_line == {"bot": bot_id_from_token(api.token)}
