"""End to end: the real PTB application (``bot.telegram.app.run_bot``, long polling) against
the fake Bot API server, over a real Engine with the real model. Assertions are on what the
server saw."""

from __future__ import annotations

import json
import logging
import os
import re
import shutil
import signal
import socket
import subprocess
import threading
import time
import urllib.error
import urllib.request
from pathlib import Path
from typing import Any

import pytest
from support.bots import (
    ADMIN,
    GROUP,
    NEW_DOC,
    USER,
    LeakingEngine,
    RunningBot,
    bot_settings,
    button_data,
    last_with_buttons,
    settle,
    texts,
    visible,
)
from support.fakebotapi import ErrorReply, FakeBotAPI, fail_calls
from support.paths import DOCUMENTS, SEED_NAME, read_jsonl, shared_path
from support.processes import SERVE, serve_env

from bot.answering.answers import Answer, Citation
from bot.answering.engine import Engine
from bot.settings import Settings
from bot.telegram.catalogue import text
from bot.telegram.commands import COMMANDS
from bot.telegram.replies import FAILED, FORGOTTEN, NOT_ADMIN, REFUSED

pytestmark = pytest.mark.model


# --- questions --------------------------------------------------------------------------------
def test_seed_questions_get_cited_answers(
    fake_bot_api: FakeBotAPI, seed_engine: Engine, tmp_path: Path
) -> None:
    api = fake_bot_api
    cases = read_jsonl(shared_path("evals", "seed_dev.jsonl"))
    settings = bot_settings(api, seed_engine, tmp_path)
    with RunningBot(settings, seed_engine, api):
        started = time.monotonic()
        for i, case in enumerate(cases):  # all at once: different chats run concurrently
            api.private_text(1000 + i, case["question"])
        for i, case in enumerate(cases):
            reply = texts(api.wait_sent(1000 + i))[0]
            assert any(e.lower() in reply.lower() for e in case["expect"]), (case, reply)
            assert "[1]" in reply and SEED_NAME in reply, reply
            message = last_with_buttons(api, 1000 + i)
            assert set(button_data(message)) == {"Sources", "👍", "👎"}
            assert all(len(d.encode()) <= 64 for d in button_data(message).values())
        seconds = time.monotonic() - started
    assert seconds < 30
    actions = api.calls_to("sendChatAction")
    assert {str(c.params["chat_id"]) for c in actions} >= {str(1000 + i) for i in range(8)}
    assert all(c.params["action"] == "typing" for c in actions)
    commands = api.calls_to("setMyCommands")[0].params["commands"]
    assert [c["command"] for c in commands] == [
        "start",
        "help",
        "sources",
        "ask",
        "reload",
        "gaps",
        "stats",
        "requests",
        "documents",
        "delete",
        "scope",
    ]
    # the same menu described in Russian and Kazakh (issue 24), for apps in those languages
    menus = {c.params.get("language_code"): c.params["commands"] for c in api.calls_to(
        "setMyCommands")}  # fmt: skip
    assert set(menus) == {None, "ru", "kk"}
    for language in ("ru", "kk"):
        assert [c["command"] for c in menus[language]] == [c["command"] for c in commands]
        described = [text(language, d) for _, d in COMMANDS]
        assert [c["description"] for c in menus[language]] == described
    assert menus["ru"][1]["description"] == "как спрашивать и что я отвечаю"


def test_follow_up_is_answered_in_its_chat_context(
    fake_bot_api: FakeBotAPI, seed_engine: Engine, tmp_path: Path
) -> None:
    api = fake_bot_api
    with RunningBot(bot_settings(api, seed_engine, tmp_path), seed_engine, api):
        api.private_text(2001, "who manages regional commissions?")
        assert "Akim" in texts(api.wait_sent(2001))[0]
        api.private_text(2001, "and why them?")
        follow_up = texts(api.wait_sent(2001, 2))[1]
        api.private_text(2002, "and why them?")  # the same words in a fresh chat
        fresh = texts(api.wait_sent(2002))[0]
    assert "power and resources" in follow_up and "[1]" in follow_up
    assert "[1]" not in fresh and "do not cover" in fresh
    assert fresh == visible(fresh)  # "not in the documents" replies are plain text


