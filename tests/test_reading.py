"""Short answers and refusals: the pieces without a model (question kinds, SQuAD matching, the
weights files, the short answer's check) and, with the real pipeline, the seed's answers."""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path
from typing import Any

import pytest
from support.answers import akims
from support.paths import read_jsonl, shared_path

from bot.answering.answers import check
from bot.answering.asking import kind_of
from bot.answering.engine import Engine
from bot.answering.errors import AnswerCheckError
from bot.answering.language import pipeline
from bot.answering.linear import WEIGHTS, LinearModel, ModelFileError
from bot.answering.matching import contains, exact_match, f1
from bot.answering.phrase import Phrase, candidates, settle, whole
from index.retriever import Index


@pytest.mark.parametrize(
    ("question", "kind"),
    [
        ("who manages regional commissions?", "who"),
        ("In what year did the war end?", "when"),
        ("When was it built?", "when"),
        ("How many violations were prevented?", "howmany"),
        ("How much money was spent?", "howmuch"),
        ("How long did the siege last?", "howlong"),
        ("Which city hosts the parliament?", "where"),
        ("What is an Akim?", "what"),
        ("Why were the Akims chosen?", "why"),
        ("How does a steam engine work?", "how"),
        ("Is Warsaw the capital?", "yesno"),
        ("Tell me about the meeting", "other"),
    ],
)
def test_question_kinds(question: str, kind: str) -> None:
    assert kind_of(question) == kind


def test_squad_matching_ignores_case_articles_and_punctuation() -> None:
    assert exact_match("The Scotland Act, 1998", ["scotland act 1998"]) == 1.0
    assert exact_match("Scotland Act", ["Scotland Act 1998"]) == 0.0
    assert f1("Scotland Act", ["Scotland Act 1998"]) == pytest.approx(0.8)
    assert f1("nothing shared", ["Scotland Act"]) == 0.0
    assert contains("created by the Scotland Act 1998.", ["scotland act 1998"])
    assert not contains("Scotland Acts", ["Scotland Act"])


def test_the_shipped_weights_load_and_round_trip(tmp_path: Path) -> None:
    for name in ("phrase", "answerable"):
        model = LinearModel.load(WEIGHTS / f"{name}.json")
        assert model.name == name and model.weights and 0 < model.threshold < 1
        (tmp_path / name).write_text(model.to_json(), encoding="utf-8")
        assert LinearModel.load(tmp_path / name) == model


def test_a_bold_phrase_needs_more_certainty_on_technical_text() -> None:
    """Issue 23: the phrase model is less sure on technical pages; its threshold there is its
    own (chosen for 0.80 of shown phrases right there, 0.75 on prose)."""
    from bot.answering.phrase import shown_from

    assert 0 < shown_from(technical=False) < shown_from(technical=True) < 1
    assert LinearModel.load(WEIGHTS / "phrase.json").threshold_for("other") == shown_from(False)


def test_a_damaged_weights_file_says_how_to_rebuild_it(tmp_path: Path) -> None:
    bad = tmp_path / "phrase.json"
    bad.write_text(json.dumps({"name": "phrase"}), encoding="utf-8")
    with pytest.raises(ModelFileError, match=r"python -m training\.learn"):
        LinearModel.load(bad)


@pytest.mark.parametrize(
    ("text", "ok"),
    [
        ("oblast Akims (Governors)", True),
        ("an appropriate\ninterpreter directive", False),
        ("directive, or “shebang", False),
        ('the "shebang" line', True),
        ('or "shebang', False),
        ("args[0", False),
        ("«Tengrinews»", True),
        ("the user’s home directory", True),
        ("‘shebang", False),
    ],
)
def test_a_phrase_never_cuts_a_line_a_quotation_or_a_bracket(text: str, ok: bool) -> None:
    """Issue 23: a bold phrase ended inside a quotation mark and across a line break."""
    assert whole(text) is ok


def test_a_phrase_never_ends_with_a_conjunction_or_a_preposition() -> None:
    text = "Starting in v2.0 by default urllib3 uses TLS 1.2 and later so servers will work."
    spans = [s.text for s in candidates(pipeline()(text))]
    assert "TLS 1.2" in spans
    assert not [s for s in spans if s.split()[-1] in ("and", "of", "for", "the")]


def test_check_refuses_a_short_answer_not_quoted_or_outside_the_cited_text() -> None:
    answer = akims()
    check(answer)
    short = answer.short
    assert short is not None
    moved = dataclasses.replace(short, start=short.start + 1, end=short.end + 1)
    with pytest.raises(AnswerCheckError, match="verbatim"):
        check(dataclasses.replace(answer, short=moved))
    outside = dataclasses.replace(short, start=0, end=1, text=answer.citations[0].quote[:1])
    with pytest.raises(AnswerCheckError, match="outside"):
        check(dataclasses.replace(answer, short=outside))
    with pytest.raises(AnswerCheckError, match="not listed"):
        check(dataclasses.replace(answer, short=dataclasses.replace(short, n=2)))


