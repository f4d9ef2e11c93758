"""Retrieval metrics against values computed by hand."""

from __future__ import annotations

import math
from collections.abc import Mapping

import pytest

from index.metrics import (
    hit_at_k,
    mean,
    mrr_at_k,
    ndcg_at_k,
    recall_at_k,
    unique,
)

RANKED = ["a", "b", "c", "d", "e"]


def ranking(scores: Mapping[str, float]) -> list[str]:
    """Ids by score, highest first; ties broken by id so the order is deterministic."""
    return [i for i, _ in sorted(scores.items(), key=lambda item: (-item[1], item[0]))]


def test_hit_at_k() -> None:
    assert hit_at_k(RANKED, {"c"}, 3) == 1.0
    assert hit_at_k(RANKED, {"c"}, 2) == 0.0
    assert hit_at_k(RANKED, {"z"}, 5) == 0.0
    assert hit_at_k([], {"a"}, 3) == 0.0


def test_mrr_at_k() -> None:
    assert mrr_at_k(RANKED, {"a"}, 10) == 1.0
    assert mrr_at_k(RANKED, {"c", "e"}, 10) == pytest.approx(1 / 3)
    assert mrr_at_k(RANKED, {"e"}, 4) == 0.0  # beyond the cut-off
    assert mrr_at_k(RANKED, {"e"}, 5) == pytest.approx(0.2)


def test_recall_at_k() -> None:
    assert recall_at_k(RANKED, {"a", "d", "z"}, 3) == pytest.approx(1 / 3)
    assert recall_at_k(RANKED, {"a", "d", "z"}, 5) == pytest.approx(2 / 3)
    assert recall_at_k(RANKED, ["b", "b"], 2) == 1.0  # relevant given twice: one document


def test_ndcg_at_k_by_hand() -> None:
    # relevant at ranks 2 and 4: DCG = 1/log2(3) + 1/log2(5); ideal = 1 + 1/log2(3)
    dcg = 1 / math.log2(3) + 1 / math.log2(5)
    idcg = 1 + 1 / math.log2(3)
    assert ndcg_at_k(RANKED, {"b", "d"}, 10) == pytest.approx(dcg / idcg)
    assert ndcg_at_k(RANKED, {"b", "d"}, 10) == pytest.approx(0.6509209, abs=1e-6)
    assert ndcg_at_k(RANKED, {"a", "b"}, 10) == pytest.approx(1.0)
    # more relevant documents than the cut-off: the ideal has k hits
    assert ndcg_at_k(["a", "b"], {"a", "b", "c"}, 2) == pytest.approx(1.0)
    # relevant only beyond the cut-off
    assert ndcg_at_k(RANKED, {"e"}, 3) == 0.0


def test_duplicate_ids_count_once() -> None:
    ranked = ["a", "a", "a", "b"]
    assert unique(ranked) == ["a", "b"]
    # "b" is the second distinct document, not the fourth entry
    assert mrr_at_k(ranked, {"b"}, 10) == pytest.approx(0.5)
    assert hit_at_k(ranked, {"b"}, 2) == 1.0
    # the repeated relevant "a" earns DCG once: 1 / (1 + 1/log2(3)) with two relevant ids
    assert ndcg_at_k(ranked, {"a", "c"}, 10) == pytest.approx(1 / (1 + 1 / math.log2(3)))
    assert recall_at_k(ranked, {"a", "c"}, 10) == pytest.approx(0.5)


def test_ties_are_broken_by_id() -> None:
    scores = {"d": 0.5, "b": 0.9, "a": 0.5, "c": 0.9}
    assert ranking(scores) == ["b", "c", "a", "d"]
    ranked = ranking(scores)
    assert mrr_at_k(ranked, {"a"}, 10) == pytest.approx(1 / 3)
    assert hit_at_k(ranked, {"d"}, 3) == 0.0


def test_no_relevant_document() -> None:
    for metric in (hit_at_k, mrr_at_k, recall_at_k, ndcg_at_k):
        assert metric(RANKED, set(), 10) == 0.0


def test_mean() -> None:
    assert mean([1.0, 0.0, 0.5]) == pytest.approx(0.5)
    assert mean([]) is None
