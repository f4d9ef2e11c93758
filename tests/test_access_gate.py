"""The access gate (:mod:`bot.telegram.gate`) in the application ``docbot serve`` builds: it
runs once for every kind of update the bot handles, lets allowed users through to exactly one
handler, and a denied update reaches no handler - the user is told, or stays unanswered where
no handler would have taken the update. The handlers behind the gate are replaced by recorders,
so no engine is needed; the updates go through the real application against the fake Bot API."""

from __future__ import annotations

import logging
from collections.abc import Callable, Coroutine
from pathlib import Path
from typing import Any

import pytest
from support.fakebotapi import ErrorReply, FakeBotAPI, fail_calls
from telegram import Update

from bot.settings import Settings
from bot.telegram.app import build_application
from bot.telegram.delivery import AnyApplication
from bot.telegram.gate import GATE_GROUP
from bot.telegram.replies import FAILED, REFUSED

ALLOWED = 801
DENIED = 802
GROUP = -1001234
Callback = Callable[[Any, Any], Coroutine[Any, Any, None]]


class NoEngine:
    """The bot state reads only the settings; the recorders never ask a question."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings


def application(api: FakeBotAPI, tmp_path: Path) -> AnyApplication:
    settings = Settings(
        _env_file=None,
        telegram_bot_token=api.token,
        telegram_base_url=api.base_url,
        documents_dir=tmp_path / "documents",
        index_dir=tmp_path / "index",
        feedback_file=tmp_path / "feedback.jsonl",
        allowed_users=[ALLOWED],
    )
    return build_application(settings, NoEngine(settings))  # type: ignore[arg-type]


def record(app: AnyApplication) -> list[str]:
    """The names of the callbacks each update runs, in order: ``gate`` for the real gate, the
    handler's name for each handler behind it (which then does nothing)."""
    ran: list[str] = []

    def gate(callback: Callback) -> Callback:
        async def spy(update: Any, context: Any) -> None:
            ran.append("gate")
            await callback(update, context)

        return spy

    def recorder(name: str) -> Callback:
        async def reached(update: Any, context: Any) -> None:
            ran.append(name)

        return reached

    assert sorted(app.handlers) == [GATE_GROUP, 0] and len(app.handlers[GATE_GROUP]) == 1
    for group, handlers in app.handlers.items():
        for handler in handlers:
            own = handler.callback
            handler.callback = gate(own) if group == GATE_GROUP else recorder(own.__name__)
    return ran


def updates_of_each_kind(api: FakeBotAPI, user: int) -> dict[str, dict[str, Any]]:
    """kind -> a raw update from ``user``, one for every kind of update the bot handles."""
    api.private_text(user, "Who reported the story?")
    text = api.pushed[-1]
    api.private_text(user, "/help")
    command = api.pushed[-1]
    api.callback_query(user, api.private_message(user, "an earlier answer"), "s:0123abcd")
    button = api.pushed[-1]
    api.private_document(user, "notes.txt", b"Honey is sweet.")
    document = api.pushed[-1]
    api.private_sticker(user)
    sticker = api.pushed[-1]
    return {"text_message": text, "help_command": command, "button_press": button,
            "document_message": document, "non_text_message": sticker}  # fmt: skip


class Gated:
    """The application with its callbacks recorded (:func:`record`), over the fake API."""

    def __init__(self, api: FakeBotAPI, tmp_path: Path) -> None:
        self.api = api
        self.app = application(api, tmp_path)
        self.ran = record(self.app)

    async def run(self, raw: dict[str, Any]) -> list[str]:
        """Process one update; the callbacks it ran."""
        self.ran.clear()
        await self.app.process_update(Update.de_json(raw, self.app.bot))
        return list(self.ran)


@pytest.fixture
def gated(fake_bot_api: FakeBotAPI, tmp_path: Path) -> Gated:
    return Gated(fake_bot_api, tmp_path)


async def test_the_gate_runs_once_for_every_kind_and_lets_allowed_users_through(
    gated: Gated,
) -> None:
    api = gated.api
    async with gated.app:
        for handler, raw in updates_of_each_kind(api, ALLOWED).items():
            assert await gated.run(raw) == ["gate", handler], handler
    assert api.sent() == [] and api.calls_to("answerCallbackQuery") == []


async def test_a_denied_update_reaches_no_handler_and_the_user_is_told(
    gated: Gated, caplog: pytest.LogCaptureFixture
) -> None:
    api = gated.api
    caplog.set_level(logging.INFO)
    async with gated.app:
        for handler, raw in updates_of_each_kind(api, DENIED).items():
            assert await gated.run(raw) == ["gate"], handler
        # in a group: a message not for the bot stays unanswered, one addressed to it is refused
        api.group_text(GROUP, DENIED, "just chatting")
        assert await gated.run(api.pushed[-1]) == ["gate"]
        api.group_text(GROUP, DENIED, f"@{api.bot_username} who reported the story?")
        assert await gated.run(api.pushed[-1]) == ["gate"]
    refusal = REFUSED.format(user_id=DENIED)
    assert [c.params["text"] for c in api.sent(DENIED)] == [refusal] * 4
    assert [c.params["text"] for c in api.sent(GROUP)] == [refusal]
    alert = api.calls_to("answerCallbackQuery")
    assert len(alert) == 1 and alert[0].params["text"] == refusal
    assert alert[0].params.get("show_alert") in (True, "true", "True")
    refusals = [r for r in caplog.records if r.getMessage() == f"refused user {DENIED}"]
    assert len(refusals) == 6  # logged once for each refused update, not for "just chatting"


async def test_a_refusal_that_cannot_be_sent_still_stops_the_update(gated: Gated) -> None:
    api = gated.api
    api.faults.append(fail_calls("sendMessage", ErrorReply(400, "Bad Request: chat not found")))
    async with gated.app:
        api.private_text(DENIED, "Who reported the story?")
        assert await gated.run(api.pushed[-1]) == ["gate"]
    # the refusal was refused; the error handler heard of it, as of any handler's error, and
    # sent the short notice
    refusal = REFUSED.format(user_id=DENIED)
    assert [c.params["text"] for c in api.sent(DENIED)] == [refusal, FAILED]
