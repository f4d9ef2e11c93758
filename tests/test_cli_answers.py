"""`docbot ask`, `docbot chat` and `docbot eval` through the real CLI entry point, in-process,
with the real model (loaded once per session) and every path under tmp_path; and how answers
built by hand are rendered (JSON and text), without a model."""

from __future__ import annotations

import io
import json
import shutil
from pathlib import Path
from typing import Any

import pytest
from support.answers import AKIMS_PHRASE, AKIMS_SENTENCE, AKIMS_TITLE, akims
from support.paths import DOCUMENTS, ROOT, SEED_NAME, shared_path

import bot.cli.commands
from bot.answering.answers import NOT_FOUND_TEXT, Answer
from bot.answering.engine import Engine
from bot.cli.chat import chat
from bot.cli.main import main
from bot.cli.render import answer_json, answer_text

# The tests through the CLI use ``workdir``, which needs the real model: conftest marks them
# ``model``. The rendering tests below it build their answers by hand and stay fast.


@pytest.fixture
def workdir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, real_embedder: Any) -> Path:
    monkeypatch.chdir(tmp_path)
    for name in ("DOCBOT_MIN_ANSWER_SCORE", "DOCBOT_TOP_K", "TELEGRAM_BOT_TOKEN"):
        monkeypatch.delenv(name, raising=False)
    shutil.copytree(DOCUMENTS, tmp_path / "documents")
    monkeypatch.setenv("DOCBOT_DOCUMENTS_DIR", str(tmp_path / "documents"))
    monkeypatch.setenv("DOCBOT_INDEX_DIR", str(tmp_path / "state" / "index"))
    # the real CLI, with the session's model instead of loading it again
    monkeypatch.setattr(
        bot.cli.commands, "make_engine", lambda settings: Engine(settings, real_embedder)
    )
    return tmp_path