def test_each_chat_is_answered_in_order(
    fake_bot_api: FakeBotAPI, seed_engine: Engine, tmp_path: Path
) -> None:
    api = fake_bot_api
    cases = read_jsonl(shared_path("evals", "seed_dev.jsonl"))
    with RunningBot(bot_settings(api, seed_engine, tmp_path), seed_engine, api):
        for case in cases:
            api.private_text(2101, case["question"])
        replies = texts(api.wait_sent(2101, len(cases)))
    for case, reply in zip(cases, replies, strict=True):
        assert any(e.lower() in reply.lower() for e in case["expect"]), (case, reply)


def test_groups_answer_only_when_addressed(
    fake_bot_api: FakeBotAPI, seed_engine: Engine, tmp_path: Path
) -> None:
    api = fake_bot_api
    question = "Who is the deputy chairman of the National Security Commission?"
    with RunningBot(bot_settings(api, seed_engine, tmp_path), seed_engine, api):
        api.group_text(GROUP, USER, question)
        api.group_text(GROUP, USER, f"/ask@some_other_bot {question}")
        settle(api)
        assert api.sent(GROUP) == []
        assert api.calls_to("sendChatAction") == []

        api.group_text(GROUP, USER, f"@{api.bot_username} {question}")
        assert "Abdikazimov" in texts(api.wait_sent(GROUP))[0]
        mention_reply = api.sent(GROUP)[0]
        assert mention_reply.params["reply_parameters"]["message_id"] > 0  # quotes the asker

        api.group_text(GROUP, USER, "/ask Who reported the story?")
        assert "Tengrinews" in texts(api.wait_sent(GROUP, 2))[1]

        bot_message = last_with_buttons(api, GROUP)
        api.group_text(GROUP, USER, "How many extremist groups were neutralized?", bot_message)
        assert "42" in texts(api.wait_sent(GROUP, 3))[2]

        api.group_text(GROUP, USER, "thanks everyone, see you tomorrow")
        api.group_text(GROUP, USER, f"@{api.bot_username}_fan club: who reported the story?")
        settle(api)
        assert len(api.sent(GROUP)) == 3

        # a mention after an emoji (entity offsets count UTF-16 units)
        api.group_text(GROUP, USER, f"🇰🇿🇰🇿 @{api.bot_username}, who reported the story?")
        assert "Tengrinews" in texts(api.wait_sent(GROUP, 4))[3]
        settle(api)
    assert len(api.sent(GROUP)) == 4


# --- access --------------------------------------------------------------------------------------
def test_disallowed_user_is_refused_politely(
    fake_bot_api: FakeBotAPI,
    seed_engine: Engine,
    tmp_path: Path,
    caplog: pytest.LogCaptureFixture,
) -> None:
    api = fake_bot_api
    settings = bot_settings(api, seed_engine, tmp_path, allowed_users=[USER])
    caplog.set_level(logging.INFO)
    with RunningBot(settings, seed_engine, api):
        api.private_text(USER, "Who reported the story?")
        api.private_text(666, "Who reported the story?")
        api.private_text(ADMIN, "Who reported the story?")  # admins are always allowed
        allowed = texts(api.wait_sent(USER))[0]
        refused = texts(api.wait_sent(666))[0]
        admin = texts(api.wait_sent(ADMIN))[0]
        settle(api)
    assert "Tengrinews" in allowed and "Tengrinews" in admin
    assert refused == REFUSED.format(user_id=666)
    assert len(api.sent(666)) == 1 and "reply_markup" not in api.sent(666)[0].params
    assert any("refused user 666" in r.getMessage() for r in caplog.records)


def test_rate_limit_answers_politely(
    fake_bot_api: FakeBotAPI, seed_engine: Engine, tmp_path: Path
) -> None:
    api = fake_bot_api
    settings = bot_settings(api, seed_engine, tmp_path, questions_per_minute=2)
    with RunningBot(settings, seed_engine, api):
        for _ in range(3):
            api.private_text(USER, "Who reported the story?")
        replies = texts(api.wait_sent(USER, 3))
    # the refusal is immediate (it does not queue behind the answers being worked on)
    assert sorted("Tengrinews" in r for r in replies) == [False, True, True]
    assert sum("faster than I can keep up" in r for r in replies) == 1


