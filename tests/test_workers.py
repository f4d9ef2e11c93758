"""Webhook workers over PostgreSQL (issue 14): two real `docbot serve` processes share one
database (the index built into it by `docbot index`, and the bot's state) and one fake Bot
API; updates are posted to their webhooks as Telegram would (secret header, JSON body).

- updates posted alternately to each worker: every question answered once, and a follow-up
  posted to worker B after its question went to worker A is resolved against it;
- the same update posted to both: one reply;
- `kill -9` of a worker with claimed updates: the other answers them after the lease, each chat
  in order;
- the Sources and 👍 buttons of an answer worker A gave, pressed with the callback posted to
  worker B: B shows the sources and records the vote (the answers behind the buttons are in
  the database);
- `docbot index` from a third process after a document was added: both workers answer from it
  without a restart.
"""

from __future__ import annotations

import itertools
import json
import os
import shutil
import signal
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Generator, Iterator
from pathlib import Path
from typing import Any

import pytest
from support.bots import answered, button_data, last_with_buttons
from support.fakebotapi import Call, FakeBotAPI, Reset
from support.paths import DOCUMENTS, ROOT
from support.postgres import fresh_database, query
from support.processes import Serve, serve_env

from bot.telegram.replies import FORGOTTEN

pytestmark = [pytest.mark.postgres, pytest.mark.model, pytest.mark.subprocess]

SECRET = "w0rkers_Secret-1"
LEASE_S = 3.0
Q_TENGRI = ("Who reported the story?", "Tengrinews")
Q_AKIM = ("who manages regional commissions?", "Akim")
Q_42 = ("How many extremist groups were neutralized?", "42")
FOLLOW_UP = ("and why them?", "power and resources")


