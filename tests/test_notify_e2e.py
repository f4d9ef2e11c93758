"""Closing the loop for the asker with the real engine (issue 25, item 4): a refused question,
its 🔔 button, then documents added and the index rebuilt underneath the running bot. The
asker gets the cited answer once, and only from a build that answers it (the same
answerability decision as any question); and through a ``kill -9`` of ``docbot serve`` in the
middle of a build, the waiting request is answered once by the next process."""

from __future__ import annotations

import fcntl
import json
import os
import shutil
import signal
import time
from pathlib import Path
from typing import Any

import pytest
from support.bots import (
    ADMIN,
    NEW_DOC,
    USER,
    RunningBot,
    bot_settings,
    button_data,
    last_with_buttons,
    settle,
    visible,
)
from support.fakebotapi import FakeBotAPI
from support.paths import DOCUMENTS, ROOT
from support.processes import Serve

from bot.answering.engine import Engine
from bot.settings import Settings
from bot.telegram.replies import NOTIFY_BUTTON
from index import disk

pytestmark = pytest.mark.model

ZORBLAX = "Who founded the Zorblax Harvest Festival?"
UNANSWERED = "How many moons does Neptune have?"
APPLES = (
    "Apple Orchards of the North\n\n"
    "Apple orchards in the northern valleys are pruned every February. Growers plant the "
    "hardy Antonovka variety because it survives long winters.\n"
)
HEAD = "🔔 The documents now answer your question"


def accepted(api: FakeBotAPI, chat: int) -> list[str]:
    with api._cond:
        return [visible(str(m["text"])) for m in api.messages if m["chat"]["id"] == chat]


def notifications(api: FakeBotAPI, chat: int) -> list[str]:
    return [t for t in accepted(api, chat) if t.startswith(HEAD)]


def ask_and_press(api: FakeBotAPI, user: int, question: str, timeout: float = 30) -> str:
    """Ask, be refused, press 🔔; the refusal's text."""
    before = len(accepted(api, user))
    api.private_text(user, question)
    api.wait_for(lambda: len(accepted(api, user)) > before, timeout)
    refusal = last_with_buttons(api, user)
    presses = len(api.calls_to("answerCallbackQuery"))
    api.callback_query(user, refusal, button_data(refusal)[NOTIFY_BUTTON])
    api.wait_for(lambda: len(api.calls_to("answerCallbackQuery")) > presses, timeout)
    return accepted(api, user)[-1]


def ledgers(folder: Path, files: int = 120) -> None:
    """Filler documents that take the model a few seconds to index on one thread."""
    folder.mkdir()
    goods = ("copper wire", "barley", "salt", "linen", "resin", "tin plates", "wax", "hemp")
    for i in range(files):
        lines = [
            f"Ledger {i} records that storehouse {j} received {i * 7 + j} crates of "
            f"{goods[(i + j) % len(goods)]} in week {j + 1}."
            for j in range(8)
        ]
        (folder / f"ledger-{i:03}.txt").write_text(" ".join(lines) + "\n", encoding="utf-8")


def building(root: Path) -> bool:
    """Whether another process holds the index's build lock (from the build's first step to its
    swap: the temporary build folder alone exists only for the last few milliseconds)."""
    path = disk.lock_path(root)
    if not path.exists():
        return False
    fd = os.open(path, os.O_RDONLY)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        return True
    finally:
        os.close(fd)  # closing releases a lock this test took
    return False


def add_and_build(settings: Settings, embedder: Any, name: str, text: str) -> None:
    """A document saved into the folder and ``docbot index`` run by another process (here an
    engine of its own): the running bot's index folder is swapped underneath it."""
    (settings.documents_dir / name).write_text(text, encoding="utf-8")
    Engine(settings, embedder=embedder).reindex()


