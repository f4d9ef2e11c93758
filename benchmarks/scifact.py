"""SciFact (BEIR) nDCG@10 of the product's retrieval: BM25 alone, dense alone, fused.

The corpus is read from ``../shared/corpora/scifact`` (CC BY-NC: it is read there and written
only to a temporary folder, never into the project). Each abstract becomes a ``.txt`` file
(title, blank line, text); the product's loader, chunker, dedup, embedder, FAISS and BM25 turn
that folder into an ``Index`` (``benchmarks.common.assemble_index``: the steps of
``index.build`` minus answer-unit vectors, which ranking never reads), and
``Index.search_encoded`` ranks chunks exactly as the bot does. A document's score is its
best chunk's score.

Usage (from the project root, HF_HUB_OFFLINE=1)::

    .venv/bin/python -m benchmarks.scifact --split test            # the product's defaults
    .venv/bin/python -m benchmarks.scifact --split train --grid --max-words 80 120 200 10000

``--grid`` (train only: the test split is never used to choose anything) searches BM25 k1/b,
blend weight, RRF k and candidate depth. Vectors are cached in ``benchmarks/.cache/``.
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import platform
import sys
import tempfile
from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from pathlib import Path

import numpy as np

from benchmarks import bge
from benchmarks.bge import encode_queries
from benchmarks.common import CachingEmbedder, assemble_index, docs_by_max, ndcg_at
from index.embedding import Embedder, load_embedder
from index.retriever import Index
from index.settings import ChunkerSettings, IndexSettings
from index.sparse import SparseIndex

ROOT = Path(__file__).resolve().parent.parent
SCIFACT = ROOT.parent / "shared" / "corpora" / "scifact"
WHOLE = 10_000  # --max-words at or above this is "whole abstract" (one chunk per document)

# nDCG@10 on the 300 test queries, from ../shared/corpora/scifact/SOURCE.md.
PUBLISHED = {
    "bm25": "0.665 (BEIR paper, Elasticsearch) / 0.6789 (Pyserini flat)",
    "minilm": "0.6451 (MTEB, all-MiniLM-L6-v2)",
}
# The alternative fusion's parameter, chosen on train like the product default (RESULTS.md).
TRAIN_BEST_RRF_K = 10.0  # best RRF k at 120-word chunks and 100 candidates
TRAIN_BEST_BLEND = 0.7


@dataclass(frozen=True)
class Split:
    name: str
    queries: dict[str, str]  # query id -> text
    qrels: dict[str, dict[str, int]]  # query id -> {doc id: gain}


def load_split(name: str, folder: Path = SCIFACT) -> Split:
    qrels: dict[str, dict[str, int]] = {}
    with open(folder / "qrels" / f"{name}.tsv", encoding="utf-8") as f:
        for row in csv.DictReader(f, delimiter="\t"):
            qrels.setdefault(row["query-id"], {})[row["corpus-id"]] = int(row["score"])
    texts: dict[str, str] = {}
    with open(folder / "queries_all_official.jsonl", encoding="utf-8") as f:
        for line in f:
            row = json.loads(line)
            texts[row["_id"]] = row["text"]
    missing = sorted(set(qrels) - set(texts))
    if missing:
        sys.exit(f"{len(missing)} {name} query ids have no text, e.g. {missing[:3]}")
    return Split(name, {q: texts[q] for q in sorted(qrels, key=int)}, qrels)


def write_corpus(target: Path, folder: Path = SCIFACT) -> int:
    """One ``<doc id>.txt`` per abstract: title, blank line, text. Returns the count."""
    n = 0
    with open(folder / "corpus.jsonl", encoding="utf-8") as f:
        for line in f:
            row = json.loads(line)
            body = "\n\n".join(p for p in (row["title"].strip(), row["text"].strip()) if p)
            (target / f"{row['_id']}.txt").write_text(body + "\n", encoding="utf-8")
            n += 1
    return n


class MemoSparse:
    """A ``SparseIndex`` whose per-query scores are computed once (the grid reuses them)."""

    def __init__(self, inner: SparseIndex) -> None:
        self.inner = inner
        self._memo: dict[str, np.ndarray] = {}

    def scores(self, query: str) -> np.ndarray:
        if query not in self._memo:
            self._memo[query] = self.inner.scores(query)
        return self._memo[query]


def build_index(
    docs: Path, embedder: CachingEmbedder, chunker: ChunkerSettings
) -> tuple[Index, str]:
    # fusion alone: an assembled index has no answer-unit vectors for the re-ranker to read
    built = assemble_index(docs, embedder, IndexSettings(chunker=chunker, rerank_depth=0))
    note = (
        f"{built.chunks} chunks ({built.duplicates} dropped as duplicates, "
        f"{built.skipped} files skipped), {built.embedded} newly embedded, {built.seconds:.0f} s"
    )
    return built.index, note


def doc_of(source: str) -> str:
    return source.rsplit(".", 1)[0]


class Evaluator:
    """nDCG@10 of the ranking systems over one index and one split."""

    def __init__(self, index: Index, split: Split, qvecs: np.ndarray, chunk_k: int) -> None:
        self.index = index
        self.split = split
        self.ids = list(split.queries)
        self.texts = [split.queries[q] for q in self.ids]
        self.qvecs = qvecs
        self.chunk_k = chunk_k
        self.doc_ids = [doc_of(c.source) for c in index.chunks]

    def _mean(self, rankings: Sequence[list[str]]) -> float:
        scores = [ndcg_at(r, self.split.qrels[q]) for q, r in zip(self.ids, rankings, strict=True)]
        return float(np.mean(scores))

    def use_bm25(self, k1: float, b: float) -> None:
        texts = [c.text for c in self.index.chunks]
        self.index.sparse = MemoSparse(SparseIndex.build(texts, k1=k1, b=b))  # type: ignore[assignment]

    def bm25(self) -> float:
        rankings = []
        for text in self.texts:
            scores = self.index.sparse.scores(text)
            top = np.argsort(-scores, kind="stable")[: self.chunk_k]
            top = top[scores[top] > 0]
            rankings.append(docs_by_max((self.doc_ids[i], float(scores[i])) for i in top))
        return self._mean(rankings)

    def dense(self) -> float:
        scores, ids = self.index.dense.search(self.qvecs, self.chunk_k)
        rankings = [
            docs_by_max(
                (self.doc_ids[i], float(s)) for s, i in zip(row_s, row_i, strict=True) if i >= 0
            )
            for row_s, row_i in zip(scores, ids, strict=True)
        ]
        return self._mean(rankings)

    def fused(self, fusion: str, param: float, candidates: int) -> float:
        self.index.settings = replace(
            self.index.settings, fusion=fusion, fusion_param=param, candidates=candidates
        )
        hits = self.index.search_encoded(self.texts, self.qvecs, self.chunk_k)
        rankings = [docs_by_max((doc_of(h.chunk.source), h.score) for h in row) for row in hits]
        return self._mean(rankings)


def machine() -> str:
    cores = os.cpu_count()
    try:
        with open("/proc/meminfo") as f:
            kb = int(f.readline().split()[1])
        mem = f"{kb / 1024**2:.0f} GiB RAM"
    except (OSError, ValueError, IndexError):
        mem = "unknown RAM"
    return f"{platform.machine()}, {cores} cores, {mem}, Python {platform.python_version()}"


def size_label(max_words: int) -> str:
    return "whole" if max_words >= WHOLE else str(max_words)


def run_grid(ev: Evaluator, label: str, args: argparse.Namespace) -> list[tuple[str, ...]]:
    """Train grid rows: (chunks, k1, b, system, param, candidates, nDCG@10)."""
    rows: list[tuple[str, ...]] = []

    def row(k1: float, b: float, system: str, param: str, cand: str, value: float) -> None:
        rows.append((label, f"{k1:g}", f"{b:g}", system, param, cand, f"{value:.4f}"))
        print("  " + " | ".join(rows[-1]), file=sys.stderr, flush=True)

    dense = ev.dense()
    row(0, 0, "dense", "", "", dense)
    bm25_scores: dict[tuple[float, float], float] = {}
    for k1 in args.k1_grid:
        for b in args.b_grid:
            ev.use_bm25(k1, b)
            bm25_scores[(k1, b)] = ev.bm25()
            row(k1, b, "bm25", "", "", bm25_scores[(k1, b)])
    best_bm25 = max(bm25_scores, key=lambda kb: bm25_scores[kb])
    default_bm25 = (args.k1, args.b)
    for k1, b in dict.fromkeys([default_bm25, best_bm25]):
        ev.use_bm25(k1, b)
        for cand in args.candidates_grid:
            for w in args.blend_grid:
                row(k1, b, "blend", f"{w:g}", str(cand), ev.fused("blend", w, cand))
            for k in args.rrf_grid:
                row(k1, b, "rrf", f"{k:g}", str(cand), ev.fused("rrf", k, cand))
    return rows


def main(argv: Sequence[str] | None = None) -> int:
    defaults = IndexSettings()
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--split", choices=("train", "test"), default="test")
    parser.add_argument(
        "--max-words",
        type=int,
        nargs="+",
        default=[defaults.chunker.max_words],
        help=f"chunk sizes to compare; >= {WHOLE} means one chunk per abstract",
    )
    parser.add_argument("--overlap", type=int, default=defaults.chunker.overlap_sentences)
    parser.add_argument("--fusion", choices=("blend", "rrf"), default=defaults.fusion)
    parser.add_argument("--param", type=float, default=defaults.fusion_param)
    parser.add_argument("--candidates", type=int, default=defaults.candidates)
    parser.add_argument("--k1", type=float, default=None, help="BM25 k1 (product default)")
    parser.add_argument("--b", type=float, default=None, help="BM25 b (product default)")
    parser.add_argument("--chunk-k", type=int, default=50, help="chunk hits per query ranked")
    parser.add_argument("--grid", action="store_true", help="train only: tune the parameters")
    parser.add_argument(
        "--blend-grid", type=float, nargs="+", default=[0.3, 0.4, 0.5, 0.6, 0.7, 0.8]
    )
    parser.add_argument("--rrf-grid", type=float, nargs="+", default=[10, 30, 60])
    parser.add_argument("--candidates-grid", type=int, nargs="+", default=[50, 100, 200])
    parser.add_argument("--k1-grid", type=float, nargs="+", default=[0.9, 1.2, 1.5])
    parser.add_argument("--b-grid", type=float, nargs="+", default=[0.4, 0.75, 0.9])
    parser.add_argument("--threads", type=int, default=1, help="torch threads (keep 1 here)")
    parser.add_argument(
        "--embedder",
        choices=("minilm", "bge"),
        default="minilm",
        help="all-MiniLM-L6-v2 (the product's) or bge-small-en-v1.5 (index.bge)",
    )
    args = parser.parse_args(argv)
    if args.grid and args.split != "train":
        parser.error("--grid tunes parameters and runs on --split train only")
    sparse_defaults = SparseIndex.build.__defaults__ or (1.2, 0.75)
    args.k1 = sparse_defaults[0] if args.k1 is None else args.k1
    args.b = sparse_defaults[1] if args.b is None else args.b

    split = load_split(args.split)
    model: Embedder = (
        bge.load(args.threads) if args.embedder == "bge" else load_embedder(None, args.threads)
    )
    embedder = CachingEmbedder(model)
    qvecs = encode_queries(model, list(split.queries.values()))
    started = datetime.now(UTC).isoformat(timespec="minutes")
    print(f"# SciFact {args.split}: {len(split.queries)} queries, {started}, {machine()}")
    given = sys.argv[1:] if argv is None else list(argv)
    print(f"command: python -m benchmarks.scifact {' '.join(given)}")
    grid_rows: list[tuple[str, ...]] = []
    summary: list[tuple[str, ...]] = []
    with tempfile.TemporaryDirectory(prefix="scifact-docs-") as tmp:
        docs = Path(tmp)
        n_docs = write_corpus(docs)
        print(f"corpus: {n_docs} abstracts")
        for max_words in args.max_words:
            chunker = replace(defaults.chunker, max_words=max_words, overlap_sentences=args.overlap)
            label = size_label(max_words)
            index, note = build_index(docs, embedder, chunker)
            print(f"chunks max_words={label}, overlap={args.overlap}: {note}", flush=True)
            ev = Evaluator(index, split, qvecs, args.chunk_k)
            if args.grid:
                grid_rows += run_grid(ev, label, args)
                continue
            ev.use_bm25(args.k1, args.b)
            alt = "rrf" if args.fusion == "blend" else "blend"
            alt_param = TRAIN_BEST_RRF_K if alt == "rrf" else TRAIN_BEST_BLEND
            for system, value, published in (
                (f"BM25 (k1={args.k1:g}, b={args.b:g})", ev.bm25(), PUBLISHED["bm25"]),
                (f"dense {model.model_id}", ev.dense(), PUBLISHED.get(args.embedder, "")),
                (
                    f"fused {args.fusion} {args.param:g}, {args.candidates} candidates",
                    ev.fused(args.fusion, args.param, args.candidates),
                    "",
                ),
                (
                    f"fused {alt} {alt_param:g}, {args.candidates} candidates",
                    ev.fused(alt, alt_param, args.candidates),
                    "",
                ),
            ):
                summary.append((label, system, f"{value:.4f}", published))
    if grid_rows:
        print("\n| chunks | k1 | b | system | param | candidates | nDCG@10 |")
        print("|---|---|---|---|---|---|---|")
        for r in grid_rows:
            print("| " + " | ".join(r) + " |")
        fused = [r for r in grid_rows if r[3] in ("blend", "rrf")]
        for method in ("blend", "rrf"):
            best = max((r for r in fused if r[3] == method), key=lambda r: float(r[6]))
            print(f"\nbest {method}: " + ", ".join(best))
    if summary:
        print(f"\n| chunks | system | nDCG@10 ({args.split}) | published (test) |")
        print("|---|---|---|---|")
        for r in summary:
            print("| " + " | ".join(r) + " |")
    print(f"\nnewly embedded texts: {embedder.encoded}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
