"""Answers with the real model: the shipped article (seed_dev must answer, off-topic must not),
and the mixed seed + BBC collection (bbc_dev)."""

from __future__ import annotations

import re
from typing import Any

import pytest
from support.engines import engine_for
from support.paths import ROOT, SEED_NAME, read_jsonl, shared_path

from bot.answering.answers import Answer, check
from bot.answering.engine import Engine
from index.retriever import Index

pytestmark = pytest.mark.model


def contains(answer: Answer, expect: list[str]) -> bool:
    return any(e.lower() in answer.text.lower() for e in expect)


def assert_cited(answer: Answer) -> None:
    """Every [n] maps to citation n, whose quote holds the text before the marker."""
    check(answer)
    numbers = [int(n) for n in re.findall(r"\[(\d+)\]", answer.text)]
    assert numbers == [c.n for c in answer.citations]
    for c in answer.citations:
        assert c.cited in c.quote
        assert " ".join(c.cited.split()) in answer.text


def test_seed_dev_answers_contain_the_expected_string_and_cite_the_seed(
    seed_engine: Engine,
) -> None:
    misses = []
    for case in read_jsonl(shared_path("evals", "seed_dev.jsonl")):
        answer = seed_engine.ask(case["question"])
        assert answer.found, case["question"]
        assert_cited(answer)
        assert answer.citations[0].source == SEED_NAME
        assert contains(answer, case["expect"])
        if not any(e.lower() in answer.citations[0].quote.lower() for e in case["expect"]):
            misses.append(case["question"])
    assert misses == []


def test_offtopic_dev_is_not_found_and_cites_nothing(seed_engine: Engine) -> None:
    for case in read_jsonl(shared_path("evals", "offtopic_dev.jsonl")):
        answer = seed_engine.ask(case["question"])
        assert not answer.found, (case["question"], answer.text)
        assert answer.citations == ()
        assert "[" not in answer.text


def test_who_manages_regional_commissions_reads_with_its_antecedent(seed_engine: Engine) -> None:
    answer = seed_engine.ask("who manages regional commissions?")
    assert answer.text.endswith(
        "create regional anti-terrorist commissions in Kazakhstan's oblasts. "
        "They will be managed by oblast Akims (Governors). [1]"
    )
    [c] = answer.citations
    assert c.source == SEED_NAME and c.location == "paragraph 6"
    assert c.cited.startswith("The Central Communications Service explains")
    assert 200 < len(c.quote) <= 600
    assert_cited(answer)


def test_own_question_sets_on_the_seed(seed_engine: Engine) -> None:
    """tests/evals: 24 more on-topic and 24 off-topic questions (12 of them near the topic).
    Known misses are listed in the figures test; this guards the bulk."""
    on = read_jsonl(ROOT / "tests" / "evals" / "seed_more.jsonl")
    off = read_jsonl(ROOT / "tests" / "evals" / "offtopic_more.jsonl")
    assert len(on) >= 20 and len(off) >= 20
    answered = [seed_engine.ask(c["question"]) for c in on]
    refused = [seed_engine.ask(c["question"]) for c in off]
    for a in answered + refused:
        check(a)
    # the answerability model refuses one ("Whose communications service is cited?", 0.25
    # against its threshold 0.27): benchmarks/RESULTS.md, "Short answers and refusals"
    assert sum(a.found for a in answered) >= len(on) - 1
    assert sum(contains(a, c["expect"]) for a, c in zip(answered, on, strict=True)) >= 21
    assert sum(not a.found for a in refused) >= 21
    assert all(a.citations == () for a in refused if not a.found)


# Issue 22: questions about the article's topic that it does not answer. 16 written for this
# test and never trained on (tests/evals/offtopic_near.jsonl); measured 2026-12-05: 5 refused
# (3 before the answerability model read whether the question meets the cited text only in its
# document's title's words). benchmarks/RESULTS.md, "The cross-encoder reads the sentences only".
NEAR_TOPIC_REFUSED_FLOOR = 4


def test_near_topic_questions_are_refused(seed_engine: Engine) -> None:
    # the issue's own example (its set, offtopic_more, is trained on)
    population = seed_engine.ask("What is the population of Kazakhstan?")
    assert not population.found and population.citations == ()
    near = read_jsonl(ROOT / "tests" / "evals" / "offtopic_near.jsonl")
    refused = [c["question"] for c in near if not seed_engine.ask(c["question"]).found]
    assert len(refused) >= NEAR_TOPIC_REFUSED_FLOOR, refused


class CountingEmbedder:
    """The real model, counting the texts it is asked to encode."""

    def __init__(self, inner: Any) -> None:
        self.inner, self.model_id, self.dimension = inner, inner.model_id, inner.dimension
        self.texts = 0

    def encode(self, texts: Any, progress: Any = None) -> Any:
        self.texts += len(texts)
        return self.inner.encode(texts, progress)


def test_answers_encode_only_the_question_with_the_real_model(
    seed_index: Index, real_embedder: Any
) -> None:
    """What keeps a full answer near the cost of one query embedding (issue 6 measures the
    latency itself in benchmarks/, not here): sentence vectors come from the index, so every
    answer, found or not, encodes exactly its question."""
    counting = CountingEmbedder(real_embedder)
    engine = engine_for(seed_index, counting)
    questions = [c["question"] for c in read_jsonl(ROOT / "tests" / "evals" / "seed_more.jsonl")]
    questions += [c["question"] for c in read_jsonl(shared_path("evals", "offtopic_dev.jsonl"))]
    for n, question in enumerate(questions, start=1):
        engine.ask(question)
        assert counting.texts == n, question


def test_bbc_dev_answers_over_the_mixed_collection(mixed_index: Index, real_embedder: Any) -> None:
    engine = engine_for(mixed_index, real_embedder)
    cases = read_jsonl(shared_path("evals", "bbc_dev.jsonl"))
    good = 0
    for case in cases:
        answer = engine.ask(case["question"])
        if answer.found:
            assert_cited(answer)
        good += contains(answer, case["expect"])
    assert good >= 5, f"expected string in only {good} of {len(cases)} answers"


def test_seed_questions_over_the_mixed_collection(mixed_index: Index, real_embedder: Any) -> None:
    """Among 300 BBC articles the seed still answers its questions (7 of 8: "Who reported the
    story?" is ambiguous there and gets a BBC sentence about a report)."""
    engine = engine_for(mixed_index, real_embedder)
    seed = read_jsonl(shared_path("evals", "seed_dev.jsonl"))
    answers = [engine.ask(c["question"]) for c in seed]
    good = [a for a, c in zip(answers, seed, strict=True) if contains(a, c["expect"])]
    assert len(good) >= 7
    assert all(a.citations[0].source == SEED_NAME for a in good)


def test_concurrent_asks_match_sequential_ones(seed_engine: Engine) -> None:
    """The Telegram front end calls Engine.ask from worker threads, one conversation per chat."""
    from concurrent.futures import ThreadPoolExecutor

    questions = [c["question"] for c in read_jsonl(ROOT / "tests" / "evals" / "seed_more.jsonl")]
    expected = [seed_engine.ask(q).text for q in questions]
    with ThreadPoolExecutor(max_workers=4) as pool:
        got = list(
            pool.map(lambda iq: seed_engine.ask(iq[1], f"chat-{iq[0]}").text, enumerate(questions))
        )
    assert got == expected
    assert all(len(seed_engine.conversations.recent(f"chat-{i}")) == 1 for i in range(4))