# --- with the real pipeline ----------------------------------------------------------------------


@pytest.mark.model
def test_who_manages_regional_commissions_leads_with_the_phrase(seed_engine: Engine) -> None:
    answer = seed_engine.ask("who manages regional commissions?")
    assert answer.short is not None, answer
    assert answer.short.text.endswith("Akims (Governors)")  # "oblast" is a close second
    assert answer.citations[answer.short.n - 1].quote[answer.short.start : answer.short.end] == (
        answer.short.text
    )
    check(answer)


@pytest.mark.model
def test_why_questions_keep_the_sentence_answer(seed_engine: Engine) -> None:
    answer = seed_engine.ask("Why were the Akims chosen to manage the commissions?")
    assert answer.found and answer.short is None


@pytest.mark.model
def test_the_answer_threshold_setting_overrides_the_learned_one(seed_engine: Engine) -> None:
    question = "who manages regional commissions?"
    reader = seed_engine.reader
    try:
        reader.threshold = 1.0  # refuse whatever the model is not certain of
        strict = seed_engine.ask(question)
        reader.threshold = 0.0  # never refuse on the model: only the score floor remains
        loose = seed_engine.ask(question)
    finally:
        reader.threshold = None
    assert not strict.found and strict.citations == ()
    assert strict.confidence is not None and strict.confidence < 1.0
    assert loose.found and loose.confidence == strict.confidence


SQUAD_EVERY = 5  # every 5th question of squad2_dev6: 515 of 2,571, in a CI-sized run
# Floors a little under what this subset gave when they were set (issue 22, 2026-12-05, the
# cross-encoder choosing the sentence: EM 0.183, F1 0.209 - a phrase not shown counts as wrong:
# the model's best phrase, shown or not, scores about 0.35 / 0.46 -, reply contains 0.824,
# refused 0.293, accuracy 0.563; without the cross-encoder 0.157 / 0.184 / 0.771 / 0.312 /
# 0.546; benchmarks/RESULTS.md, "The cross-encoder reads the sentences only"); the weights were
# trained on all of squad2_dev6, so these are regression checks, not held-out figures.
SQUAD_FLOORS = {"exact": 0.17, "f1": 0.19, "answer": 0.80, "notfound": 0.27, "accuracy": 0.54}


@pytest.mark.model
def test_squad_subset_short_answers_and_refusals_hold_their_floors(
    squad_index: Index, real_embedder: Any
) -> None:
    from support.engines import engine_for

    from bot.answering.evaluate import Case, evaluate

    rows = read_jsonl(shared_path("evals", "squad2_dev6.jsonl"))[::SQUAD_EVERY]
    cases = [Case(r["id"], r["question"], tuple(r.get("expect") or ()), r["source"]) for r in rows]
    figures = evaluate(engine_for(squad_index, real_embedder), cases, k=3)
    got = {name: getattr(figures, name) for name in SQUAD_FLOORS}
    assert all(got[n] >= floor for n, floor in SQUAD_FLOORS.items()), got


@pytest.mark.model
def test_the_training_command_reproduces_the_shipped_weights(tmp_path: Path) -> None:
    """python -m training.learn over ../shared writes the committed models: the same
    features and thresholds, and weights equal to their 6 written decimals here (a tolerance
    of 1e-4 allows another BLAS or solver build its last bits)."""
    from training.learn import main

    shared = shared_path("evals").parent
    assert main(["--shared", str(shared), "--out", str(tmp_path), "--threads", "2"]) == 0
    for name in ("phrase.json", "answerable.json"):
        made, shipped = LinearModel.load(tmp_path / name), LinearModel.load(WEIGHTS / name)
        assert (made.threshold, made.about) == (shipped.threshold, shipped.about), name
        assert made.bias == pytest.approx(shipped.bias, abs=1e-4), name
        for feature in set(made.weights) | set(shipped.weights):
            got, want = made.weights.get(feature, 0.0), shipped.weights.get(feature, 0.0)
            assert got == pytest.approx(want, abs=1e-4), (name, feature)


def test_a_tie_between_nested_phrases_shows_the_fuller_one() -> None:
    text = "They will be managed by oblast Akims (Governors)."
    short = Phrase("Akims (Governors)", 31, 48, 0.340)
    full = Phrase("oblast Akims (Governors)", 24, 48, 0.338)
    other = Phrase("They", 0, 4, 0.339)
    assert text[full.start : full.end] == full.text
    assert settle([short, other, full]) == full
    assert settle([short, other, dataclasses.replace(full, probability=0.3)]) == short
    assert settle([other, short, full]) == other  # holds no other phrase