def test_non_text_gets_a_hint(
    fake_bot_api: FakeBotAPI, seed_engine: Engine, tmp_path: Path
) -> None:
    api = fake_bot_api
    with RunningBot(bot_settings(api, seed_engine, tmp_path), seed_engine, api):
        api.private_sticker(USER)
        hint = texts(api.wait_sent(USER))[0]
    assert "only read text" in hint


def test_start_help_and_sources(
    fake_bot_api: FakeBotAPI, seed_engine: Engine, tmp_path: Path
) -> None:
    api = fake_bot_api
    with RunningBot(bot_settings(api, seed_engine, tmp_path), seed_engine, api):
        api.private_text(USER, "/start")
        start = texts(api.wait_sent(USER))[0]
        api.private_text(USER, "/help")
        help_text = texts(api.wait_sent(USER, 2))[1]
        api.private_text(USER, "/sources")
        sources = texts(api.wait_sent(USER, 3))[2]
    chunks = len(seed_engine.index())
    assert f"1 document(s) ({chunks} passages)" in start and f"@{api.bot_username}" in start
    assert "/ask" in help_text and "follow-up" in help_text
    assert SEED_NAME in sources and f"{chunks} passages" in sources


# --- sources and feedback buttons ----------------------------------------------------------------
def test_sources_button_and_feedback_votes(
    fake_bot_api: FakeBotAPI, seed_engine: Engine, tmp_path: Path
) -> None:
    api = fake_bot_api
    settings = bot_settings(api, seed_engine, tmp_path)
    question = "who manages regional commissions?"
    with RunningBot(settings, seed_engine, api):
        api.private_text(USER, question)
        reply = api.wait_sent(USER)[0]
        # the quoted passage is in a blockquote of the answer itself
        quoted = re.search(
            r"<blockquote(?: expandable)?>(.*?)</blockquote>", str(reply.params["text"]), re.S
        )
        assert quoted and "Akims" in visible(quoted.group(1))
        message = last_with_buttons(api, USER)
        data = button_data(message)
        api.callback_query(USER, message, data["Sources"])
        sources = texts(api.wait_sent(USER, 2))[1]
        api.callback_query(USER, message, data["👍"])
        api.callback_query(USER, message, data["👎"])
        api.wait_for(lambda: len(api.calls_to("answerCallbackQuery")) >= 3)
        # forged and unknown button data: a short notice, nothing else
        key = data["Sources"].split(":")[1]
        forged = ["s:00000000", "v:00000000:up", f"v:{key}:sideways", "x" * 64, "s"]
        for bad in forged:
            api.callback_query(USER, message, bad)
        api.wait_for(lambda: len(api.calls_to("answerCallbackQuery")) >= 3 + len(forged))
        settle(api)
    assert "Akims" in sources and SEED_NAME in sources
    assert len(api.sent(USER)) == 2  # the answer and the sources, nothing for the forged taps
    notices = [c.params.get("text") for c in api.calls_to("answerCallbackQuery")]
    assert notices[1:3] == ["Thanks for the feedback!"] * 2
    # the forged taps may be answered in any order: the two with an unknown answer key are
    # "too old", the others a short notice of their own
    assert notices[3:].count(FORGOTTEN) == 2 and all(notices[3:])
    lines = read_jsonl(settings.feedback_file)
    assert [line["vote"] for line in lines] == ["up", "down"]
    for line in lines:
        assert line["question"] == question and "Akims" in line["answer"]
        assert line["sources"][0]["source"] == SEED_NAME and "Akims" in line["sources"][0]["text"]
        assert "Akims" in line["short_answer"]["text"] and 0 < line["confidence"] <= 1
        assert str(USER) not in json.dumps(line["user"]) and len(line["user"]) == 16
        assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ", line["time"])
    assert lines[0]["user"] == lines[1]["user"]
    # `docbot eval --from-feedback` turns the votes into candidate question-set lines
    from bot.answering.evaluate import feedback_cases

    up, down = feedback_cases(settings.feedback_file)
    assert up["question"] == question and str(up["expect"][0]) in lines[0]["answer"]  # type: ignore[index]
    assert "review" in down and "expect" not in down


# --- admin: reload and upload ---------------------------------------------------------------------
def index_target(engine: Engine) -> str:
    return os.path.realpath(engine.settings.index_dir)


