"""Secrets: the bot token appears in no log line, exception message, error reply or file the bot
writes - checked with every log captured (httpx at DEBUG, which logs request URLs, i.e. the
token) after forced failures: 500/502s and resets from the Bot API, a handler raising an
exception that contains the token, a failing /reload whose error quotes it, and a token Telegram
rejects (401) at startup, in process and as `docbot serve`."""

from __future__ import annotations

import logging
import shutil
import subprocess
from pathlib import Path

import pytest
from pydantic import SecretStr
from support.bots import ADMIN, USER, LeakingEngine, RunningBot, bot_settings, texts
from support.fakebotapi import ErrorReply, FakeBotAPI, Reset, fail_calls, random_token
from support.paths import DOCUMENTS
from support.processes import SERVE, serve_env

import bot.telegram.retry
from bot.answering.engine import Engine
from bot.telegram.errors import TokenRejectedError
from bot.telegram.replies import FAILED

pytestmark = pytest.mark.model


def assert_no_token(token: str, caplog: pytest.LogCaptureFixture, *more: str) -> None:
    secret_part = token.split(":", 1)[1]
    for text in (caplog.text, *more):
        assert token not in text and secret_part not in text
    for record in caplog.records:
        for text in (record.getMessage(), record.exc_text or "", record.stack_info or ""):
            assert secret_part not in text, record


def files_under(root: Path) -> str:
    return "".join(
        p.read_text(encoding="utf-8", errors="replace") for p in root.rglob("*") if p.is_file()
    )


def test_failures_never_leak_the_token(
    fake_bot_api: FakeBotAPI,
    seed_engine: Engine,
    tmp_path: Path,
    caplog: pytest.LogCaptureFixture,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    api = fake_bot_api
    monkeypatch.setattr(bot.telegram.retry, "RETRY_PAUSES", (0.2, 0.4, 0.8))
    caplog.set_level(logging.DEBUG)
    settings = bot_settings(api, seed_engine, tmp_path)
    with RunningBot(settings, LeakingEngine(seed_engine, api.token, trigger="explode"), api):
        for name in ("httpx", "httpcore", "telegram"):  # as chatty as it gets
            logging.getLogger(name).setLevel(logging.DEBUG)
        api.faults += [
            fail_calls("getUpdates", ErrorReply(500), 2),
            fail_calls("sendMessage", ErrorReply(502, "Bad Gateway"), 2),
            fail_calls("sendMessage", Reset(), 1),
        ]
        api.private_text(USER, "Who reported the story?")
        answered = texts(api.wait_sent(USER, 4))[-1]
        api.private_text(USER, "please explode")
        failed = texts(api.wait_sent(USER, 5))[-1]
        api.private_text(ADMIN, "/reload")
        reload_reply = str(api.wait_sent(ADMIN)[0].params["text"])  # plain text
        # PTB fails sending into a chat that does not exist, quoting Telegram's description
        api.faults.append(
            fail_calls("sendMessage", ErrorReply(400, f"Bad Request: chat {api.token} not found"))
        )
        api.private_text(USER, "Who reported the story?")
        notice = texts(api.wait_sent(USER, 7))[-1]
    assert "Tengrinews" in answered
    assert failed == FAILED and notice == FAILED
    assert reload_reply.startswith("Re-indexing failed: cannot reach") and "<token>" in reload_reply
    # the failures were logged (redacted), including httpx's request lines with their URLs
    assert "RuntimeError: boom" in caplog.text and "Bad Gateway" in caplog.text
    assert "/bot<token>/" in caplog.text
    every_reply = "".join(str(c.params) for c in api.calls)
    assert_no_token(api.token, caplog, every_reply, files_under(tmp_path))
    assert any(c.token == api.token for c in api.calls)  # it was used all along


def test_rejected_token_at_startup(
    fake_bot_api: FakeBotAPI,
    seed_engine: Engine,
    tmp_path: Path,
    caplog: pytest.LogCaptureFixture,
) -> None:
    api = fake_bot_api
    caplog.set_level(logging.DEBUG)
    wrong = random_token()
    settings = bot_settings(api, seed_engine, tmp_path).model_copy(
        update={"telegram_bot_token": SecretStr(wrong)}
    )
    with pytest.raises(TokenRejectedError) as raised, RunningBot(settings, seed_engine, api):
        pass
    assert "rejected TELEGRAM_BOT_TOKEN" in str(raised.value)
    assert raised.value.__cause__ is None and raised.value.__suppress_context__
    assert [c.token for c in api.calls] == [wrong]  # getMe, refused
    assert_no_token(wrong, caplog, str(raised.value))


@pytest.mark.subprocess
def test_serve_with_a_rejected_token_exits_cleanly(
    fake_bot_api: FakeBotAPI, tmp_path: Path
) -> None:
    api = fake_bot_api
    shutil.copytree(DOCUMENTS, tmp_path / "documents")
    wrong = random_token()
    done = subprocess.run(
        SERVE,
        cwd=tmp_path,
        env=serve_env(wrong, api.base_url, tmp_path),
        capture_output=True,
        text=True,
        timeout=180,
    )
    assert done.returncode == 2, done.stderr
    assert "docbot: Telegram rejected TELEGRAM_BOT_TOKEN (401 Unauthorized)" in done.stderr
    # one clear line at the end (PTB itself logs the refused call before that, redacted)
    assert done.stderr.strip().splitlines()[-1].startswith("docbot: Telegram rejected")
    secret_part = wrong.split(":", 1)[1]
    assert secret_part not in done.stdout + done.stderr
    assert secret_part not in files_under(tmp_path / "state")
