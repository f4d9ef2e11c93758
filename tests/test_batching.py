"""Concurrent questions share forward passes (``bot.answering.batching`` over the queue of
``index.batching``); each still gets its own vector, errors reach every waiter, and nobody
hangs."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np
import pytest
from support.fakes import FakeEmbedder
from support.together import all_at_once

from bot.answering.batching import QuestionBatcher
from index.batching import Batcher


class SlowEmbedder(FakeEmbedder):
    """The fake embedder, taking ``delay`` seconds per call and recording each call's size."""

    def __init__(self, delay: float = 0.05) -> None:
        super().__init__()
        self.delay = delay
        self.sizes: list[int] = []
        self.active = 0
        self.overlapped = False
        self._guard = threading.Lock()

    def encode(
        self, texts: Sequence[str], progress: Callable[[int], None] | None = None
    ) -> np.ndarray:
        with self._guard:
            self.active += 1
            self.overlapped |= self.active > 1
        try:
            if any("boom" in t for t in texts):
                raise RuntimeError("the model failed")
            time.sleep(self.delay)
            self.sizes.append(len(texts))
            return super().encode(texts, progress)
        finally:
            with self._guard:
                self.active -= 1


def ask_all(batcher: QuestionBatcher, texts: list[str]) -> list[object]:
    return all_at_once(batcher.encode, texts)


def test_a_lone_question_is_encoded_at_once() -> None:
    embedder = SlowEmbedder(delay=0.0)
    batcher = QuestionBatcher(embedder)
    vector = batcher.encode("where is the harbour?")
    assert np.allclose(vector, FakeEmbedder().encode(["where is the harbour?"])[0])
    assert embedder.sizes == [1] and batcher.passes == 1


def test_concurrent_questions_share_passes_and_get_their_own_vectors() -> None:
    embedder = SlowEmbedder(delay=0.05)
    batcher = QuestionBatcher(embedder)
    texts = [f"question number {i} about topic {i % 7}" for i in range(40)]
    got = ask_all(batcher, texts)
    expected = FakeEmbedder().encode(texts)
    for vector, want in zip(got, expected, strict=True):
        assert isinstance(vector, np.ndarray)
        assert np.allclose(vector, want)
    assert sum(embedder.sizes) == 40
    assert batcher.passes == len(embedder.sizes) < 40 / 2  # batched, not one at a time
    assert max(embedder.sizes) > 1
    assert not embedder.overlapped  # one pass at a time


def test_batches_are_capped() -> None:
    embedder = SlowEmbedder(delay=0.05)
    batcher = QuestionBatcher(embedder, max_batch=4)
    ask_all(batcher, [f"q{i}" for i in range(20)])
    assert max(embedder.sizes) <= 4 and sum(embedder.sizes) == 20


def test_an_error_reaches_every_waiter_and_the_next_question_works() -> None:
    embedder = SlowEmbedder(delay=0.05)
    batcher = QuestionBatcher(embedder, max_batch=64)
    texts = ["boom"] + [f"fine {i}" for i in range(9)]
    got = ask_all(batcher, texts)
    assert isinstance(got[0], RuntimeError)
    # the others either shared the failing pass (same error) or got a vector: none hung
    assert all(isinstance(g, RuntimeError | np.ndarray) for g in got)
    assert isinstance(batcher.encode("after the failure"), np.ndarray)


@pytest.mark.parametrize("n", [2, 8])
def test_matches_the_real_model_one_at_a_time(real_embedder: Any, n: int) -> None:
    batcher = QuestionBatcher(real_embedder)
    texts = [f"Who manages regional commission number {i}?" for i in range(n)]
    got = ask_all(batcher, texts)
    alone = np.stack([real_embedder.encode([t])[0] for t in texts])
    assert np.abs(np.stack(got) - alone).max() < 1e-5  # type: ignore[arg-type]


# The queue itself (index.batching), with any batch function.


def test_items_count_by_their_size_and_one_too_big_still_runs() -> None:
    calls: list[list[str]] = []

    def run(items: list[str]) -> list[int]:
        time.sleep(0.02)
        calls.append(items)
        return [len(i) for i in items]

    batcher: Batcher[str, int] = Batcher(run, max_size=6, size=len)
    got = all_at_once(batcher.submit, ["x" * (1 + i % 3) for i in range(12)])
    assert got == [1 + i % 3 for i in range(12)]
    assert all(sum(map(len, c)) <= 6 for c in calls) and batcher.calls == len(calls) < 12
    assert batcher.submit("x" * 10) == 10  # bigger than the cap: a call of its own


def test_a_batch_function_that_loses_results_fails_its_items() -> None:
    batcher: Batcher[int, int] = Batcher(lambda items: items[1:])
    with pytest.raises(ValueError, match="0 results for 1 items"):
        batcher.submit(1)
    doubled: Batcher[int, int] = Batcher(lambda items: [2 * i for i in items])
    assert doubled.submit(21) == 42