def test_non_admin_reload_and_upload_change_nothing(
    fake_bot_api: FakeBotAPI, own_engine: Engine, tmp_path: Path
) -> None:
    api = fake_bot_api
    settings = bot_settings(api, own_engine, tmp_path)
    docs = settings.documents_dir
    (docs / "extra.txt").write_text(NEW_DOC, encoding="utf-8")  # a /reload would index this
    before_docs = sorted(p.name for p in docs.iterdir())
    before_index = index_target(own_engine)
    with RunningBot(settings, own_engine, api):
        api.private_text(USER, "/reload")
        assert texts(api.wait_sent(USER)) == [NOT_ADMIN]
        api.private_document(USER, "zorblax.txt", NEW_DOC.encode())
        hint = texts(api.wait_sent(USER, 2))[1]
        settle(api)
    assert "Only the bot's admins can add documents" in hint
    assert api.calls_to("getFile") == [] and api.calls_to("download") == []
    assert sorted(p.name for p in docs.iterdir()) == before_docs
    assert index_target(own_engine) == before_index


def test_admin_upload_is_answerable_in_the_next_update(
    fake_bot_api: FakeBotAPI, own_engine: Engine, tmp_path: Path
) -> None:
    api = fake_bot_api
    settings = bot_settings(api, own_engine, tmp_path)
    question = "Who founded the Zorblax Harvest Festival?"
    with RunningBot(settings, own_engine, api):
        api.private_text(ADMIN, question)
        before = texts(api.wait_sent(ADMIN))[0]
        api.private_document(ADMIN, "../../etc/zorblax festival.txt", NEW_DOC.encode())
        api.private_text(ADMIN, question)  # queued right behind the upload, same chat
        confirm, after = texts(api.wait_sent(ADMIN, 3))[1:]
        # the same file again: refused, not overwritten or duplicated
        api.private_document(ADMIN, "zorblax festival.txt", NEW_DOC.encode())
        again = texts(api.wait_sent(ADMIN, 4))[3]
        # the same name, new content: replaced only after the confirm button
        api.private_document(ADMIN, "zorblax festival.txt", b"Quentaria has a honey museum.")
        replace = texts(api.wait_sent(ADMIN, 5))[4]
        api.private_document(ADMIN, "tool.exe", b"MZ\x00\x00")
        wrong_type = texts(api.wait_sent(ADMIN, 6))[5]
        api.private_document(ADMIN, "fake.pdf", b"hello, not a pdf")
        not_pdf = texts(api.wait_sent(ADMIN, 7))[6]
        big = int(settings.max_upload_mb * 1024 * 1024) + 1
        api.private_document(ADMIN, "huge.txt", b"x", file_size=big)
        too_big = texts(api.wait_sent(ADMIN, 8))[7]
    assert "Velikova" not in before
    assert api.calls_to("sendChatAction")  # "typing" while downloading and indexing
    assert confirm.startswith("Added zorblax_festival.txt:") and "2 document(s)" in confirm
    assert "Velikova" in after and "zorblax_festival.txt" in after
    docs = sorted(p.name for p in settings.documents_dir.iterdir())
    assert docs == sorted([SEED_NAME, "zorblax_festival.txt"])
    assert not (tmp_path / "etc").exists()
    assert "already there" in again
    assert replace.startswith("zorblax_festival.txt is already in the documents")
    assert "only .txt" in wrong_type
    assert "not a PDF" in not_pdf
    assert "over the 10 MB limit" in too_big
    # 4 downloads (new, same again, replacement, fake.pdf): wrong type and size refused before
    assert len(api.calls_to("getFile")) == len(api.calls_to("download")) == 4


def test_reload_by_admin_picks_up_new_files(
    fake_bot_api: FakeBotAPI, own_engine: Engine, tmp_path: Path
) -> None:
    api = fake_bot_api
    settings = bot_settings(api, own_engine, tmp_path)
    with RunningBot(settings, own_engine, api):
        (settings.documents_dir / "zorblax.md").write_text(NEW_DOC, encoding="utf-8")
        api.private_text(ADMIN, "/reload")
        report = texts(api.wait_sent(ADMIN))[0]
        api.private_text(ADMIN, "When was the Zorblax Harvest Festival founded?")
        answer = texts(api.wait_sent(ADMIN, 2))[1]
    assert "1 added" in report and "2 document(s)" in report
    assert "1987" in answer and "zorblax.md" in answer


