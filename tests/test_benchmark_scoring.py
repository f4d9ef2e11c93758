"""The retrieval benchmarks' own pieces: nDCG, chunk-to-document ranking, the vector cache."""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pytest
from support.fakes import FakeEmbedder

from benchmarks.common import CachingEmbedder, assemble_index, docs_by_max, ndcg_at
from index.settings import IndexSettings


def test_ndcg_matches_hand_computed_values() -> None:
    assert ndcg_at(["a", "x"], {"a": 1}) == pytest.approx(1.0)
    assert ndcg_at(["x", "a"], {"a": 1}) == pytest.approx(1 / math.log2(3))
    assert ndcg_at(["x", "y"], {"a": 1}) == 0.0
    # Two relevant documents, one found at rank 1: DCG 1, ideal 1 + 1/log2(3).
    assert ndcg_at(["a", "x"], {"a": 1, "b": 1}) == pytest.approx(1 / (1 + 1 / math.log2(3)))
    # Only the top k count.
    assert ndcg_at(["x"] * 10 + ["a"], {"a": 1}, k=10) == 0.0
    # Graded gains: the higher gain first is ideal.
    assert ndcg_at(["b", "a"], {"a": 1, "b": 2}) == pytest.approx(1.0)
    assert ndcg_at(["a", "b"], {"a": 1, "b": 2}) < 1.0


def test_docs_rank_by_their_best_chunk() -> None:
    scored = [("d1", 0.2), ("d2", 0.9), ("d1", 0.95), ("d3", 0.5), ("d2", 0.1)]
    assert docs_by_max(scored) == ["d1", "d2", "d3"]


def test_cache_embeds_each_text_once_across_instances(
    tmp_path: Path, fake_embedder: FakeEmbedder
) -> None:
    cache = CachingEmbedder(fake_embedder, folder=tmp_path, block=2)
    first = cache.encode(["alpha beta", "gamma", "alpha beta", "delta"])
    assert fake_embedder.texts_encoded == 3  # the repeated text once
    assert np.allclose(first[0], first[2])

    again = CachingEmbedder(fake_embedder, folder=tmp_path)
    second = again.encode(["delta", "alpha beta", "gamma"])
    assert fake_embedder.texts_encoded == 3  # all from disk
    assert again.encoded == 0
    assert np.allclose(second, first[[3, 0, 1]])


def test_assembled_index_ranks_the_matching_file_first(
    tmp_path: Path, fake_embedder: FakeEmbedder
) -> None:
    docs = tmp_path / "docs"
    docs.mkdir()
    (docs / "1.txt").write_text("Cats\n\nCats purr when they are content. They sleep a lot.\n")
    (docs / "2.txt").write_text("Volcanoes\n\nLava flows from erupting volcanoes. Ash falls.\n")
    cache = CachingEmbedder(fake_embedder, folder=tmp_path / "cache")
    built = assemble_index(docs, cache, IndexSettings())
    assert built.chunks == 2 and built.embedded == 2
    [hits] = built.index.search(["why do cats purr"], k=2)
    assert hits[0].chunk.source == "1.txt"
