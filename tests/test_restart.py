"""Restart: `docbot serve` (a real process against the fake Bot API) is killed with SIGKILL while
questions are queued, then started again.

- Questions it had fetched and confirmed to Telegram but not answered yet are answered after
  the restart (from its delivery journal), once each, each chat in order.
- Questions it had answered but not yet confirmed (Telegram delivers them again) are not
  answered a second time.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import threading
from pathlib import Path
from typing import Any

import pytest
from conftest import DOCUMENTS
from fakebotapi import Call, FakeBotAPI, Reset, fake_bot_api_fixture  # noqa: F401
from test_telegram_e2e import settle, visible

pytestmark = pytest.mark.model

Q_TENGRI = ("Who reported the story?", "Tengrinews")
Q_AKIM = ("who manages regional commissions?", "Akim")
Q_42 = ("How many extremist groups were neutralized?", "42")


def answers(api: FakeBotAPI, chat_id: int) -> list[str]:
    with api._cond:
        return [
            visible(str(m["text"]))
            for m in api.messages
            if m["chat"]["id"] == chat_id and m.get("reply_markup")
        ]


def done_ids(journal: Path) -> set[int]:
    found: set[int] = set()
    if not journal.exists():
        return found
    for line in journal.read_text(encoding="utf-8").splitlines():
        try:
            event = json.loads(line)
        except ValueError:
            continue
        if "done" in event:
            found.add(int(event["done"]))
        found.update(int(i) for i in event.get("done_ids", []))
    return found


class Serve:
    """`docbot -v serve` as a subprocess; stderr collected in a file."""

    def __init__(self, api: FakeBotAPI, root: Path, name: str) -> None:
        self.log = root / f"{name}.log"
        env = {
            **os.environ,
            "TELEGRAM_BOT_TOKEN": api.token,
            "DOCBOT_TELEGRAM_BASE_URL": api.base_url,
            "DOCBOT_DOCUMENTS_DIR": str(root / "documents"),
            "DOCBOT_INDEX_DIR": str(
                root / "state" / "index"
            ),  # not ./index: `python -m` puts cwd first on sys.path
            "DOCBOT_FEEDBACK_FILE": str(root / "state" / "feedback.jsonl"),
            "DOCBOT_TORCH_THREADS": "1",
            "DOCBOT_INDEX_THREADS": "1",
            "HF_HUB_OFFLINE": "1",
            "TRANSFORMERS_OFFLINE": "1",
        }
        self._err = self.log.open("w")
        self.process = subprocess.Popen(
            [sys.executable, "-m", "bot.cli", "-v", "serve"],
            cwd=root,
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=self._err,
            text=True,
        )

    def output(self) -> str:
        if not self._err.closed:
            self._err.flush()
        return self.log.read_text(encoding="utf-8", errors="replace")

    def stop(self, sig: int = signal.SIGTERM) -> int:
        if self.process.poll() is None:
            self.process.send_signal(sig)
        try:
            code = self.process.wait(timeout=30)
        finally:
            if self.process.poll() is None:
                self.process.kill()
                self.process.wait()
            self._err.close()
        return code


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

    first = Serve(api, tmp_path, "first")
    second: Serve | None = None
    try:
        api.wait_for(lambda: api.calls_to("getUpdates") or first.process.poll() is not None, 120)
        assert first.process.poll() is None, first.output()

        # 0. answered normally
        api.private_text(30, Q_TENGRI[0])
        api.wait_for(lambda: answers(api, 30), 30)

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
        api.wait_for(lambda: answers(api, 11) and answers(api, 12), 30)
        api.wait_for(lambda: set(last) <= done_ids(journal), 10)  # the bot recorded them
        assert any(c.method == "getUpdates" for c in held)

        first.process.kill()  # SIGKILL
        first.process.wait(10)
        first.stop()
        api.faults.clear()
        gate.set()
        assert answers(api, 21) == [] and answers(api, 22) == []

        second = Serve(api, tmp_path, "second")
        api.wait_for(
            lambda: (
                (len(answers(api, 21)) >= 3 and answers(api, 22))
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
    chat21 = answers(api, 21)
    assert len(chat21) == 3
    for (_, expected), reply in zip((Q_TENGRI, Q_AKIM, Q_42), chat21, strict=True):
        assert expected in reply, chat21
    assert len(answers(api, 22)) == 1 and Q_42[1] in answers(api, 22)[0]
    # answered before the kill (and delivered again by Telegram): not answered twice
    assert len(answers(api, 11)) == 1 and len(answers(api, 12)) == 1 and len(answers(api, 30)) == 1
    assert "answering 4 update(s) left pending by the last run" in log
    assert "was answered already; skipped" in log
    assert api.token not in log and api.token not in first.output()
    # the journal ends with nothing pending
    from bot.delivery import DeliveryJournal

    assert DeliveryJournal(journal).pending() == []


# --- the journal itself -------------------------------------------------------------------------
def _update(update_id: int) -> dict[str, Any]:
    return {"update_id": update_id, "message": {"message_id": update_id, "text": "q"}}


def test_journal_survives_a_torn_line_and_skips_what_is_done(tmp_path: Path) -> None:
    from bot.delivery import DeliveryJournal

    path = tmp_path / "delivery.jsonl"
    journal = DeliveryJournal(path)
    journal.received([_update(1), _update(2), _update(3)])
    assert journal.begin(1) and not journal.begin(1)  # not twice in one run
    journal.finish(1)
    assert journal.begin(2)
    journal.finish(2, delivered=False)  # its reply could not be sent: stays pending
    with path.open("a") as out:
        out.write('{"done": 3')  # killed in the middle of a line
    again = DeliveryJournal(path)
    assert [u["update_id"] for u in again.pending()] == [2, 3]
    assert again.is_done(1) and not again.begin(1)
    again.received([_update(1), _update(4)])  # 1 re-delivered by Telegram: not pending again
    assert [u["update_id"] for u in again.pending()] == [2, 3, 4]


def test_journal_stays_bounded(tmp_path: Path) -> None:
    from bot import delivery

    path = tmp_path / "delivery.jsonl"
    journal = delivery.DeliveryJournal(path, keep_done=100)
    for n in range(1, 3 * delivery.COMPACT_LINES):
        journal.received([_update(n)])
        assert journal.begin(n)
        journal.finish(n)
    pending, done, running = journal.sizes()
    assert (pending, done, running) == (0, 100, 0)
    assert len(path.read_text().splitlines()) <= delivery.COMPACT_LINES
    assert not journal.begin(3 * delivery.COMPACT_LINES - 1)  # recent ones are remembered
    assert [p.name for p in tmp_path.iterdir()] == ["delivery.jsonl"]  # no temp files left