def test_the_asker_is_told_once_and_only_by_a_build_that_answers(
    fake_bot_api: FakeBotAPI, own_engine: Engine, real_embedder: Any, tmp_path: Path
) -> None:
    api = fake_bot_api
    settings = bot_settings(api, own_engine, tmp_path, notify_check_s=0.2)
    with RunningBot(settings, own_engine, api) as bot:
        refusal = ask_and_press(api, USER, ZORBLAX)
        ask_and_press(api, ADMIN, UNANSWERED)
        notifier = api.wait_for(lambda: bot.app.bot_data.get("notifier"))
        # a document that answers neither: nothing is sent
        add_and_build(own_engine.settings, real_embedder, "apples.txt", APPLES)
        api.wait_for(lambda: "apples.txt" in str(own_engine.index().sources()))
        time.sleep(1.0)  # several looks at the new build
        assert notifications(api, USER) == [] and notifications(api, ADMIN) == []
        # the Zorblax page: its asker is told, once
        add_and_build(own_engine.settings, real_embedder, "zorblax.txt", NEW_DOC)
        api.wait_for(lambda: notifications(api, USER), 30)
        time.sleep(1.0)
        settle(api)
        assert notifier.sent == 1
    assert "do not cover" in refusal
    [told] = notifications(api, USER)
    assert f"“{ZORBLAX}”" in told and "Velikova" in told and "zorblax.txt" in told
    assert notifications(api, ADMIN) == []  # still waiting: the documents do not answer it
    waiting = json.loads((tmp_path / "requests.json").read_text())["requests"]
    assert [r["question"] for r in waiting] == [UNANSWERED]


@pytest.mark.subprocess
def test_kill_9_in_the_middle_of_a_build_loses_no_notification(
    fake_bot_api: FakeBotAPI, real_embedder: Any, tmp_path: Path
) -> None:
    api = fake_bot_api
    shutil.copytree(DOCUMENTS, tmp_path / "documents")
    env = {
        "PYTHONPATH": str(ROOT),
        "DOCBOT_ADMINS": str(ADMIN),
        "DOCBOT_NOTIFY_CHECK_S": "0.5",
        "DOCBOT_WATCH": "false",  # the build killed is /reload's, not one the watcher starts
    }
    state = tmp_path / "state"
    first = Serve(api.token, api.base_url, tmp_path, "first", env)
    second: Serve | None = None
    try:
        api.wait_for(lambda: api.calls_to("getUpdates") or first.process.poll() is not None, 120)
        assert first.process.poll() is None, first.output()
        ask_and_press(api, USER, ZORBLAX)
        (tmp_path / "documents" / "zorblax.txt").write_text(NEW_DOC, encoding="utf-8")
        ledgers(tmp_path / "documents" / "ledgers")  # a build long enough to be killed in
        api.private_text(ADMIN, "/reload")
        started = time.monotonic()
        while not building(state / "index") and time.monotonic() - started < 60:
            time.sleep(0.01)
        assert building(state / "index"), first.output()  # the build has begun
        first.process.kill()  # SIGKILL, mid-build
        first.process.wait(10)
        first.stop()
        assert notifications(api, USER) == []
        waiting = json.loads((state / "requests.json").read_text())["requests"]
        assert [r["question"] for r in waiting] == [ZORBLAX]

        second = Serve(api.token, api.base_url, tmp_path, "second", env)
        api.wait_for(lambda: api.calls_to("getUpdates") and second.process.poll() is None, 120)
        api.private_text(ADMIN, "/reload")  # the build the first process never finished
        api.wait_for(lambda: notifications(api, USER) or second.process.poll() is not None, 120)
        assert second.process.poll() is None, second.output()
        time.sleep(1.5)  # looks after the notification: nothing more
        assert second.stop(signal.SIGTERM) == 0, second.output()
    finally:
        for serve in (first, second):
            if serve is not None and serve.process.poll() is None:
                serve.stop(signal.SIGKILL)
    [told] = notifications(api, USER)
    assert "Velikova" in told and "zorblax.txt" in told
    assert json.loads((state / "requests.json").read_text())["requests"] == []
