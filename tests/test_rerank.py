"""Re-ranking the fused candidates by their best answer unit (index/rerank.py)."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest
from support.fakes import FakeEmbedder

from index import build
from index.chunking import Chunk
from index.rerank import Candidate, Question, UnitTerms, best_unit, rerank
from index.retriever import Index
from index.sparse import SparseIndex
from index.statistics import Sources
from index.text import terms_by_span, tokenize


def chunk(source: str, *sentences: str) -> Chunk:
    text, spans, at = "", [], 0
    for s in sentences:
        spans.append((at, at + len(s)))
        text += s + " "
        at = len(text)
    return Chunk(
        id=f"{source}:{sentences[0][:10]}",
        source=source,
        text=text.strip(),
        start=0,
        end=len(text),
        sentences=tuple(spans),
        paragraphs=tuple(1 for _ in spans),
    )


@pytest.mark.parametrize(
    "text",
    [
        "The Yuan dynasty ruled China. Kublai Khan founded it in 1271!",
        "İstanbul's ÉCOLE, naïve café — 42 times. The end",
        "No sentence end",
    ],
)
def test_terms_by_span_are_the_tokens_of_each_span(text: str) -> None:
    cut = text.find(".") + 1 or len(text)
    spans = [(0, cut), (cut, len(text))]
    assert terms_by_span(text, spans) == [frozenset(tokenize(text[a:b])) for a, b in spans]


CHUNKS = [
    chunk("yuan.txt", "The Yuan dynasty was founded by Kublai.", "The Yuan capital was Dadu."),
    chunk("yuan.txt", "Yuan rulers held court in Dadu.", "Temur ruled from 1294 to 1307."),
    chunk("yuan.txt", "The Yuan dynasty fell in 1368.", "The Ming followed the Yuan."),
    chunk("news.txt", "Markets rose on Monday.", "Traders were cheerful."),
]


def question(text: str, chunks: list[Chunk] = CHUNKS) -> Question:
    sparse = SparseIndex.build([c.text for c in chunks])
    return Question(text, sparse.rows_with, len(chunks), Sources(chunks))


def test_a_term_every_passage_of_a_document_uses_weighs_less_inside_it() -> None:
    asked = question("When did Temur rule the Yuan?")
    inside, _ = asked.weights_in("yuan.txt")
    assert inside["temur"] > 2 * inside["yuan"]
    assert asked.idf["temur"] > asked.idf["yuan"]  # rarer over the collection, too


def test_the_passage_whose_sentence_answers_moves_up() -> None:
    asked = question("When did Temur rule the Yuan?")
    vector = np.ones(4, dtype=np.float32) / 2.0
    same = np.tile(vector, (2, 1))  # every unit as close to the question: terms decide
    candidates = [
        Candidate(row, CHUNKS[row], fused, 0.5, same)
        for row, fused in ((0, 1.0), (2, 0.95), (1, 0.9))
    ]
    scores = rerank(asked, vector, candidates, UnitTerms())
    assert int(np.argmax(scores)) == 2  # chunk 1 holds "Temur ruled from 1294 to 1307"
    assert scores.max() == pytest.approx(0.9)  # the best keeps its fused score
    assert all(s <= c.fused + 1e-6 for s, c in zip(scores, candidates, strict=True))


def test_a_passage_scores_at_least_its_own_cosine() -> None:
    asked = question("markets")
    far = np.zeros((2, 4), dtype=np.float32)  # units pointing nowhere
    candidate = Candidate(3, CHUNKS[3], 1.0, 0.7, far)
    assert best_unit(
        np.ones(4, dtype=np.float32), candidate, [frozenset(), frozenset()], asked
    ) == (pytest.approx(0.7))


def test_unit_terms_are_kept_for_recent_rows_only() -> None:
    terms = UnitTerms(size=2)
    for row in range(3):
        terms.of(row, CHUNKS[row])
    assert list(terms._rows) == [1, 2]
    assert terms.of(1, CHUNKS[1])[1] == frozenset(tokenize("Temur ruled from 1294 to 1307."))


@pytest.fixture
def folder_index(tmp_path: Path, fake_embedder: FakeEmbedder) -> Index:
    docs = tmp_path / "docs"
    docs.mkdir()
    for i in range(6):
        body = " ".join(
            f"The harbour of town {i} had {n} ships and {n + 3} cranes in year {1900 + n}."
            for n in range(12)
        )
        (docs / f"town{i}.txt").write_text(f"Town {i}\n\n{body}\n", encoding="utf-8")
    build(docs, tmp_path / "index", fake_embedder)
    return Index.load(tmp_path / "index", fake_embedder)


def test_depth_zero_is_fusion_and_reranking_only_reorders_its_head(folder_index: Index) -> None:
    queries = ["how many cranes did town 3 have in 1905?", "ships of the harbour"]
    plain = replace(folder_index.settings, rerank_depth=0)
    folder_index.settings = plain
    fused = folder_index.search(queries, k=12)
    folder_index.settings = replace(plain, rerank_depth=4)
    reranked = folder_index.search(queries, k=12)
    for before, after in zip(fused, reranked, strict=True):
        assert {h.row for h in before[:4]} == {h.row for h in after[:4]}
        assert [h.row for h in before[4:]] == [h.row for h in after[4:]]
        scores = [h.score for h in after]
        assert scores == sorted(scores, reverse=True)
        assert [h.rank for h in after] == list(range(1, len(after) + 1))


class Backwards:
    """A stand-in cross-encoder: the later a passage came, the better it reads."""

    def __init__(self) -> None:
        self.read: list[list[str]] = []

    def scores(self, question: str, passages: list[str]) -> np.ndarray:
        self.read.append(list(passages))
        return np.arange(len(passages), dtype=np.float32)


def test_the_cross_encoder_orders_its_head_only_and_scores_fall_with_rank(
    folder_index: Index,
) -> None:
    queries = ["how many cranes did town 3 have in 1905?"]
    folder_index.settings = replace(folder_index.settings, cross_encoder_depth=0)
    [before] = folder_index.search(queries, k=8)
    reader = Backwards()
    folder_index._cross_encoder = reader  # type: ignore[assignment]
    folder_index.settings = replace(
        folder_index.settings, cross_encoder_depth=5, cross_encoder_weight=1.0
    )
    [after] = folder_index.search(queries, k=8)
    assert [h.row for h in after[:5]] == [h.row for h in reversed(before[:5])]
    assert [h.row for h in after[5:]] == [h.row for h in before[5:]]
    assert [h.score for h in after] == [h.score for h in before]  # same scores, rank by rank
    assert [h.cross for h in after] == [4.0, 3.0, 2.0, 1.0, 0.0, None, None, None]
    assert reader.read == [[h.chunk.search_text(True) for h in before[:5]]]
    assert all(h.cross is None for h in before)


def test_a_cross_encoder_without_weight_keeps_the_order(folder_index: Index) -> None:
    queries = ["ships of the harbour of town 2"]
    [before] = folder_index.search(queries, k=8)
    folder_index._cross_encoder = Backwards()  # type: ignore[assignment]
    folder_index.settings = replace(
        folder_index.settings, cross_encoder_depth=5, cross_encoder_weight=0.0
    )
    [after] = folder_index.search(queries, k=8)
    assert [h.row for h in after] == [h.row for h in before]
    assert [h.cross for h in after[:5]] == [0.0, 1.0, 2.0, 3.0, 4.0]
