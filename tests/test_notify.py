"""Closing the loop for the asker (issue 25, item 4), without a model: the request store in its
file (atomic, across restarts), and the bot against the fake Bot API over a scripted engine -
a refusal's 🔔 button, the answer sent once after a new build (and not when the build does not
answer it), ``/requests`` with its cancel buttons, expiry, and a restart in between."""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest
from support.answers import AKIMS_PHRASE
from support.bots import (
    GROUP,
    USER,
    RunningBot,
    button_data,
    last_with_buttons,
    settle,
    texts,
    visible,
)
from support.fakebotapi import ErrorReply, FakeBotAPI, Reset, fail_calls
from support.scripted import scripted
from support.swaps import SwappingEngine

from bot.settings import Settings
from bot.telegram.formatting import MAX_MESSAGE, visible_length
from bot.telegram.notify import Notifier, requests_of, requests_view
from bot.telegram.replies import (
    NOTIFY_ALREADY,
    NOTIFY_BUTTON,
    REQUESTS_CANCELLED,
    REQUESTS_GONE,
    REQUESTS_NONE,
)
from bot.telegram.requests import MAX_PER_USER, FileRequests, Request

QUESTION = "who manages regional commissions?"
OTHER = "what is the capital of Peru?"
HEAD = "The documents now answer your question"


# --- the file store ------------------------------------------------------------------------------
def request(user: int = USER, question: str = QUESTION, at: float = 1000.0) -> Request:
    return Request.new(USER, user, question, 7, None, now=at)


def test_the_file_store_keeps_one_request_per_person_and_question(tmp_path: Path) -> None:
    store = FileRequests(tmp_path / "requests.json")
    first = request()
    assert store.add(first) == "added"
    assert store.add(request(question=QUESTION.upper())) == "already"
    assert store.add(request(user=USER + 1)) == "added"  # someone else in the same chat
    for i in range(MAX_PER_USER - 1):
        assert store.add(request(question=f"question {i}?")) == "added"
    assert store.add(request(question="one too many?")) == "full"
    mine = store.of_user(USER, USER)
    assert len(mine) == MAX_PER_USER and mine[0] == first
    assert store.cancel(first.id, USER + 1) is None  # not theirs
    assert store.cancel(first.id, USER) == first
    assert store.cancel(first.id, USER) is None


def test_the_file_store_survives_a_restart_and_writes_atomically(tmp_path: Path) -> None:
    path = tmp_path / "state" / "requests.json"
    path.parent.mkdir()
    (path.parent / "requests.json1a2b.tmp").write_text("{")  # a write killed half-way
    store = FileRequests(path)
    old, new = request(at=1000.0), request(question=OTHER, at=2000.0)
    store.add(old)
    store.add(new)
    assert store.next_due("build-1") == old  # oldest first
    store.checked(old.id, "build-1")
    assert store.next_due("build-1") == new
    again = FileRequests(path)  # what a new process (or one after kill -9) reads
    assert again.next_due("build-1") == new
    assert again.of_user(USER, USER)[0].checked == "build-1"
    assert again.next_due("build-2") == replace(old, checked="build-1")  # a new build: due again
    again.done(new.id)
    assert again.expire(before=1500.0) == 1
    assert FileRequests(path).of_user(USER, USER) == []
    assert sorted(p.name for p in path.parent.iterdir()) == ["requests.json"]  # no temp files
    assert json.loads(path.read_text())["requests"] == []


def test_an_unreadable_file_is_kept_aside_and_the_bot_starts_empty(tmp_path: Path) -> None:
    path = tmp_path / "requests.json"
    path.write_text('{"requests": [{"id": ', encoding="utf-8")
    store = FileRequests(path)
    assert store.of_user(USER, USER) == []
    assert (tmp_path / "requests.json.unreadable").exists()
    store.add(request())
    assert len(FileRequests(path).of_user(USER, USER)) == 1


