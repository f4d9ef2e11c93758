"""The question log in PostgreSQL (``DOCBOT_STORE``, issue 25): two workers record refusals and
👎 through the bot's own hooks; either reads them all and groups them alike, a user is one asker
whichever worker answered, another bot sees none, and ``docbot gaps`` reads the same rows."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from support.fakes import FakeEmbedder
from support.postgres import execute, query
from support.scripted import ScriptedEngine, ScriptedIndex

import bot.cli.gaps
from bot.answering.answers import Answer
from bot.answering.gaps import group
from bot.cli.main import main
from bot.settings import Settings
from bot.telegram.gaps import record_answer, record_vote
from bot.telegram.shared.state import SharedState
from bot.telegram.state import BotState
from index.scope import Scope

pytestmark = pytest.mark.postgres

TOKEN = "7000001:secret-part"
BOT = "7000001"
USER = 777


def worker(url: str, tmp_path: Path, bot: str = BOT) -> BotState:
    settings = Settings(
        _env_file=None,
        store=url,
        documents_dir=tmp_path / "documents",
        index_dir=tmp_path / "index",
        feedback_file=tmp_path / "feedback.jsonl",
    )
    shared = SharedState.open(settings, bot)
    shared.create_tables()
    return BotState(settings, ScriptedEngine(settings), bot, shared)


def refusal(question: str) -> Answer:
    return Answer(question, question, "That is not in the documents.", False)


async def test_two_workers_record_and_list_the_same_gaps(
    pg_url: str,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    one, two = worker(pg_url, tmp_path), worker(pg_url, tmp_path)
    await record_answer(one, refusal("Where can visitors park?"), "private", USER)
    await record_answer(two, refusal("where can visitors park their cars?"), "supergroup", USER)
    found = Answer("Who founded the festival?", "", "Marta [1]", True)
    await record_answer(two, found, "private", USER + 1)
    await record_vote(one, found, "down", "private", USER + 1)
    await record_vote(two, found, "up", "private", USER + 1)  # no gap

    rows = one.asked.read()
    assert [a.kind for a in rows] == ["refused", "refused", "answered", "down"]
    assert rows == two.asked.read()
    assert rows[2].question == "" and rows[2].asker == ""  # answered: no text, no asker
    assert rows[0].asker == rows[1].asker != rows[3].asker  # one salt for every worker
    gaps = group(rows, FakeEmbedder())
    assert [(g.question, g.count, g.refused, g.down, g.askers) for g in gaps] == [
        ("Where can visitors park?", 2, 2, 0, 1),
        ("Who founded the festival?", 1, 0, 1, 1),
    ]
    assert worker(pg_url, tmp_path, bot="other").asked.read() == []

    monkeypatch.setenv("DOCBOT_STORE", pg_url)
    monkeypatch.setenv("DOCBOT_TELEGRAM_BOT_TOKEN", TOKEN)
    monkeypatch.setattr(bot.cli.gaps, "make_engine", lambda settings: ScriptedIndex())
    assert main(["gaps", "--json"]) == 0
    listed = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    assert [(g["question"], g["count"]) for g in listed] == [
        ("Where can visitors park?", 2),
        ("Who founded the festival?", 1),
    ]


async def test_a_table_of_before_scopes_gains_the_scope_column(pg_url: str, tmp_path: Path) -> None:
    """A database made before scopes: its ``bot_asked`` has no ``scope``; the next start adds
    it (nullable), the old rows read as everything, the new ones keep the chat's scope key."""
    execute(
        pg_url,
        "CREATE TABLE bot_asked (bot_id text NOT NULL, seq bigserial, at timestamptz NOT NULL,"
        " kind text NOT NULL, chat text NOT NULL, question text, asker text,"
        " PRIMARY KEY (bot_id, seq))",
    )
    execute(
        pg_url,
        "INSERT INTO bot_asked (bot_id, at, kind, chat, question, asker)"
        " VALUES (%s, now(), 'refused', 'private', 'Where is the old canteen?', 'h')",
        BOT,
    )
    one = worker(pg_url, tmp_path)
    hr = Scope.of(["hr"])
    await record_answer(one, refusal("Where can visitors park?"), "supergroup", USER, hr)
    await record_answer(one, refusal("Who runs the canteen?"), "private", USER)
    rows = one.asked.read()
    assert [(a.question, a.scope) for a in rows] == [
        ("Where is the old canteen?", ""),
        ("Where can visitors park?", hr.key),
        ("Who runs the canteen?", ""),
    ]
    stored = query(pg_url, "SELECT scope FROM bot_asked ORDER BY seq")
    assert stored == [(None,), (hr.key,), (None,)]
    worker(pg_url, tmp_path)  # creating the tables again changes nothing
    assert one.asked.read() == rows
