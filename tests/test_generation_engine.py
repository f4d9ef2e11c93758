"""Generative answers through the engine and ``docbot ask --json``, with the real embedding
model (conftest marks these ``model``) and the fake model server of tests/support/fakellm.py:
with DOCBOT_LLM_URL unset nothing changes; set, the model's verified sentences are the answer;
a failing server gives exactly the extractive answer."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest
from support.engines import settings_for
from support.fakellm import running_fake_llm
from support.paths import SHARED, read_jsonl

import bot.cli.commands
from bot.answering.engine import Engine
from bot.answering.generation import CheckedAnswer
from bot.cli.main import main
from bot.cli.render import answer_json

QUESTION = "who manages regional commissions?"


def cite_akims(prompt: str) -> str:
    """A faithful reply, citing whichever passage the prompt numbered for the Akims."""
    n = re.search(r"^\[(\d+)\][^\n]*oblast Akims", prompt, flags=re.M)
    assert n is not None, prompt
    return f"Regional anti-terrorist commissions will be managed by oblast Akims [{n.group(1)}]."


def engine_with(seed_engine: Engine, real_embedder: Any, **llm: Any) -> Engine:
    s = seed_engine.settings
    return Engine(settings_for(s.documents_dir, s.index_dir, **llm), embedder=real_embedder)


def test_unset_url_changes_nothing(seed_engine: Engine) -> None:
    assert seed_engine.generator is None
    for row in read_jsonl(SHARED / "evals" / "seed_dev.jsonl"):
        answer = seed_engine.ask(row["question"])
        assert not isinstance(answer, CheckedAnswer)
        assert answer_json(answer)["generated"] is False


def test_a_failing_server_gives_exactly_the_extractive_answer(
    seed_engine: Engine, real_embedder: Any
) -> None:
    with running_fake_llm("500") as fake:
        engine = engine_with(seed_engine, real_embedder, llm_url=fake.url, llm_timeout_s=2)
        for question in (QUESTION, "How many extremist groups were neutralized?"):
            plain, checked = seed_engine.ask(question), engine.ask(question)
            got = answer_json(checked)
            assert got == {**answer_json(plain), "generated": False, "dropped": []}


def test_the_engine_answers_with_the_verified_sentences(
    seed_engine: Engine, real_embedder: Any
) -> None:
    invented = "They also report to the Ministry of Defence every month [1]."
    with running_fake_llm(lambda prompt: f"{cite_akims(prompt)} {invented}") as fake:
        engine = engine_with(seed_engine, real_embedder, llm_url=fake.url)
        answer = engine.ask(QUESTION)
        off_topic = engine.ask("What time is it in Tokyo?")
    assert isinstance(answer, CheckedAnswer) and answer.generated
    assert answer.text == (
        "Regional anti-terrorist commissions will be managed by oblast Akims. [1]"
    )
    assert [d.reason for d in answer.dropped] == ["name"]
    [citation] = answer.citations
    assert "They will be managed by oblast Akims" in citation.cited
    assert not off_topic.found and len(fake.requests) == 1  # the refusal was never sent


def test_ask_json_with_a_model_server(
    seed_engine: Engine,
    real_embedder: Any,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    s = seed_engine.settings
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("DOCBOT_DOCUMENTS_DIR", str(s.documents_dir))
    monkeypatch.setenv("DOCBOT_INDEX_DIR", str(s.index_dir))
    monkeypatch.setenv("DOCBOT_LLM_API_KEY", "sk-json-secret")
    monkeypatch.setattr(
        bot.cli.commands, "make_engine", lambda settings: Engine(settings, real_embedder)
    )
    with running_fake_llm(cite_akims) as fake:
        monkeypatch.setenv("DOCBOT_LLM_URL", fake.url)
        assert main(["ask", "--json", QUESTION]) == 0
    out = capsys.readouterr()
    row = json.loads(out.out)
    assert row["generated"] is True and row["dropped"] == []
    assert row["answer"].endswith("[1]") and [c["n"] for c in row["citations"]] == [1]
    assert row["short_answer"] is None
    assert fake.requests[0].headers["Authorization"] == "Bearer sk-json-secret"
    assert "sk-json-secret" not in out.out + out.err
