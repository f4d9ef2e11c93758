"""Notifications with two real webhook workers over PostgreSQL (issue 25, items 4 and 5): a
question refused by worker A, its 🔔 pressed through worker B, then `docbot index` from a third
process adds the page that answers it. Both workers see the new version; the asker is told
once. (The workers and the updates posted to them are those of ``test_workers``.)"""

from __future__ import annotations

import shutil
import time
from pathlib import Path

import pytest
import test_workers
from support.bots import NEW_DOC, answered, button_data, last_with_buttons, visible
from support.fakebotapi import FakeBotAPI
from support.paths import DOCUMENTS
from support.postgres import query
from test_workers import Telegram, Worker, docbot_index, stop_cleanly

from bot.telegram.replies import NOTIFY_BUTTON

pytestmark = [pytest.mark.postgres, pytest.mark.model, pytest.mark.subprocess]

CHAT = 701
store = test_workers.store  # the shipped documents' index in a fresh database (docbot index)
workers = test_workers.workers  # two `docbot serve` webhook workers over it
QUESTION = "Who founded the Zorblax Harvest Festival?"


def notifications(api: FakeBotAPI) -> list[str]:
    with api._cond:
        texts = [visible(str(m["text"])) for m in api.messages if m["chat"]["id"] == CHAT]
    return [t for t in texts if t.startswith("🔔 The documents now answer your question")]


@pytest.fixture(autouse=True)
def quick_looks(monkeypatch: pytest.MonkeyPatch) -> None:
    """The workers (started after this) look for a new version every 0.3 s."""
    monkeypatch.setenv("DOCBOT_NOTIFY_CHECK_S", "0.3")


def test_two_workers_tell_the_asker_once(
    fake_bot_api: FakeBotAPI, workers: tuple[Worker, Worker], store: str, tmp_path: Path
) -> None:
    api, telegram, (a, b) = fake_bot_api, Telegram(fake_bot_api), workers
    telegram.ask(a, CHAT, QUESTION)
    api.wait_for(lambda: answered(api, CHAT), 60)
    api.wait_idle(quiet=1.0)
    refusal = last_with_buttons(api, CHAT)
    telegram.press(b, refusal, button_data(refusal)[NOTIFY_BUTTON])
    api.wait_for(lambda: api.calls_to("answerCallbackQuery"), 60)
    shutil.copytree(DOCUMENTS, tmp_path / "documents")
    (tmp_path / "documents" / "zorblax.txt").write_text(NEW_DOC, encoding="utf-8")
    docbot_index(tmp_path, store)  # a third process; both workers follow
    api.wait_for(lambda: notifications(api), 60)
    time.sleep(1.5)  # several more looks by each worker at the new version
    api.wait_idle(quiet=1.0)
    logs = stop_cleanly(a, b)
    [told] = notifications(api)
    assert "Velikova" in told and "zorblax.txt" in told
    assert query(store, "SELECT count(*) FROM bot_requests") == [(0,)]
    assert sum("told that the documents now answer" in log for log in logs) == 1, logs