def test_ask_json_contract_field_by_field(
    workdir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    questions = ["who manages regional commissions?", "What time is it in Tokyo?"]
    assert main(["ask", "--json", *questions]) == 0
    captured = capsys.readouterr()
    assert "No index at" in captured.err  # built on first use, and said so
    assert (workdir / "state" / "index").exists()
    lines = captured.out.strip().splitlines()
    assert len(lines) == 2
    found, missing = (json.loads(line) for line in lines)

    assert set(found) == {
        "question",
        "answer",
        "found",
        "citations",
        "short_answer",
        "generated",
        "dropped",
    }
    assert found["generated"] is False and found["dropped"] == []  # DOCBOT_LLM_URL unset
    assert found["question"] == questions[0]
    assert found["found"] is True
    assert found["answer"].endswith("They will be managed by oblast Akims (Governors). [1]")
    [c] = found["citations"]
    assert set(c) == {"n", "source", "title", "location", "text", "score"}
    assert isinstance(c["title"], str)
    short = found["short_answer"]
    if short is not None:  # the phrase, when the engine finds one, is quoted from citation n
        assert set(short) == {"text", "n", "start", "end"} and short["n"] == 1
        assert c["text"][short["start"] : short["end"]] == short["text"]
    assert c["n"] == 1
    assert c["source"] == SEED_NAME  # relative to the documents folder
    assert c["location"] == "paragraph 6"
    assert isinstance(c["text"], str) and len(c["text"]) <= 600
    assert "They will be managed by oblast Akims (Governors)." in c["text"]
    cited = found["answer"].removesuffix(" [1]")
    assert cited in " ".join(c["text"].split())
    assert isinstance(c["score"], float) and 0 < c["score"] <= 2

    assert missing == {
        "question": questions[1],
        "answer": NOT_FOUND_TEXT,
        "found": False,
        "citations": [],
        "short_answer": None,
        "generated": False,
        "dropped": [],
    }


def test_ask_plain_marks_the_answering_sentence(
    workdir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["ask", "-k", "3", "How many extremist groups were neutralized?"]) == 0
    out = capsys.readouterr().out
    assert out.startswith("? How many extremist groups were neutralized?")
    assert "[1] " + SEED_NAME + ", paragraph 3" in out
    assert "»Kazakhstan National Security Commission neutralized 42" in " ".join(out.split())
    assert "«" in out


def test_chat_reads_piped_lines_and_resolves_follow_ups(
    workdir: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    lines = "who manages regional commissions?\n\nand why them?\nexit\nnever asked\n"
    monkeypatch.setattr("sys.stdin", io.StringIO(lines))
    assert main(["chat"]) == 0
    out = capsys.readouterr().out
    assert "? who manages regional commissions?" in out
    assert "(searched: and why them? manages regional commissions Akims Governors)" in out
    assert "power and resources" in " ".join(out.split())
    assert "never asked" not in out


def test_run_without_a_token_is_a_terminal_chat(
    workdir: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("sys.stdin", io.StringIO("How many violent protests were prevented?\n"))
    assert main(["run"]) == 0
    captured = capsys.readouterr()
    assert "TELEGRAM_BOT_TOKEN is not set" in captured.err
    assert "35 violent protests" in " ".join(captured.out.split())


def eval_json(capsys: pytest.CaptureFixture[str], *args: str) -> dict[str, Any]:
    assert main(["eval", "--json", *args]) == 0
    figures: dict[str, Any] = json.loads(capsys.readouterr().out)
    return figures


def test_eval_prints_figures_and_a_floor_above_them_fails(
    workdir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    seed_dev = str(shared_path("evals", "seed_dev.jsonl"))
    assert main(["index"]) == 0
    capsys.readouterr()
    assert main(["eval", seed_dev]) == 0
    out = capsys.readouterr().out
    for label in ("hit@3", "MRR@10", "nDCG@10", "answer-contains", "not-found accuracy"):
        assert label in out
    figures = eval_json(capsys, seed_dev)
    assert figures["questions"] == 8 and figures["answerable"] == 8
    assert figures["answer"] == 1.0 and figures["hit"] == 1.0
    assert figures["notfound"] is None  # no off-topic questions in this set

    code = main(["eval", seed_dev, "--min-answer", "1.01", "--min-hit", "0.5"])
    err = capsys.readouterr().err.strip().splitlines()
    assert code == 1
    assert err == ["docbot eval: under the floor: answer-contains 1.000 < 1.01"]
    # a floor on a figure the set cannot measure fails too, by name
    assert main(["eval", seed_dev, "--min-notfound", "0.5"]) == 1
    assert "not-found accuracy n/a" in capsys.readouterr().err


def test_eval_floors_guard_against_regressions(
    workdir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """The figures reached when the threshold was set (``DEFAULT_MIN_SCORE``); CI fails below."""
    evals = ROOT / "tests" / "evals"
    floors = [
        (shared_path("evals", "seed_dev.jsonl"), ["--min-hit", "1", "--min-mrr", "1",
                                                  "--min-ndcg", "1", "--min-answer", "1"]),
        (shared_path("evals", "offtopic_dev.jsonl"), ["--min-notfound", "1"]),
        (evals / "seed_more.jsonl", ["--min-hit", "1", "--min-mrr", "0.95", "--min-ndcg", "0.95",
                                     "--min-answer", "0.85"]),
        (evals / "offtopic_more.jsonl", ["--min-notfound", "0.85"]),
    ]  # fmt: skip
    assert main(["index"]) == 0
    for path, args in floors:
        capsys.readouterr()
        code = main(["eval", str(path), *args])
        captured = capsys.readouterr()
        assert code == 0, f"{path.name}: {captured.err.strip()}\n{captured.out}"


def test_eval_refuses_a_broken_question_set(
    workdir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    bad = workdir / "bad.jsonl"
    bad.write_text('{"question": "fine?", "expect": ["x"]}\nnot json\n', encoding="utf-8")
    assert main(["eval", str(bad)]) == 2
    err = capsys.readouterr().err
    assert "bad.jsonl, line 2" in err and "not JSON" in err


def test_eval_turns_feedback_into_candidate_cases(
    workdir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    feedback = workdir / "feedback.jsonl"
    rows = [
        {"question": "who manages regional commissions?", "found": True, "vote": "up",
         "answer": "The Central Communications Service explains that new legislative "
                   "amendments for countering extremism have made it possible. [1]"},
        {"question": "What time is it?", "found": False, "vote": "up",
         "answer": NOT_FOUND_TEXT},
        {"question": "who pays?", "found": True, "vote": "down", "answer": "Wrong. [1]"},
    ]  # fmt: skip
    feedback.write_text("\n".join(json.dumps(r) for r in rows) + "\n", encoding="utf-8")
    assert main(["eval", "--from-feedback", str(feedback)]) == 0
    cases = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    assert cases[0] == {
        "id": "fb1",
        "question": "who manages regional commissions?",
        "expect": [
            "The Central Communications Service explains that new legislative amendments for"
        ],
    }
    assert cases[1] == {"id": "fb2", "question": "What time is it?"}
    assert cases[2]["review"] == "voted down: Wrong. [1]" and "expect" not in cases[2]
    # the candidate cases are a valid question set
    (workdir / "cases.jsonl").write_text(
        "\n".join(json.dumps(c) for c in cases[:2]) + "\n", encoding="utf-8"
    )
    assert main(["eval", str(workdir / "cases.jsonl"), "--min-answer", "1"]) == 0


# --- rendering answers built by hand (no model) ------------------------------------------------
def test_answer_json_has_the_short_answer_and_titles() -> None:
    row = json.loads(json.dumps(answer_json(akims()), ensure_ascii=False))
    [c] = row["citations"]
    assert c["title"] == AKIMS_TITLE and c["source"] == "seed.txt"
    short = row["short_answer"]
    assert short == {
        "text": AKIMS_PHRASE,
        "n": 1,
        "start": c["text"].index(AKIMS_PHRASE),
        "end": c["text"].index(AKIMS_PHRASE) + len(AKIMS_PHRASE),
    }
    assert c["text"][short["start"] : short["end"]] == short["text"]
    assert AKIMS_SENTENCE in row["answer"]  # the answer stays the supporting sentence
    assert set(row) - {"generated", "dropped"} == {
        "question",
        "answer",
        "found",
        "citations",
        "short_answer",
    }

    assert answer_json(akims(short=False))["short_answer"] is None
    assert answer_json(akims(title=""))["citations"][0]["title"] == ""  # type: ignore[index]
    missing = answer_json(Answer("q", "q", NOT_FOUND_TEXT, False))
    assert missing["short_answer"] is None and missing["citations"] == []


def test_answer_text_leads_with_the_short_answer() -> None:
    lines = answer_text(akims()).splitlines()
    assert lines[0] == f"{AKIMS_PHRASE} [1]"
    assert lines[1] == f"{AKIMS_SENTENCE} [1]"
    assert lines[2] == ""
    assert lines[3] == f"[1] {AKIMS_TITLE} — seed.txt, paragraph 1"
    assert f"»{AKIMS_SENTENCE}«" in " ".join(lines[4:])

    plain = answer_text(akims(short=False, title="seed")).splitlines()
    assert plain[0] == f"{AKIMS_SENTENCE} [1]"
    assert plain[2] == "[1] seed.txt, paragraph 1"  # a title that is only the file name
    missing = Answer("q", "q", NOT_FOUND_TEXT, False, related=("a.txt, paragraph 2",))
    assert answer_text(missing).splitlines() == [
        NOT_FOUND_TEXT,
        "Closest passages (not an answer): a.txt, paragraph 2",
    ]


class _Answers:
    """Stands in for the engine: the same hand-built answer to every question."""

    def __init__(self, answer: Answer) -> None:
        self.answer = answer

    def ask(
        self, question: str, conversation_id: str | None = None, k: int | None = None
    ) -> Answer:
        return self.answer


def test_terminal_chat_shows_the_short_answer_first(capsys: pytest.CaptureFixture[str]) -> None:
    engine = _Answers(akims())
    assert chat(engine, stdin=io.StringIO("q?\nexit\n")) == 0  # type: ignore[arg-type]
    lines = capsys.readouterr().out.splitlines()
    assert lines[:3] == ["? q?", f"{AKIMS_PHRASE} [1]", f"{AKIMS_SENTENCE} [1]"]
