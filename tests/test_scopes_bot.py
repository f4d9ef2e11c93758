"""Scopes end to end (issue 26): two department groups ask the same collection through the fake
Bot API, each scoped to its folders by ``DOCBOT_SCOPES``; nothing of the other department
reaches them, in answers, follow-ups, Sources, ``/sources``, ``/start`` or generated answers.
A chat with no documents gets the notice, ``/scope`` shows admins what a chat sees, and a
change of the scopes file takes effect while the bot runs. The fake embedder keeps it fast."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path
from types import SimpleNamespace
from typing import Any, cast

import pytest
from support.bots import (
    ADMIN,
    USER,
    RunningBot,
    bot_settings,
    button_data,
    last_with_buttons,
    settle,
    texts,
)
from support.engines import settings_for
from support.fakebotapi import FakeBotAPI
from support.fakellm import running_fake_llm
from support.fakes import FakeEmbedder
from support.scoped import (
    ADMINS_CHAT,
    CLOSED_CHAT,
    FINANCE_CHAT,
    HR_CHAT,
    SCOPES,
    leaks,
    write_documents,
)

from bot.answering.answers import Answer
from bot.answering.engine import Engine
from bot.telegram.errors import ScopesFileError
from bot.telegram.questions import ask
from bot.telegram.replies import NO_DOCUMENTS_HERE, NOT_ADMIN
from bot.telegram.state import BotState
from index.scope import EVERYTHING, Scope

ALLOWED = {HR_CHAT: ("hr", "public"), FINANCE_CHAT: ("finance",)}


@pytest.fixture
def engine(tmp_path: Path) -> Engine:
    documents = write_documents(tmp_path / "documents")
    engine = Engine(settings_for(documents, tmp_path / "index"), embedder=FakeEmbedder())
    engine.reindex()
    engine.index()
    return engine


@pytest.fixture
def scopes_file(tmp_path: Path) -> Path:
    path = tmp_path / "scopes.toml"
    path.write_text(SCOPES, encoding="utf-8")
    return path


@pytest.fixture
def bot(
    fake_bot_api: FakeBotAPI, engine: Engine, scopes_file: Path, tmp_path: Path
) -> Iterator[FakeBotAPI]:
    settings = bot_settings(fake_bot_api, engine, tmp_path, scopes=str(scopes_file))
    with RunningBot(settings, engine, fake_bot_api):
        yield fake_bot_api


def say(api: FakeBotAPI, chat: int, text: str, **extra: Any) -> list[str]:
    """Send ``text`` in group ``chat`` as a user and wait for the bot: what it sent back."""
    before = len(api.sent(chat))
    api.group_text(chat, extra.pop("user", USER), text, **extra)
    settle(api)
    return texts(api.sent(chat)[before:])


def seen_in(api: FakeBotAPI, chat: int) -> str:
    """Everything the bot sent to ``chat``: texts and button labels."""
    shown = texts(api.sent(chat))
    with api._cond:
        buttons = [str(m.get("reply_markup", "")) for m in api.messages if m["chat"]["id"] == chat]
    return "\n".join(shown + buttons)


def test_each_department_sees_only_its_own_documents(bot: FakeBotAPI) -> None:
    api = bot
    for chat in (HR_CHAT, FINANCE_CHAT):
        for question in ("Who approves travel?", "Who approves the budget?",
                         "Who is Ivan Sokolov?", "Who is Olga Petrova?"):  # fmt: skip
            assert say(api, chat, f"/ask {question}")
        answer = last_with_buttons(api, chat)
        assert say(api, chat, "and why them?", reply_to=answer)  # a follow-up, by reply
        answer = with_sources(api, chat)
        before = len(api.sent(chat))
        api.callback_query(USER, answer, button_data(answer)["Sources"])
        settle(api)
        assert len(api.sent(chat)) > before  # the quoted passages
        assert say(api, chat, "/sources") and say(api, chat, "/start")
        shown = seen_in(api, chat)
        assert leaks(shown, ALLOWED[chat]) == [], shown
    hr, finance = seen_in(api, HR_CHAT), seen_in(api, FINANCE_CHAT)
    assert "Petrova" in hr and "Sokolov" in finance  # each found its own
    assert "hr/travel-leave.md" in hr and "finance/budget.md" in finance  # /sources lists them


def with_sources(api: FakeBotAPI, chat: int) -> dict[str, Any]:
    """The last answer in ``chat`` with a Sources button (a found one)."""
    message: dict[str, Any]
    for message in reversed(api.messages):
        if message["chat"]["id"] == chat and "Sources" in str(message.get("reply_markup")):
            return message
    raise AssertionError(f"no found answer in chat {chat}")


def test_a_chat_without_documents_gets_the_notice(bot: FakeBotAPI) -> None:
    assert say(bot, CLOSED_CHAT, "/ask Who approves travel?") == [NO_DOCUMENTS_HERE]


def test_scope_shows_admins_what_a_chat_sees(bot: FakeBotAPI) -> None:
    api = bot
    assert say(api, HR_CHAT, "/scope") == [NOT_ADMIN]
    [shown] = say(api, HR_CHAT, "/scope", user=ADMIN)
    assert "sees 3 document(s)" in shown and "hr/: 2 document(s)" in shown
    assert "public/: 1 document(s)" in shown and "finance" not in shown
    assert "3 chat(s) listed (this chat is one); chats not listed see no documents" in shown
    [closed] = say(api, HR_CHAT, f"/scope {CLOSED_CHAT}", user=ADMIN)
    assert "sees no documents" in closed and "not this chat" in closed
    before = len(api.sent(ADMINS_CHAT))
    api.private_text(ADMIN, "/scope")
    settle(api)
    assert "sees all documents: 5 document(s)" in texts(api.sent(ADMINS_CHAT)[before:])[0]


def test_a_change_of_the_scopes_file_takes_effect_while_running(
    bot: FakeBotAPI, scopes_file: Path
) -> None:
    api = bot
    assert say(api, CLOSED_CHAT, "/ask When was the company founded?") == [NO_DOCUMENTS_HERE]
    rewrite(scopes_file, SCOPES + f'"{CLOSED_CHAT}" = ["public"]\n')
    opened = say(api, CLOSED_CHAT, "/ask When was the company founded?")
    assert opened != [NO_DOCUMENTS_HERE] and "Tallinn" in "\n".join(opened)
    assert say(api, CLOSED_CHAT, "/ask Who approves travel?")
    assert leaks(seen_in(api, CLOSED_CHAT), ("public",)) == []
    rewrite(scopes_file, "default = [")  # a bad change: the scopes before it still apply
    assert "Tallinn" in "\n".join(say(api, CLOSED_CHAT, "/ask When was the company founded?"))
    [shown] = say(api, CLOSED_CHAT, "/scope", user=ADMIN)
    assert "could not be used" in shown and "public/: 1 document(s)" in shown


def rewrite(path: Path, text: str) -> None:
    """Write ``text`` with a later modification time, as an edit a second later would."""
    before = path.stat().st_mtime_ns
    path.write_text(text, encoding="utf-8")
    os.utime(path, ns=(before + 10**9, before + 10**9))


def test_a_generated_answer_is_shown_only_passages_in_scope(tmp_path: Path) -> None:
    documents = write_documents(tmp_path / "documents")
    with running_fake_llm("Travel is approved by the manager [1].") as fake:
        settings = settings_for(documents, tmp_path / "index", llm_url=fake.url)
        engine = Engine(settings, embedder=FakeEmbedder())
        engine.reindex()
        for scope, allowed in ((Scope.of(["hr", "public"]), ("hr", "public")),
                               (Scope.of(["finance"]), ("finance",))):  # fmt: skip
            seen = len(fake.requests)
            for question in ("Who approves travel?", "Who approves the budget?"):
                engine.ask(question, scope=scope)
            prompts = [str(r.body) for r in fake.requests[seen:]]
            assert prompts, "the model was asked"
            assert all(leaks(p, allowed) == [] for p in prompts), prompts


class AskedWith:
    """Stands in for the engine: records the conversation id and scope of each question."""

    def __init__(self) -> None:
        self.asked: list[tuple[str | None, Scope | None]] = []

    def ask(
        self,
        question: str,
        conversation_id: str | None = None,
        k: int | None = None,
        scope: Scope | None = None,
    ) -> Answer:
        self.asked.append((conversation_id, scope))
        return Answer(question, question, "not in the documents", found=False)


def test_a_scoped_conversation_starts_afresh_when_the_scope_changes() -> None:
    """Follow-ups are resolved within one scope: passages cited under the folders a chat had
    before never steer (or are avoided by) the answers in the folders it has now."""
    engine = AskedWith()
    state = cast(BotState, SimpleNamespace(engine=engine))
    hr, finance = Scope.of(["hr"]), Scope.of(["finance"])
    for scope in (EVERYTHING, hr, Scope.of(["hr/"]), finance):
        ask(state, "and why?", "-100|u7", scope)
    ids = [conversation for conversation, _ in engine.asked]
    assert ids[0] == "-100|u7" and engine.asked[0][1] is None  # unscoped: as without scopes
    assert ids[1] == ids[2] == f"-100|u7|s{hr.key}" and ids[3] == f"-100|u7|s{finance.key}"
    assert ids[1] != ids[3] and [s for _, s in engine.asked[1:]] == [hr, hr, finance]
    ask(state, "q", None, hr)  # no conversation (e.g. the terminal): none is made up
    assert engine.asked[-1] == (None, hr)


def test_a_bad_scopes_file_stops_the_bot_at_start(
    fake_bot_api: FakeBotAPI, engine: Engine, tmp_path: Path
) -> None:
    path = tmp_path / "scopes.toml"
    path.write_text('default = "all"\n[chats]\n"-100" = hr\n', encoding="utf-8")
    settings = bot_settings(fake_bot_api, engine, tmp_path, scopes=str(path))
    with pytest.raises(ScopesFileError, match="not valid TOML") as raised:
        RunningBot(settings, engine, fake_bot_api).__enter__()
    assert "unset DOCBOT_SCOPES" in str(raised.value) and str(path) in str(raised.value)
