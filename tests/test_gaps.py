"""What the documents could not answer (issue 25): the question log (durable JSONL, a torn line
skipped), grouping by meaning with the fake embedder, the eval-set export, ``docbot gaps``."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest
from support.fakes import FakeEmbedder
from support.paths import ROOT
from support.scripted import ScriptedEngine

import bot.cli.commands
from bot.answering.answers import Answer
from bot.answering.evaluate import read_cases
from bot.answering.gaps import (
    ANSWERED,
    DOWN,
    REFUSED,
    Asked,
    eval_lines,
    group,
    recheck,
    wording,
)
from bot.cli.main import main
from bot.settings import Settings
from bot.telegram.asked import AskedLog, answer_outcome, asked_file, vote_outcome

PARKING = ("Where can visitors park?", "where can visitors park their cars", "visitors park where")


def refused(question: str, at: float, asker: str = "") -> Asked:
    return Asked(REFUSED, at, "private", question, asker)


def test_wordings_differ_only_in_meaning() -> None:
    assert wording("  Where can visitors PARK? ") == wording("where can visitors park")
    assert wording("Where can visitors park?") != wording("Where can staff park?")


def test_paraphrases_count_together_most_asked_first() -> None:
    asked = [
        refused(PARKING[0], 1, "a"),
        refused(PARKING[1], 2, "b"),
        refused(PARKING[2], 3, "a"),
        refused("where can VISITORS park?", 4, "c"),
        Asked(DOWN, 5, "group", "When is the payroll run each month?", "d"),
        Asked(ANSWERED, 6, "private"),
    ]
    gaps = group(asked, FakeEmbedder())
    assert [g.count for g in gaps] == [4, 1]
    parking, payroll = gaps
    assert parking.question == PARKING[0]  # the most asked wording (twice, spelled two ways)
    assert set(parking.wordings) == {PARKING[0], PARKING[1], PARKING[2]}
    assert (parking.refused, parking.down, parking.askers) == (4, 0, 3)
    assert (parking.first, parking.last) == (1, 4)
    assert (payroll.refused, payroll.down) == (0, 1)


def test_recheck_puts_what_is_answered_now_last_and_keeps_votes_down() -> None:
    asked = [
        refused(PARKING[0], 1),
        refused(PARKING[0], 2),
        Asked(DOWN, 3, "private", "When is the payroll run each month?"),
        refused("Is the canteen open on Sundays?", 4),
    ]
    gaps = group(asked, FakeEmbedder())
    checked = recheck(gaps, lambda question: "canteen" not in question, limit=3)
    assert [(g.question, g.answered_now) for g in checked] == [
        ("Is the canteen open on Sundays?", False),
        ("When is the payroll run each month?", False),  # voted down: never rechecked
        (PARKING[0], True),
    ]
    assert "answered now" in str(eval_lines(checked)[-1]["review"])
    assert recheck(gaps, lambda question: True, limit=0) == gaps


def test_thousands_of_wordings_group_quickly() -> None:
    """One matrix product per wording (``link``): 3,000 distinct wordings took 0.26 s here."""
    words = [f"w{i}" for i in range(3000)]
    asked = [refused(" ".join(words[(7 * i + k) % 3000] for k in range(5)), i) for i in range(3000)]
    started = time.perf_counter()
    gaps = group(asked, FakeEmbedder())
    assert time.perf_counter() - started < 10
    assert sum(g.count for g in gaps) == 3000


def test_no_gaps_without_refusals_or_votes_down() -> None:
    assert group([Asked(ANSWERED, 1, "private")], FakeEmbedder()) == []


def test_the_export_is_a_question_set_for_docbot_eval(tmp_path: Path) -> None:
    gaps = group([refused(q, i) for i, q in enumerate(PARKING)], FakeEmbedder())
    path = tmp_path / "gaps.jsonl"
    path.write_text("".join(json.dumps(line) + "\n" for line in eval_lines(gaps)))
    cases = read_cases(path)
    assert [c.question for c in cases] == [PARKING[0]]
    assert not cases[0].answerable  # must be refused until a document answers it


def test_answered_questions_keep_no_text_and_votes_up_are_no_gap() -> None:
    found = Answer("Who founded it?", "Who founded it?", "Marta [1]", True)
    missing = Answer("Where to park?", "Where to park?", "Not in the documents.", False)
    assert answer_outcome(found, "private", "h").to_json() == {
        "kind": ANSWERED,
        "at": pytest.approx(answer_outcome(found, "private", "h").at, abs=1),
        "chat": "private",
    }
    assert answer_outcome(missing, "group", "h").question == "Where to park?"
    assert vote_outcome(found, "up", "private", "h") is None
    assert vote_outcome(missing, "down", "private", "h") is None  # already recorded as refused
    down = vote_outcome(found, "down", "supergroup", "h")
    assert down is not None and (down.kind, down.chat) == (DOWN, "supergroup")


def test_the_log_skips_a_torn_line_and_the_next_line_stays_whole(tmp_path: Path) -> None:
    path = tmp_path / "questions.jsonl"
    AskedLog(path).record(refused("first?", 1))
    AskedLog(path).record(Asked(ANSWERED, 2, "private"))
    with path.open("ab") as out:
        out.write(b'{"kind": "refused", "at": 3, "question": "tor')  # cut by a crash
    log = AskedLog(path)  # the next run
    assert [a.question for a in log.read()] == ["first?", ""]
    log.record(refused("after?", 4))
    assert [a.at for a in AskedLog(path).read()] == [1, 2, 4]
    assert [a.at for a in log.read(since=2)] == [2, 4]
    assert oct(path.stat().st_mode & 0o777) == oct(0o600)


@pytest.mark.subprocess
def test_the_log_survives_kill_9(tmp_path: Path) -> None:
    """A writer killed at once (SIGKILL) after it said the lines were written: all there."""
    path = tmp_path / "questions.jsonl"
    script = (
        "import sys, time\n"
        "from bot.answering.gaps import Asked\n"
        "from bot.telegram.asked import AskedLog\n"
        "log = AskedLog(sys.argv[1])\n"
        "for i in range(50):\n"
        "    log.record(Asked('refused', i, 'private', f'question {i}?'))\n"
        "print('written', flush=True)\n"
        "time.sleep(60)\n"
    )
    child = subprocess.Popen(
        [sys.executable, "-c", script, str(path)], cwd=ROOT, stdout=subprocess.PIPE, text=True
    )
    try:
        assert child.stdout is not None and child.stdout.readline().strip() == "written"
    finally:
        child.kill()  # SIGKILL: no clean-up runs
        child.wait(timeout=10)
    assert child.returncode == -9
    assert [a.question for a in AskedLog(path).read()] == [f"question {i}?" for i in range(50)]


def test_docbot_gaps_prints_groups_and_json(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    for name in [n for n in os.environ if n.startswith("DOCBOT_")]:
        monkeypatch.delenv(name)
    monkeypatch.chdir(tmp_path)
    feedback = tmp_path / "state" / "feedback.jsonl"
    monkeypatch.setenv("DOCBOT_FEEDBACK_FILE", str(feedback))

    class EmbedderOnly:
        embedder = FakeEmbedder()

    def engine(settings: Any) -> Any:
        return EmbedderOnly()

    monkeypatch.setattr(bot.cli.commands, "make_engine", engine)
    monkeypatch.setattr("bot.cli.gaps.make_engine", engine)
    assert main(["gaps"]) == 0
    assert "No question went unanswered" in capsys.readouterr().out
    log = AskedLog(asked_file(feedback))
    for i, question in enumerate(PARKING):
        log.record(refused(question, 1.7e9 + i, asker=f"h{i}"))
    log.record(Asked(ANSWERED, 1.7e9, "private"))
    assert main(["gaps", "--days", "100000"]) == 0
    out = capsys.readouterr().out
    assert "1 question(s), asked 3 time(s)" in out
    assert f"1. {PARKING[0]}" in out and "asked 3x by 3 people (refused 3)" in out
    assert main(["gaps", "--days", "100000", "--json"]) == 0
    rows = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    assert [(r["question"], r["count"], r["refused"]) for r in rows] == [(PARKING[0], 3, 3)]
    assert main(["gaps", "--days", "100000", "--export"]) == 0
    rows = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    assert rows[0]["question"] == PARKING[0] and "expect" not in rows[0]
    scripted = ScriptedEngine(Settings(_env_file=None), known=("visitors",))
    monkeypatch.setattr("bot.cli.gaps.ready_engine", lambda settings: scripted)
    assert main(["gaps", "--days", "100000", "--recheck"]) == 0
    assert "the documents answer it now" in capsys.readouterr().out