def test_a_full_requests_list_fits_one_message() -> None:
    waiting = [request(question=f"{i} " + "why? " * 300) for i in range(MAX_PER_USER)]
    text, buttons = requests_view(waiting, 30)
    assert visible_length(text) <= MAX_MESSAGE and text.count("…") == MAX_PER_USER
    assert buttons is not None
    assert sum(len(row) for row in buttons.inline_keyboard) == MAX_PER_USER


# --- through the bot -----------------------------------------------------------------------------
def settings_for(api: FakeBotAPI, tmp_path: Path, **extra: Any) -> Settings:
    """The scripted bot's settings (``support.scripted``), looking for new builds every 0.1 s."""
    settings, _ = scripted(api, tmp_path)
    return settings.model_copy(update={"notify_check_s": 0.1, **extra})


def scripted_bot(
    api: FakeBotAPI, tmp_path: Path, answers: dict[str, int], **extra: Any
) -> tuple[RunningBot, SwappingEngine]:
    """The bot (not started yet) over an engine whose build ``answers[q]`` first answers q."""
    settings = settings_for(api, tmp_path, **extra)
    engine = SwappingEngine(settings, answers)
    return RunningBot(settings, engine, api), engine


def notifier(bot: RunningBot) -> Notifier:
    found: Notifier = bot.api.wait_for(lambda: bot.app.bot_data.get("notifier"))
    return found


def ask_and_press(api: FakeBotAPI, user: int, question: str) -> str:
    """Ask, get refused, press 🔔; returns the notice the press got."""
    before = len(api.sent(user))
    presses = len(api.calls_to("answerCallbackQuery"))
    api.private_text(user, question)
    api.wait_sent(user, before + 1)
    refusal = last_with_buttons(api, user)
    data = button_data(refusal)
    assert set(data) == {"👍", "👎", NOTIFY_BUTTON}
    assert len(data[NOTIFY_BUTTON].encode()) <= 64
    api.callback_query(user, refusal, data[NOTIFY_BUTTON])
    api.wait_for(lambda: len(api.calls_to("answerCallbackQuery")) > presses)
    return str(api.calls_to("answerCallbackQuery")[-1].params.get("text"))


def notifications(api: FakeBotAPI, user: int) -> list[str]:
    """The notifications Telegram accepted (a refused call is recorded too, not accepted)."""
    with api._cond:
        accepted = [visible(str(m["text"])) for m in api.messages if m["chat"]["id"] == user]
    return [t for t in accepted if t.startswith("🔔 " + HEAD)]


def looked_at(bot: RunningBot, engine: SwappingEngine) -> None:
    """Wait until the notifier asked every waiting question against the current version."""
    store = requests_of(bot.app.bot_data)
    version = str(engine.index().folder)
    bot.api.wait_for(lambda: store.next_due(version) is None)
    settle(bot.api)


def test_a_refused_question_is_answered_once_after_a_build_that_answers_it(
    fake_bot_api: FakeBotAPI, tmp_path: Path
) -> None:
    api = fake_bot_api
    running, engine = scripted_bot(api, tmp_path, {QUESTION: 3})
    with running as bot:
        notice = ask_and_press(api, USER, QUESTION)
        assert ask_and_press(api, USER, QUESTION) == NOTIFY_ALREADY  # a second press: one request
        looked_at(bot, engine)
        engine.swap()  # build 2 does not answer it: nothing is sent
        looked_at(bot, engine)
        assert notifications(api, USER) == []
        engine.swap()  # build 3 does
        api.wait_for(lambda: notifications(api, USER))
        looked_at(bot, engine)
        engine.swap()  # and a later build sends nothing more
        looked_at(bot, engine)
        told = api.sent(USER)[-1]
        message = last_with_buttons(api, USER)
        api.callback_query(USER, message, button_data(message)["Sources"])
        api.wait_sent(USER, len(api.sent(USER)) + 1)
        assert requests_of(bot.app.bot_data).of_user(USER, USER) == []
        answers_of = bot.app.bot_data["docbot"].answer_messages  # replies to it continue it
        assert answers_of.get(USER, message["message_id"]).id == str(USER)
    [turn] = engine.conversations.recent(str(USER))  # a follow-up ("and when?") continues it
    assert turn.question == QUESTION and turn.found and AKIMS_PHRASE in turn.cited[0]
    assert "I will tell you here" in notice and "30 days" in notice
    [text] = notifications(api, USER)
    assert f"“{QUESTION}”" in text and AKIMS_PHRASE in text and "seed.txt" in text  # cited
    assert told.params["reply_parameters"]["message_id"]  # a reply to the question's refusal
    asked = [version for question, version in engine.asked if question == QUESTION]
    assert asked == [1, 1, 1, 2, 3]  # twice in the chat, then once per build until answered