def free_port() -> int:
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def docbot_index(root: Path, url: str) -> None:
    """`docbot index` of ``root``/documents into the database at ``url``, as its own process."""
    env = {**serve_env("1:x", "http://127.0.0.1:9/bot", root), "DOCBOT_STORE": url}
    env["PYTHONPATH"] = str(ROOT)  # this checkout's code, whatever the venv points at
    built = subprocess.run(
        [sys.executable, "-m", "bot.cli", "index"],
        cwd=root,
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    assert built.returncode == 0, built.stderr


@pytest.fixture(scope="module")
def store(postgres_server: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A database holding the shipped documents' index, built by a `docbot index` process."""
    root = tmp_path_factory.mktemp("workers-index")
    shutil.copytree(DOCUMENTS, root / "documents")
    with fresh_database(postgres_server) as url:
        docbot_index(root, url)
        yield url


class Worker:
    """One `docbot serve` webhook worker on a port of its own."""

    def __init__(self, api: FakeBotAPI, root: Path, name: str, store: str) -> None:
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}/hook"
        env = {
            "PYTHONPATH": str(ROOT),
            "DOCBOT_STORE": store,
            "DOCBOT_WEBHOOK_URL": self.url,
            "DOCBOT_WEBHOOK_LISTEN": "127.0.0.1",
            "DOCBOT_WEBHOOK_PORT": str(self.port),
            "DOCBOT_WEBHOOK_SECRET": SECRET,
            "DOCBOT_CLAIM_LEASE_S": str(LEASE_S),
            # builds here come from `docbot index` in a third process (as the tests say): a
            # worker's own watcher building the same change first would race it for the lock
            # (two watching workers: tests/test_watching_postgres.py)
            "DOCBOT_WATCH": "false",
        }
        self.serve = Serve(api.token, api.base_url, root, name, env)

    def post(self, update: dict[str, Any], secret: str = SECRET) -> int:
        request = urllib.request.Request(
            self.url,
            json.dumps(update).encode(),
            {"Content-Type": "application/json", "X-Telegram-Bot-Api-Secret-Token": secret},
        )
        try:
            with urllib.request.urlopen(request, timeout=10) as response:
                return int(response.status)
        except urllib.error.HTTPError as exc:
            return exc.code
        except urllib.error.URLError:
            return 0  # not listening (yet, or any more)

    def alive(self) -> bool:
        return self.serve.process.poll() is None


class Telegram:
    """Numbers updates and posts each to the webhook of a worker."""

    def __init__(self, api: FakeBotAPI) -> None:
        self.api = api
        self.ids = itertools.count(1)

    def update(self, chat: int, text: str) -> dict[str, Any]:
        return {"update_id": next(self.ids), "message": self.api.private_message(chat, text)}

    def ask(self, worker: Worker, chat: int, text: str) -> dict[str, Any]:
        update = self.update(chat, text)
        assert worker.post(update) == 200, worker.serve.output()
        return update

    def press(self, worker: Worker, message: dict[str, Any], data: str) -> dict[str, Any]:
        """A tap on the inline button with ``data`` under ``message``, by the chat's user."""
        update_id = next(self.ids)
        query = {
            "id": f"cq{update_id}",
            "from": self.api.user(message["chat"]["id"]),
            "chat_instance": "ci1",
            "message": message,
            "data": data,
        }
        update = {"update_id": update_id, "callback_query": query}
        assert worker.post(update) == 200, worker.serve.output()
        return update


@pytest.fixture
def workers(
    fake_bot_api: FakeBotAPI, store: str, tmp_path: Path
) -> Iterator[tuple[Worker, Worker]]:
    """Two workers, ready: both set the webhook and take calls (a wrong secret: 403)."""
    yield from running_pair(fake_bot_api, store, tmp_path)


def running_pair(
    api: FakeBotAPI, store: str, root: Path
) -> Generator[tuple[Worker, Worker], None, None]:
    pair = (Worker(api, root, "a", store), Worker(api, root, "b", store))
    try:
        for worker in pair:

            def ready(w: Worker = worker) -> bool:
                return not w.alive() or w.post({"update_id": 0}, "wrong") == 403

            api.wait_for(ready, 180)
            assert worker.alive(), worker.serve.output()
        yield pair
    finally:
        for worker in pair:
            if worker.alive():
                worker.serve.stop()
            else:
                worker.serve.stop(signal.SIGKILL)


def stop_cleanly(*pair: Worker) -> list[str]:
    logs = [w.serve.output() for w in pair]
    for worker, log in zip(pair, logs, strict=True):
        assert worker.serve.stop() == 0, log
    return logs


def test_updates_posted_alternately_are_answered_once_and_follow_ups_cross_workers(
    fake_bot_api: FakeBotAPI, workers: tuple[Worker, Worker], store: str
) -> None:
    api, (a, b) = fake_bot_api, workers
    telegram = Telegram(api)
    questions = [(chat, q) for chat in (101, 102, 103) for q in (Q_TENGRI, Q_AKIM, Q_42)]
    for i, (chat, (text, _)) in enumerate(questions):
        telegram.ask((a, b)[i % 2], chat, text)
    telegram.ask(a, 200, Q_AKIM[0])
    api.wait_for(lambda: answered(api, 200), 60)
    telegram.ask(b, 200, FOLLOW_UP[0])  # its question went to worker a
    api.wait_for(lambda: len(answered(api, 200)) >= 2 and all(
        len(answered(api, c)) >= 3 for c in (101, 102, 103)), 120)  # fmt: skip
    api.wait_idle(quiet=1.0)
    logs = stop_cleanly(a, b)

    for chat in (101, 102, 103):
        got = answered(api, chat)
        assert len(got) == 3, got
        for (_, expected), reply in zip((Q_TENGRI, Q_AKIM, Q_42), got, strict=True):
            assert expected in reply, got  # once each, in order
    follow_up = answered(api, 200)
    assert len(follow_up) == 2 and FOLLOW_UP[1] in follow_up[1], follow_up
    assert all(api.token not in log for log in logs)
    bot = api.token.partition(":")[0]
    rows = query(store, "SELECT count(*), count(done_at) FROM bot_claims WHERE bot_id = %s", bot)
    assert rows == [(11, 11)]
    workers_used = query(store, "SELECT DISTINCT worker FROM bot_claims WHERE bot_id = %s", bot)
    assert len(workers_used) == 2


def test_the_same_update_posted_to_both_workers_gets_one_reply(
    fake_bot_api: FakeBotAPI, workers: tuple[Worker, Worker]
) -> None:
    api, (a, b) = fake_bot_api, workers
    telegram = Telegram(api)
    updates = [telegram.update(300 + n, Q_TENGRI[0]) for n in range(3)]
    statuses: list[int] = []
    threads = [
        threading.Thread(target=lambda w=w, u=u: statuses.append(w.post(u)))
        for u in updates
        for w in (a, b)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    assert statuses == [200] * 6
    api.wait_for(lambda: all(answered(api, 300 + n) for n in range(3)), 60)
    api.wait_idle(quiet=1.5)
    logs = stop_cleanly(a, b)
    assert [len(answered(api, 300 + n)) for n in range(3)] == [1, 1, 1]
    assert sum(log.count("was claimed already; skipped") for log in logs) == 3


def test_kill_9_of_a_worker_with_claimed_updates_the_other_answers_after_the_lease(
    fake_bot_api: FakeBotAPI, workers: tuple[Worker, Worker], store: str
) -> None:
    api, (a, b) = fake_bot_api, workers
    telegram = Telegram(api)
    gate = threading.Event()
    held: list[Call] = []
    stuck = {401, 402}

    def hold(call: Call) -> Any:
        held.append(call)
        gate.wait(60)
        return Reset()  # never processed: the connection drops

    api.faults.append(
        lambda c: (
            hold(c)
            if c.method == "sendMessage" and int(c.params["chat_id"]) in stuck and not gate.is_set()
            else None
        )
    )
    telegram.ask(a, 401, Q_TENGRI[0])  # a answers it, its reply hangs
    telegram.ask(a, 402, Q_42[0])
    telegram.ask(a, 401, Q_AKIM[0])  # claimed by a, waits behind the first in its chat
    api.wait_for(lambda: {int(c.params["chat_id"]) for c in held} == stuck, 60)
    a.serve.process.kill()  # SIGKILL, with three updates claimed and none answered
    a.serve.process.wait(10)
    killed_at = time.monotonic()
    api.faults.clear()
    gate.set()
    assert answered(api, 401) == [] and answered(api, 402) == []

    api.wait_for(lambda: len(answered(api, 401)) >= 2 and answered(api, 402), 60)
    waited = time.monotonic() - killed_at
    api.wait_idle(quiet=1.0)
    log = b.serve.output()
    assert b.serve.stop() == 0, log
    got = answered(api, 401)
    assert len(got) == 2 and Q_TENGRI[1] in got[0] and Q_AKIM[1] in got[1], got
    assert len(answered(api, 402)) == 1 and Q_42[1] in answered(api, 402)[0]
    assert waited >= LEASE_S - 1.5, waited  # not before the lease (minus the claims' age)
    # updates 1 and 2 taken over; 3 too, or answered with 1 by the holder of chat 401's lock
    assert 2 <= log.count("expired; taken over") <= 3, log
    bot = api.token.partition(":")[0]
    assert query(store, "SELECT count(*) FROM bot_claims WHERE bot_id = %s AND done_at IS NULL",
                 bot) == [(0,)]  # fmt: skip
    assert os.environ.get("DOCBOT_STORE") is None  # the tests' own environment untouched


def test_a_button_of_worker_a_s_answer_pressed_on_worker_b_shows_the_sources(
    fake_bot_api: FakeBotAPI, workers: tuple[Worker, Worker], store: str
) -> None:
    api, (a, b) = fake_bot_api, workers
    telegram = Telegram(api)
    telegram.ask(a, 601, Q_AKIM[0])
    api.wait_for(lambda: answered(api, 601), 60)
    # a has let go of the chat (else it would answer the chat's new claims itself, in order)
    api.wait_idle(quiet=1.0)
    message = last_with_buttons(api, 601)
    data = button_data(message)
    telegram.press(b, message, data["Sources"])
    telegram.press(b, message, data["👍"])
    api.wait_for(lambda: len(api.calls_to("answerCallbackQuery")) >= 2, 60)
    api.wait_idle(quiet=1.0)
    stop_cleanly(a, b)

    notices = [c.params.get("text") for c in api.calls_to("answerCallbackQuery")]
    assert FORGOTTEN not in notices and "Thanks for the feedback!" in notices, notices
    texts = [str(c.params["text"]) for c in api.sent(601)]
    assert len(texts) == 2, texts  # the answer, then the sources that b sent
    assert texts[1].startswith("<b>[1]</b>") and "Akims" in texts[1], texts
    bot = api.token.partition(":")[0]
    claimed = query(store, "SELECT worker FROM bot_claims WHERE bot_id = %s AND update_id > 0"
                    " ORDER BY update_id", bot)  # fmt: skip
    pids = [str(w).rpartition(":")[2] for (w,) in claimed]
    assert pids == [str(a.serve.process.pid)] + [str(b.serve.process.pid)] * 2, claimed
    votes = query(store, "SELECT vote FROM bot_votes WHERE bot_id = %s", bot)
    assert [v["vote"] for (v,) in votes] == ["up"] and Q_AKIM[1] in votes[0][0]["answer"]


HARBOUR = (
    "The Harbour Authority Report\n\n"
    "The harbour of Port Meridian was dredged in 2019 by the Blue Gannet company. "
    "Its new lighthouse keeper is Ottoline Brackenbury.\n"
)


def test_a_new_document_indexed_by_a_third_process_is_answered_by_both_workers(
    fake_bot_api: FakeBotAPI, postgres_server: str, tmp_path: Path
) -> None:
    api, telegram = fake_bot_api, Telegram(fake_bot_api)
    shutil.copytree(DOCUMENTS, tmp_path / "documents")
    with fresh_database(postgres_server) as url:
        docbot_index(tmp_path, url)
        pair = running_pair(api, url, tmp_path)
        a, b = next(pair)
        try:
            question = "Who is the lighthouse keeper of Port Meridian?"
            telegram.ask(a, 501, question)
            api.wait_for(lambda: answered(api, 501), 60)
            assert "Brackenbury" not in answered(api, 501)[0]
            (tmp_path / "documents" / "harbour.txt").write_text(HARBOUR, encoding="utf-8")
            docbot_index(tmp_path, url)  # a third process; the workers keep running
            telegram.ask(a, 502, question)
            telegram.ask(b, 503, question)
            api.wait_for(lambda: answered(api, 502) and answered(api, 503), 60)
            for chat in (502, 503):
                assert "Brackenbury" in answered(api, chat)[0], answered(api, chat)
            api.wait_idle(quiet=1.0)
            stop_cleanly(a, b)
        finally:
            pair.close()
