"""The bot under test: ``run_bot`` in a thread against the fake Bot API (:class:`RunningBot`),
its settings, and what tests read off the fake server (visible texts, buttons)."""

from __future__ import annotations

import asyncio
import html
import re
import threading
from pathlib import Path
from typing import Any

from bot.answering.answers import Answer
from bot.answering.engine import Engine
from bot.settings import Settings
from bot.telegram.app import run_bot
from index.errors import DocbotError

from .fakebotapi import Call, FakeBotAPI

ADMIN = 501
USER = 777
GROUP = -1001234
BARRIER_USER = 9999
NEW_DOC = (
    "The Zorblax Harvest Festival\n\n"
    "The Zorblax Harvest Festival is held every autumn in the mountain town of Quentaria. "
    "The festival was founded in 1987 by the beekeeper Marta Velikova. "
    "Each year it draws about twelve thousand visitors who come to taste honey.\n"
)


def visible(text: str) -> str:
    return html.unescape(re.sub(r"<[^>]+>", "", text))


def texts(calls: list[Call]) -> list[str]:
    return [visible(str(c.params["text"])) for c in calls]


def bot_settings(api: FakeBotAPI, engine: Engine, tmp_path: Path, **extra: Any) -> Settings:
    return Settings(
        _env_file=None,
        telegram_bot_token=api.token,
        telegram_base_url=api.base_url,
        documents_dir=engine.settings.documents_dir,
        index_dir=engine.settings.index_dir,
        feedback_file=tmp_path / "feedback.jsonl",
        admins=[ADMIN],
        **extra,
    )


class RunningBot:
    """``run_bot`` in a thread with its own event loop, stopped on exit (bounded in time)."""

    def __init__(
        self,
        settings: Settings,
        engine: Any,
        api: FakeBotAPI,
        ready: str = "getUpdates",
        ready_timeout: float = 30,
    ) -> None:
        self.settings, self.engine, self.api, self.ready = settings, engine, api, ready
        self.ready_timeout = ready_timeout
        self.app: Any = None
        self.loop: asyncio.AbstractEventLoop | None = None
        self.error: BaseException | None = None
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        loop = asyncio.new_event_loop()
        asyncio.set_event_loop(loop)
        self.loop = loop
        try:
            run_bot(self.settings, self.engine, on_app=self._got_app)
        except BaseException as exc:
            self.error = exc
        finally:
            loop.close()

    def _got_app(self, app: Any) -> None:
        self.app = app

    def __enter__(self) -> RunningBot:
        self._thread.start()
        self.api.wait_for(
            lambda: self.error is not None or self.api.calls_to(self.ready),
            timeout=self.ready_timeout,
        )
        if self.error is not None:
            raise self.error
        return self

    def __exit__(self, *exc: object) -> None:
        if self.loop is not None and self.app is not None and not self.loop.is_closed():
            self.loop.call_soon_threadsafe(self.app.stop_running)
        self._thread.join(timeout=20)
        assert not self._thread.is_alive(), "the bot did not stop within 20 s"
        if self.error is not None:
            raise self.error


def settle(api: FakeBotAPI) -> None:
    """Wait until the bot has handled everything pushed so far: a /help from another chat,
    pushed last, is answered (ignored updates leave no trace to wait for), then quiet."""
    count = len(api.sent(BARRIER_USER))
    api.private_text(BARRIER_USER, "/help")
    api.wait_sent(BARRIER_USER, count + 1)
    api.wait_idle(quiet=0.3)


def last_with_buttons(api: FakeBotAPI, chat_id: int) -> dict[str, Any]:
    message: dict[str, Any]  # reversed() of a list of dicts holding Any is Any to mypy
    for message in reversed(api.messages):
        if message["chat"]["id"] == chat_id and message.get("reply_markup"):
            return message
    raise AssertionError(f"no message with buttons in chat {chat_id}")


def button_data(message: dict[str, Any]) -> dict[str, str]:
    rows = message["reply_markup"]["inline_keyboard"]
    return {b["text"]: b["callback_data"] for row in rows for b in row}


def answered(api: FakeBotAPI, chat_id: int) -> list[str]:
    """The visible text of each answer the server accepted in a chat (the last part of each
    reply carries the buttons)."""
    with api._cond:
        return [
            visible(str(m["text"]))
            for m in api.messages
            if m["chat"]["id"] == chat_id and m.get("reply_markup")
        ]


class WrappedEngine:
    """The real engine behind a test's wrapper: what the wrapper does not define is the
    engine's, its conversations too (the bot may replace them: ``DOCBOT_STORE``)."""

    def __init__(self, engine: Any) -> None:
        self.engine, self.settings = engine, engine.settings

    @property
    def conversations(self) -> Any:
        return self.engine.conversations

    @conversations.setter
    def conversations(self, store: Any) -> None:
        self.engine.conversations = store

    def __getattr__(self, name: str) -> Any:
        return getattr(self.engine, name)


class LeakingEngine(WrappedEngine):
    """The real engine, except that questions containing ``trigger`` (every question when it
    is empty) and every re-index fail with the token in the exception message (the worst
    case for a log line or a reply)."""

    def __init__(self, engine: Engine, token: str, trigger: str = "") -> None:
        super().__init__(engine)
        self.token, self.trigger = token, trigger

    def ask(
        self, question: str, conversation_id: str | None = None, k: int | None = None
    ) -> Answer:
        if self.trigger in question:
            raise RuntimeError(f"boom at https://api.telegram.org/bot{self.token}/sendMessage")
        answer: Answer = self.engine.ask(question, conversation_id, k)
        return answer

    def reindex(self, *args: Any, **kwargs: Any) -> Any:
        raise DocbotError(f"cannot reach https://api.telegram.org/bot{self.token}/getFile")


class RecordingEngine(WrappedEngine):
    """The real engine (or another wrapper), recording each question it is asked with its
    conversation id and the answer (``answer.resolved`` says what a follow-up was resolved
    to)."""

    def __init__(self, engine: Any) -> None:
        super().__init__(engine)
        self.asked: list[tuple[str, str | None, Answer]] = []

    def ask(
        self, question: str, conversation_id: str | None = None, k: int | None = None
    ) -> Answer:
        answer: Answer = self.engine.ask(question, conversation_id, k)
        self.asked.append((question, conversation_id, answer))
        return answer