def test_a_scoped_chat_is_not_told_from_documents_outside_its_scope(
    fake_bot_api: FakeBotAPI, tmp_path: Path
) -> None:
    """DOCBOT_SCOPES gives this chat only hr/: the build that answers the question from a file
    outside it (seed.txt) tells the asker nothing; once the chat sees everything, it does."""
    api = fake_bot_api
    scopes = tmp_path / "scopes.toml"
    scopes.write_text(f'default = "all"\n[chats]\n"{USER}" = ["hr"]\n')
    running, engine = scripted_bot(api, tmp_path, {QUESTION: 2}, scopes=str(scopes))
    with running as bot:
        ask_and_press(api, USER, QUESTION)
        looked_at(bot, engine)
        engine.swap()  # build 2 answers it, but from a document this chat does not see
        looked_at(bot, engine)
        assert notifications(api, USER) == []
        scopes.write_text('default = "all"\n')
        engine.swap()
        api.wait_for(lambda: notifications(api, USER))


def test_requests_lists_and_cancels(fake_bot_api: FakeBotAPI, tmp_path: Path) -> None:
    api = fake_bot_api
    running, engine = scripted_bot(api, tmp_path, {QUESTION: 2, OTHER: 2})
    with running as bot:
        api.private_text(USER, "/requests")
        empty = texts(api.wait_sent(USER))[0]
        ask_and_press(api, USER, QUESTION)
        ask_and_press(api, USER, OTHER)
        api.private_text(USER, "/requests")
        listed = texts(api.wait_sent(USER, 4))[3]
        message = last_with_buttons(api, USER)
        cancel = button_data(message)["Cancel 1"]
        api.callback_query(USER + 1, message, cancel)  # someone else's press: nothing
        api.callback_query(USER, message, cancel)
        api.wait_for(lambda: len(api.calls_to("editMessageText")) == 1)
        edited = texts(api.calls_to("editMessageText"))[0]
        notices = [str(c.params.get("text")) for c in api.calls_to("answerCallbackQuery")[-2:]]
        looked_at(bot, engine)
        engine.swap()
        api.wait_for(lambda: notifications(api, USER))
        looked_at(bot, engine)
    assert empty == REQUESTS_NONE
    assert "2 answer(s)" in listed and f"1. {QUESTION}" in listed and f"2. {OTHER}" in listed
    assert sorted(notices) == sorted([REQUESTS_GONE, REQUESTS_CANCELLED])
    assert "1 answer(s)" in edited and QUESTION not in edited and OTHER in edited
    [told] = notifications(api, USER)
    assert OTHER in told and QUESTION not in told


@contextmanager
def waiting(api: FakeBotAPI, tmp_path: Path) -> Iterator[tuple[RunningBot, SwappingEngine]]:
    """A running bot where USER waits for QUESTION, which the next build answers."""
    running, engine = scripted_bot(api, tmp_path, {QUESTION: 2})
    with running as bot:
        ask_and_press(api, USER, QUESTION)
        looked_at(bot, engine)
        yield bot, engine


def test_requests_wait_across_a_restart(fake_bot_api: FakeBotAPI, tmp_path: Path) -> None:
    api = fake_bot_api
    with waiting(api, tmp_path) as (bot, engine):
        pass
    engine.swap()  # built while the bot was down
    with RunningBot(bot.settings, engine, api):  # a new process on the same state folder
        api.wait_for(lambda: notifications(api, USER))
        settle(api)
    assert len(notifications(api, USER)) == 1
    assert json.loads((tmp_path / "state" / "requests.json").read_text())["requests"] == []