def test_nasty_document_and_forced_long_answer_stay_valid_html(
    fake_bot_api: FakeBotAPI, own_engine: Engine, tmp_path: Path
) -> None:
    api = fake_bot_api
    nasty = (
        "Operators & <Symbols> 🎉\n\n"
        "The <b>grommet</b> index & the <i>flux</i> rate are tracked by Dr. O'Neil 🧪 <tag>. "
        "When a < b & c > d, the grommet & flux must be re-checked 🔁 &amp; logged. "
        "Grommet values above 5 &lt; 7 raise an alarm 🚨 in <script>alert(1)</script>.\n"
    )
    settings = bot_settings(api, own_engine, tmp_path)
    engine = LongAnswers(own_engine)
    with RunningBot(settings, engine, api):
        api.private_document(ADMIN, "symbols.txt", nasty.encode())
        assert "Added symbols.txt" in texts(api.wait_sent(ADMIN))[0]
        api.private_text(ADMIN, "Who tracks the grommet index and the flux rate?")
        sent = api.wait_sent(ADMIN, 2)
        engine.long = True
        api.private_text(ADMIN, "who manages regional commissions?")
        api.wait_for(
            lambda: (
                len(sent) + 1 < len(api.sent(ADMIN))
                and "reply_markup" in api.sent(ADMIN)[-1].params
            )
        )
        settle(api)
    answer = visible(str(api.sent(ADMIN)[1].params["text"]))
    assert "O'Neil" in answer and "symbols.txt" in answer
    assert "<b>grommet</b>" in answer or "a < b & c > d" in answer  # escaped, shown literally
    long_parts = api.sent(ADMIN)[2:]
    assert len(long_parts) >= 2
    assert all(len(visible(str(c.params["text"]))) <= 4096 for c in long_parts)
    assert "reply_markup" in long_parts[-1].params and "reply_markup" not in long_parts[0].params
    # the fake server refuses invalid HTML with a 400; its teardown re-checks every text


