"""Gaps grouping with the real model on ``tests/evals/gaps.jsonl`` (60 questions: 14 groups of
paraphrases and 18 questions near them in topic but asking something else): the figures of
``benchmarks/RESULTS.md`` at the bot's threshold."""

from __future__ import annotations

from typing import Any

from benchmarks.gaps import measure
from bot.answering.gaps import THRESHOLD


def test_paraphrases_counted_together_distinct_questions_kept_apart(real_embedder: Any) -> None:
    (at_threshold,) = measure(real_embedder, thresholds=[THRESHOLD])
    assert at_threshold.whole >= 13  # of 14 paraphrase groups counted as one (measured 13)
    assert at_threshold.recall >= 0.95  # pairs that belong together, put together: 0.952
    assert at_threshold.precision >= 0.76  # pairs put together that belong together: 0.769
    assert at_threshold.purity >= 0.91  # measured 0.917
    assert at_threshold.f1 >= 0.85  # the best of the thresholds measured: 0.851