def test_a_send_that_fails_is_tried_again_and_old_requests_expire(
    fake_bot_api: FakeBotAPI, tmp_path: Path
) -> None:
    api = fake_bot_api
    running, engine = scripted_bot(api, tmp_path, {QUESTION: 2, OTHER: 2}, notify_days=1)
    old = Request.new(USER, USER, OTHER, None, None, now=0.0)  # long expired
    FileRequests(tmp_path / "state" / "requests.json").add(old)
    with running as bot:
        ask_and_press(api, USER, QUESTION)
        api.faults.append(fail_calls("sendMessage", Reset(), times=50))  # Telegram unreachable
        engine.swap()
        api.wait_for(lambda: len(api.calls_to("sendMessage")) > 3)
        assert notifications(api, USER) == []
        api.faults.clear()
        api.wait_for(lambda: notifications(api, USER))
        looked_at(bot, engine)
    [told] = notifications(api, USER)
    assert QUESTION in told
    assert [q for q, _ in engine.asked].count(OTHER) == 0  # expired before it was asked


def test_a_chat_that_blocked_the_bot_is_forgotten(fake_bot_api: FakeBotAPI, tmp_path: Path) -> None:
    api = fake_bot_api
    with waiting(api, tmp_path) as (bot, engine):
        blocked = ErrorReply(403, "Forbidden: bot was blocked by the user")
        api.faults.append(fail_calls("sendMessage", blocked, times=1))
        engine.swap()
        store = requests_of(bot.app.bot_data)
        api.wait_for(lambda: store.of_user(USER, USER) == [])
        settle(api)
    assert notifications(api, USER) == []


@pytest.mark.parametrize("press", ["n:00000000", "r:00000000"])
def test_stale_buttons_get_a_short_notice(
    fake_bot_api: FakeBotAPI, tmp_path: Path, press: str
) -> None:
    api = fake_bot_api
    running, _ = scripted_bot(api, tmp_path, {})
    with running:
        api.private_text(USER, "/requests")
        message = api.wait_for(lambda: api.messages)[-1]
        api.callback_query(USER, message, press)
        api.wait_for(lambda: api.calls_to("answerCallbackQuery"))
        settle(api)
    notice = api.calls_to("answerCallbackQuery")[0].params.get("text")
    assert notice in ("That answer is too old; please ask again.", REQUESTS_GONE)


def test_in_a_forum_topic_the_answer_comes_to_the_topic(
    fake_bot_api: FakeBotAPI, tmp_path: Path
) -> None:
    api = fake_bot_api
    running, engine = scripted_bot(api, tmp_path, {QUESTION: 2})
    with running as bot:
        api.group_text(GROUP, USER, f"/ask {QUESTION}", topic=5)
        api.wait_sent(GROUP)
        refusal = last_with_buttons(api, GROUP)
        api.callback_query(USER, refusal, button_data(refusal)[NOTIFY_BUTTON])
        looked_at(bot, engine)
        engine.swap()
        api.wait_for(lambda: notifications(api, GROUP))
        looked_at(bot, engine)
    told = api.sent(GROUP)[-1].params
    assert int(told["message_thread_id"]) == 5
    assert told["reply_parameters"]["message_id"] == refusal["message_id"]
    assert len(notifications(api, GROUP)) == 1


def test_the_asker_s_language_is_kept_with_the_request(tmp_path: Path) -> None:
    path = tmp_path / "requests.json"
    russian = replace(request(), language="ru")
    FileRequests(path).add(russian)
    assert FileRequests(path).of_user(USER, USER)[0].language == "ru"  # after a restart
    rows = json.loads(path.read_text())
    for row in rows["requests"]:
        del row["language"]  # a file written before requests kept it
    path.write_text(json.dumps(rows))
    assert FileRequests(path).of_user(USER, USER)[0].language == ""