class LongAnswers:
    """The real engine; when ``long`` is set, its answer is padded with many real citations
    (the same passages, renumbered) so the reply must be split."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self.settings = engine.settings
        self.long = False

    def __getattr__(self, name: str) -> Any:
        return getattr(self.engine, name)

    def ask(
        self, question: str, conversation_id: str | None = None, k: int | None = None
    ) -> Answer:
        answer = self.engine.ask(question, conversation_id, k)
        if not self.long or not answer.citations:
            return answer
        base = answer.citations[0]
        many = tuple(
            Citation(
                n, base.source, base.location, base.quote, base.highlight, base.score, base.chunk_id
            )
            for n in range(1, 16)
        )
        text = " ".join(f"{base.cited} [{c.n}]" for c in many)
        return Answer(answer.question, answer.resolved, text, True, many)


# --- errors and secrets ---------------------------------------------------------------------------
def test_errors_are_reported_briefly_and_the_token_is_never_logged(
    fake_bot_api: FakeBotAPI,
    seed_engine: Engine,
    tmp_path: Path,
    caplog: pytest.LogCaptureFixture,
) -> None:
    api = fake_bot_api
    caplog.set_level(logging.DEBUG)
    settings = bot_settings(api, seed_engine, tmp_path)
    with RunningBot(settings, LeakingEngine(seed_engine, api.token), api):
        api.private_text(USER, "Who reported the story?")
        failed = texts(api.wait_sent(USER))[0]
        api.private_text(USER, "/start")
        api.wait_sent(USER, 2)
    assert failed == FAILED
    assert api.token not in failed
    errors = [r for r in caplog.records if r.levelno >= logging.ERROR]
    assert errors and "Traceback" in caplog.text and "RuntimeError: boom" in caplog.text
    assert api.token not in caplog.text
    for record in caplog.records:
        assert api.token not in record.getMessage()
        assert api.token not in (record.exc_text or "")
    assert api.token.split(":")[1] not in caplog.text
    assert any(c.token == api.token for c in api.calls)  # the bot did use it


# --- faults, webhook, live index swaps ------------------------------------------------------------
@pytest.mark.filterwarnings("ignore:.*retry_after.*:DeprecationWarning")
def test_flood_limit_429_is_retried(
    fake_bot_api: FakeBotAPI, seed_engine: Engine, tmp_path: Path
) -> None:
    api = fake_bot_api
    api.faults.append(
        fail_calls("sendMessage", ErrorReply(429, "Too Many Requests: retry after 1", 1))
    )
    with RunningBot(bot_settings(api, seed_engine, tmp_path), seed_engine, api):
        api.private_text(USER, "Who reported the story?")
        reply = texts(api.wait_sent(USER, 2))
    assert "Tengrinews" in reply[1]  # the second attempt, after retry_after
    first, second = api.sent(USER)
    assert first.params["text"] == second.params["text"]
    assert second.at - first.at >= 0.9


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def test_webhook_mode(fake_bot_api: FakeBotAPI, seed_engine: Engine, tmp_path: Path) -> None:
    api = fake_bot_api
    port = free_port()
    settings = bot_settings(
        api,
        seed_engine,
        tmp_path,
        webhook_url=f"http://127.0.0.1:{port}/docbot-hook",
        webhook_listen="127.0.0.1",
        webhook_port=port,
        webhook_secret="s3cret_Token-1",
    )
    update = {
        "update_id": 1,
        "message": {
            "message_id": 1,
            "date": int(time.time()),
            "chat": {"id": USER, "type": "private"},
            "from": {"id": USER, "is_bot": False, "first_name": "T"},
            "text": "Who reported the story?",
        },
    }

    def deliver(secret: str) -> int:
        request = urllib.request.Request(
            f"http://127.0.0.1:{port}/docbot-hook",
            json.dumps(update).encode(),
            {"Content-Type": "application/json", "X-Telegram-Bot-Api-Secret-Token": secret},
        )
        try:
            with urllib.request.urlopen(request, timeout=5) as response:
                return int(response.status)
        except urllib.error.HTTPError as exc:
            return exc.code
        except urllib.error.URLError:
            return 0  # not listening yet

    with RunningBot(settings, seed_engine, api, ready="setWebhook"):
        hook = api.calls_to("setWebhook")[0].params
        assert hook["url"] == f"http://127.0.0.1:{port}/docbot-hook"
        assert hook["secret_token"] == "s3cret_Token-1"
        assert api.wait_for(lambda: deliver("wrong") == 403, timeout=10)
        assert deliver("s3cret_Token-1") == 200
        reply = texts(api.wait_sent(USER))[0]
    assert "Tengrinews" in reply
    assert api.calls_to("getUpdates") == []


class GatedEmbedder:
    """The real model; while ``gate`` is armed, ``encode`` waits for it (a slow question)."""

    def __init__(self, inner: Any) -> None:
        self.inner = inner
        self.armed = False
        self.entered = threading.Event()
        self.release = threading.Event()

    def __getattr__(self, name: str) -> Any:
        return getattr(self.inner, name)

    def encode(self, texts: Any, progress: Any = None) -> Any:
        if self.armed:
            self.armed = False
            self.entered.set()
            assert self.release.wait(20)
        return self.inner.encode(texts, progress) if progress else self.inner.encode(texts)


def test_index_swapped_underneath_questions_in_flight_finish(
    fake_bot_api: FakeBotAPI, real_embedder: Any, tmp_path: Path
) -> None:
    api = fake_bot_api
    shutil.copytree(DOCUMENTS, tmp_path / "documents")
    base = Settings(
        _env_file=None,
        documents_dir=tmp_path / "documents",
        index_dir=tmp_path / "index",
    )
    gated = GatedEmbedder(real_embedder)
    engine = Engine(base, embedder=gated)
    engine.reindex()
    question = "Who founded the Zorblax Harvest Festival?"
    with RunningBot(bot_settings(api, engine, tmp_path), engine, api):
        gated.armed = True
        api.private_text(USER, question)
        assert gated.entered.wait(20)  # the question is being answered on the old index
        # meanwhile, `docbot index` in another process adds a document and swaps the index
        (base.documents_dir / "zorblax.txt").write_text(NEW_DOC, encoding="utf-8")
        other = Engine(base, embedder=real_embedder)
        report = other.reindex()
        assert report.added == ["zorblax.txt"]
        gated.release.set()
        in_flight = texts(api.wait_sent(USER))[0]
        api.private_text(USER, question)
        after = texts(api.wait_sent(USER, 2))[1]
    assert "do not cover" in in_flight  # finished, on the index it started with
    assert "Velikova" in after and "zorblax.txt" in after  # the next one uses the new index


def test_group_uploads_need_a_mention(
    fake_bot_api: FakeBotAPI, own_engine: Engine, tmp_path: Path
) -> None:
    api = fake_bot_api
    settings = bot_settings(api, own_engine, tmp_path)
    with RunningBot(settings, own_engine, api):
        api.group_document(GROUP, ADMIN, "shared.txt", NEW_DOC.encode())
        api.group_document(GROUP, USER, "mine.txt", NEW_DOC.encode(), f"@{api.bot_username}")
        refused = texts(api.wait_sent(GROUP))[0]
        settle(api)
        assert api.calls_to("getFile") == []
        api.group_document(GROUP, ADMIN, "zorblax.txt", NEW_DOC.encode(), f"@{api.bot_username}")
        added = texts(api.wait_sent(GROUP, 2))[1]
    assert "Only the bot's admins" in refused
    assert added.startswith("Added zorblax.txt:")
    assert sorted(p.name for p in settings.documents_dir.iterdir()) == sorted(
        [SEED_NAME, "zorblax.txt"]
    )


# --- the real command -----------------------------------------------------------------------------
@pytest.mark.subprocess
def test_docbot_serve_command(fake_bot_api: FakeBotAPI, tmp_path: Path) -> None:
    """`docbot serve` as a process: builds the missing index, answers, stops on SIGTERM with
    exit code 0, and never prints the token (even with -v)."""
    api = fake_bot_api
    shutil.copytree(DOCUMENTS, tmp_path / "documents")
    process = subprocess.Popen(
        SERVE,
        cwd=tmp_path,  # no stray .env
        env=serve_env(api.token, api.base_url, tmp_path),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        api.wait_for(lambda: api.calls_to("getUpdates") or process.poll() is not None, 90)
        assert process.poll() is None, process.communicate()[1]
        api.private_text(USER, "Who reported the story?")
        reply = texts(api.wait_sent(USER))[0]
        process.send_signal(signal.SIGTERM)
        out, err = process.communicate(timeout=30)
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()
    assert "Tengrinews" in reply
    assert process.returncode == 0, err
    assert "building it from" in err and "starting the Telegram bot (long polling)" in err
    assert api.token not in out + err and api.token.split(":")[1] not in out + err
    assert (tmp_path / "state" / "index").exists()


def test_reindex_blocked_by_another_build_is_explained(
    fake_bot_api: FakeBotAPI, own_engine: Engine, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import bot.telegram.state
    from index import disk

    monkeypatch.setattr(bot.telegram.state, "REINDEX_WAIT", 0.3)
    api = fake_bot_api
    settings = bot_settings(api, own_engine, tmp_path)
    with RunningBot(settings, own_engine, api):
        with disk.build_lock(settings.index_dir):  # `docbot index` is running elsewhere
            api.private_text(ADMIN, "/reload")
            blocked = texts(api.wait_sent(ADMIN))[0]
            api.private_document(ADMIN, "zorblax.txt", NEW_DOC.encode())
            saved_only = texts(api.wait_sent(ADMIN, 2))[1]
        api.private_text(ADMIN, "/reload")
        done = texts(api.wait_sent(ADMIN, 3))[2]
        api.private_text(ADMIN, "Who founded the Zorblax Harvest Festival?")
        answer = texts(api.wait_sent(ADMIN, 4))[3]
    assert blocked.startswith("Re-indexing failed: Another `docbot index` is running")
    assert (
        saved_only.startswith("Saved zorblax.txt, but indexing failed") and "/reload" in saved_only
    )
    assert "1 added" in done
    assert "Velikova" in answer


def test_html_refused_by_telegram_falls_back_to_plain_text(
    fake_bot_api: FakeBotAPI, seed_engine: Engine, tmp_path: Path
) -> None:
    api = fake_bot_api
    refusal = ErrorReply(400, "Bad Request: can't parse entities: unsupported start tag")
    api.faults.append(fail_calls("sendMessage", refusal))
    with RunningBot(bot_settings(api, seed_engine, tmp_path), seed_engine, api):
        api.private_text(USER, "Who reported the story?")
        refused, plain = api.wait_sent(USER, 2)
    assert refused.params["parse_mode"] == "HTML" and "parse_mode" not in plain.params
    assert plain.params["text"] == visible(str(refused.params["text"]))
    assert "Tengrinews" in str(plain.params["text"]) and "reply_markup" in plain.params
