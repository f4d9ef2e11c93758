"""Notifications with two real webhook workers over PostgreSQL (issue 25, items 4 and 5): a
question refused by worker A, its 🔔 pressed through worker B, then `docbot index` from a third
process adds the page that answers it. Both workers see the new version; the asker is told
once. (The workers and the updates posted to them are those of ``test_workers``.)"""

from __future__ import annotations

import shutil
import time
from pathlib import Path

import pytest
from support.bots import NEW_DOC, answered, button_data, last_with_buttons, visible
from support.fakebotapi import FakeBotAPI
from support.paths import DOCUMENTS
from support.postgres import fresh_database, query
from test_workers import Telegram, docbot_index, running_pair, stop_cleanly

from bot.telegram.replies import NOTIFY_BUTTON

pytestmark = [pytest.mark.postgres, pytest.mark.model, pytest.mark.subprocess]

CHAT = 701
QUESTION = "Who founded the Zorblax Harvest Festival?"


def notifications(api: FakeBotAPI) -> list[str]:
    with api._cond:
        texts = [visible(str(m["text"])) for m in api.messages if m["chat"]["id"] == CHAT]
    return [t for t in texts if t.startswith("🔔 The documents now answer your question")]


def test_two_workers_tell_the_asker_once(
    fake_bot_api: FakeBotAPI,
    postgres_server: str,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    api, telegram = fake_bot_api, Telegram(fake_bot_api)
    monkeypatch.setenv("DOCBOT_NOTIFY_CHECK_S", "0.3")  # the workers' environment
    shutil.copytree(DOCUMENTS, tmp_path / "documents")
    with fresh_database(postgres_server) as url:
        docbot_index(tmp_path, url)
        pair = running_pair(api, url, tmp_path)
        a, b = next(pair)
        try:
            telegram.ask(a, CHAT, QUESTION)
            api.wait_for(lambda: answered(api, CHAT), 60)
            api.wait_idle(quiet=1.0)
            refusal = last_with_buttons(api, CHAT)
            telegram.press(b, refusal, button_data(refusal)[NOTIFY_BUTTON])
            api.wait_for(lambda: api.calls_to("answerCallbackQuery"), 60)
            (tmp_path / "documents" / "zorblax.txt").write_text(NEW_DOC, encoding="utf-8")
            docbot_index(tmp_path, url)  # a third process; both workers follow
            api.wait_for(lambda: notifications(api), 60)
            time.sleep(1.5)  # several more looks by each worker at the new version
            api.wait_idle(quiet=1.0)
            logs = stop_cleanly(a, b)
            waiting = query(url, "SELECT count(*) FROM bot_requests")
        finally:
            pair.close()
    [told] = notifications(api)
    assert "Velikova" in told and "zorblax.txt" in told
    assert waiting == [(0,)]
    assert sum("told that the documents now answer" in log for log in logs) == 1, logs
