"""Retrieval evals with the real model: the shipped article alone, and mixed into BBC news."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from support.paths import ROOT, SEED_NAME, read_jsonl, shared_path

from index.retriever import Index


def test_seed_dev_expected_strings_in_top3(seed_index: Index) -> None:
    cases = read_jsonl(shared_path("evals", "seed_dev.jsonl"))
    results = seed_index.search([c["question"] for c in cases], k=3)
    misses = []
    for case, hits in zip(cases, results, strict=True):
        texts = " ".join(h.chunk.text.lower() for h in hits)
        if not any(e.lower() in texts for e in case["expect"]):
            misses.append(case["question"])
    assert misses == []


def test_seed_dedup_never_returns_the_same_passage_twice(seed_index: Index) -> None:
    questions = [c["question"] for c in read_jsonl(shared_path("evals", "seed_dev.jsonl"))]
    for hits in seed_index.search(questions, k=10):
        texts = [" ".join(h.chunk.text.split()) for h in hits]
        assert len(texts) == len(set(texts))
        sentences = [s for h in hits for s in h.chunk.sentence_texts()]
        # Overlapping windows share at most their overlap sentence; no sentence appears 3 times.
        assert max(sentences.count(s) for s in sentences) <= 2
    # The article's one-block copy was dropped in favour of its paragraphs.
    assert all(
        len(c.text.split()) <= seed_index.settings.chunker.max_words for c in seed_index.chunks
    )
    assert sum("neutralized 42 extremist groups" in c.text for c in seed_index.chunks) == 1


def test_seed_top_hit_for_who_manages_commissions(seed_index: Index) -> None:
    [hits] = seed_index.search(["who manages regional commissions?"], k=1)
    assert hits[0].chunk.source == SEED_NAME
    assert "managed by oblast Akims" in hits[0].chunk.text


def test_mixed_collection_named_file_in_top3(mixed_index: Index) -> None:
    cases = read_jsonl(shared_path("evals", "bbc_dev.jsonl"))
    results = mixed_index.search([c["question"] for c in cases], k=3)
    found = 0
    for case, hits in zip(cases, results, strict=True):
        expected = SEED_NAME if case["source"] == "SEED" else f"bbc/{case['source']}"
        found += any(h.chunk.source == expected for h in hits)
    assert found == len(cases), f"named file in the top 3 for only {found} of {len(cases)}"


def test_seed_still_on_top_among_bbc(mixed_index: Index) -> None:
    cases = read_jsonl(shared_path("evals", "seed_dev.jsonl"))
    results = mixed_index.search([c["question"] for c in cases], k=3)
    in_top3 = sum(any(h.chunk.source == SEED_NAME for h in hits) for hits in results)
    assert in_top3 >= len(cases) - 1


def _holds_in_top(index: Index, cases: list[dict[str, Any]], *ks: int) -> list[float]:
    """Share of cases with a passage of their file holding an expected string in the top k,
    for each k (one search)."""
    results = index.search([c["question"] for c in cases], k=max(ks))
    found = dict.fromkeys(ks, 0)
    for case, hits in zip(cases, results, strict=True):
        wanted = [e.lower() for e in case["expect"]]
        source = case.get("source", SEED_NAME)
        holds = [
            h.chunk.source == source and any(e in h.chunk.text.lower() for e in wanted)
            for h in hits
        ]
        for k in ks:
            found[k] += any(holds[:k])
    return [found[k] / len(cases) for k in ks]


def test_squad_six_articles_answer_passage_in_top1_and_top3(squad_index: Index) -> None:
    """Wikipedia articles: a passage of the right article holding a gold answer, first and in
    the top 3 (1,302 answerable SQuAD 2.0 questions; benchmarks/RESULTS.md has them among all
    BBC). Measured with the sentence re-ranker: top 1 0.9025, top 3 0.9670 (fusion alone:
    0.8802 / 0.9616)."""
    cases = [c for c in read_jsonl(shared_path("evals", "squad2_dev6.jsonl")) if c.get("expect")]
    top1, top3 = _holds_in_top(squad_index, cases, 1, 3)
    assert top1 >= 0.895, f"top 1 {top1:.4f}"
    assert top3 >= 0.965, f"top 3 {top3:.4f}"


def test_the_cross_encoder_puts_the_answer_passage_first_more_often(squad_index: Index) -> None:
    """DOCBOT_CROSS_ENCODER_DEPTH=8 over the six articles, every 4th answerable question (326):
    measured top 1 0.9479 / top 3 0.9877, against 0.9080 / 0.9632 with it off."""
    cases = [c for c in read_jsonl(shared_path("evals", "squad2_dev6.jsonl")) if c.get("expect")]
    cases = cases[::4]
    plain = squad_index.settings
    try:
        squad_index.settings = replace(plain, cross_encoder_depth=0)
        off1, off3 = _holds_in_top(squad_index, cases, 1, 3)
        squad_index.settings = replace(plain, cross_encoder_depth=8)
        top1, top3 = _holds_in_top(squad_index, cases, 1, 3)
    finally:
        squad_index.settings = plain
    figures = f"off {off1:.4f} / {off3:.4f}, on {top1:.4f} / {top3:.4f}"
    assert top1 >= 0.935 and top3 >= 0.98 and top1 > off1, figures


def test_paraphrased_seed_questions_among_bbc(mixed_index: Index) -> None:
    """Short questions that name nothing of the seed's topic, among ~300 news articles."""
    cases = read_jsonl(ROOT / "tests" / "evals" / "seed_paraphrased.jsonl")
    found = round(_holds_in_top(mixed_index, cases, 3)[0] * len(cases))
    assert found >= 12, f"{found} of {len(cases)}"  # 12 of 18 measured (13 by fusion alone)
