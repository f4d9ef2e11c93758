"""Passage re-ranking by the best answer unit (``index.rerank``), through real product indexes.

One command gives the re-ranking figures of issue 12 (``benchmarks/RESULTS.md``)::

    .venv/bin/python -m benchmarks.passages                       # all collections, the grid
    .venv/bin/python -m benchmarks.passages --sets wiki --depth 0 15 --overlap 0.8 --cosine 1

Unlike ``benchmarks.retrieval`` (in-memory variants of what a chunk is searched by), each
collection here is built with ``index.build`` exactly as ``docbot index`` builds it (titles,
answer units pooled from the chunk's forward pass), into ``--cache`` (default
``$DOCBOT_BENCH_CACHE/passages``, else a folder under /tmp), so a second run reuses every
vector. The collections and question sets are those of ``benchmarks.retrieval``: **news** (the
seed + all BBC: ``bbc_dev``, ``seed_dev``, the paraphrased seed questions), **wiki** (the six
SQuAD 2.0 articles + all BBC: a passage of the right article holding a gold answer in the top
1 / 3 / 5) and **scifact** (``--scifact-split``, nDCG@10 of documents ranked by their best
chunk). Each row is one re-ranking setting: depth (0 = fusion alone), the unit cosine's weight
and the term overlap's weight. ``--timing`` adds search p50 (query encoding included) with the
re-ranker off and on, in the same run.

``--cross 0 5 8 12`` adds the cross-encoder (``index.cross_encoder``) after the re-ranker: each
row is then also one depth of it (0 = off), and ``--cross-timing`` gives search p50 / p95 per
question with it off and at ``--cross-timing`` passages, interleaved, on ``--threads`` threads
(torch and onnxruntime alike). The figures of issue 22 (``benchmarks/RESULTS.md``)::

    .venv/bin/python -m benchmarks.passages --sets wiki scifact --depth 15 --cosine 1 \
        --overlap 0.8 --cross 0 5 8 12 --threads 2 --cross-timing 8
    .venv/bin/python -m benchmarks.passages --sets scifact --scifact-split test --depth 15 \
        --cosine 1 --overlap 0.8 --cross 0 5 8 12 --threads 2

``--embedder bge`` puts bge-small-en-v1.5 (``benchmarks.bge``) in the first stage instead of
all-MiniLM-L6-v2, with its own index folder per collection (``index-bge``), for the figures of
"bge-small-en-v1.5 as the first stage (issue 22)"::

    .venv/bin/python -m benchmarks.passages --embedder bge --sets wiki --depth 0 15 --cosine 1 \
        --overlap 0.8 --cross 0 8 --cross-weight 0.7 --threads 1

Within one run the cross-encoder reads each (question, passage) pair once (``Remembered``):
the depths of the grid share its scores.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import sys
import tempfile
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import replace
from pathlib import Path
from typing import Any

import numpy as np

from benchmarks import bge
from benchmarks.bge import encode_queries
from benchmarks.retrieval import (
    ROOT,
    SQUAD,
    QuestionSet,
    copy_bbc,
    evaluator,
    news_sets,
    scifact_ndcg,
    seed_name,
    wiki_sets,
)
from benchmarks.scifact import load_split, write_corpus
from index import build, cross_encoder
from index.embedding import Embedder, load_embedder
from index.rerank import UnitTerms
from index.retriever import Index

# one index folder per embedder under each collection, so neither build overwrites the other
INDEX_FOLDERS = {"minilm": "index", "bge": "index-bge"}
Evaluate = Callable[[Index, np.ndarray], dict[str, dict[str, float]]]


def default_cache() -> Path:
    base = os.environ.get("DOCBOT_BENCH_CACHE")
    return Path(base) / "passages" if base else Path(tempfile.gettempdir()) / "docbot-passages"


def documents(cache: Path, name: str) -> Path:
    """The collection's files, written once under ``cache``."""
    docs = cache / name / "documents"
    if docs.exists():
        return docs
    partial = docs.with_name("documents.partial")
    shutil.rmtree(partial, ignore_errors=True)
    if name == "news":
        shutil.copytree(ROOT / "documents", partial)
        copy_bbc(partial)
    elif name == "wiki":
        shutil.copytree(SQUAD, partial)
        copy_bbc(partial)
    else:
        partial.mkdir(parents=True)
        write_corpus(partial)
    partial.rename(docs)
    return docs


def built(
    cache: Path, name: str, embedder: Embedder, store: str = "", folder: str = "index"
) -> Index:
    """The collection's product index (incremental: unchanged files reuse their vectors), in
    the folder store under ``cache`` (``folder``: one per embedder), or in the PostgreSQL
    store at ``store`` when given."""
    root = cache / name / folder
    started = time.monotonic()
    if store:
        from index.postgres import PgStore

        pg = PgStore(store)
        report = pg.build(documents(cache, name), embedder)
        index: Index = pg.load(embedder)
    else:
        report = build(documents(cache, name), root, embedder)
        index = Index.load(root, embedder)
    print(
        f"{name}: {report.chunks} chunks, {report.embedded} embedded, "
        f"{time.monotonic() - started:.0f} s in {report.folder}",
        file=sys.stderr,
        flush=True,
    )
    return index


def question_sets(name: str, split: str) -> tuple[list[str], Evaluate]:
    if name == "scifact":
        data = load_split(split)
        return list(data.queries.values()), lambda index, qvecs: {
            f"scifact_{split}": scifact_ndcg(index, data, qvecs)
        }
    sets: list[QuestionSet] = news_sets(seed_name()) if name == "news" else wiki_sets(None)
    return [q.text for s in sets for q in s.questions], evaluator(sets)


class Remembered:
    """The cross-encoder with every pair's score kept, so a grid reads each pair once."""

    def __init__(self, model: cross_encoder.CrossEncoder) -> None:
        self.model = model
        self.known: dict[tuple[str, str], float] = {}
        self.pairs = 0
        self.seconds = 0.0

    def scores(self, question: str, passages: Sequence[str]) -> np.ndarray:
        new = [p for p in dict.fromkeys(passages) if (question, p) not in self.known]
        if new:
            started = time.perf_counter()
            for p, x in zip(new, self.model.scores(question, new), strict=True):
                self.known[question, p] = float(x)
            self.seconds += time.perf_counter() - started
            self.pairs += len(new)
        return np.array([self.known[question, p] for p in passages], dtype=np.float32)


Setting = tuple[int, float, float, int, float]  # re-rank depth, cosine, overlap; cross, weight


def settings_grid(args: argparse.Namespace) -> Iterator[Setting]:
    crosses = [(0, 1.0)] if 0 in args.cross else []
    crosses += [(c, w) for c in args.cross if c for w in args.cross_weight]
    for cross, weight in crosses:
        for depth in args.depth:
            if depth == 0:
                yield 0, 0.0, 0.0, cross, weight
                continue
            for cosine in args.cosine:
                for overlap in args.overlap:
                    yield depth, cosine, overlap, cross, weight


def cross_times(
    index: Index, questions: Sequence[str], depth: int, repeat: int = 2
) -> dict[str, float]:
    """ms of one ``Index.search`` (encoding included), the cross-encoder off and reading
    ``depth`` passages, interleaved per question: p50 and p95 of each."""
    base = index.settings
    index._cross_encoder = None  # the product's model, no scores kept
    index.settings = replace(base, cross_encoder_depth=depth)
    index.search([questions[0]], 5)
    times: dict[str, list[float]] = {"off": [], "on": []}
    for _ in range(repeat):
        for q in questions:
            for label in times:
                index.settings = replace(base, cross_encoder_depth=depth if label == "on" else 0)
                started = time.perf_counter()
                index.search([q], 5)
                times[label].append(time.perf_counter() - started)
    index.settings = base
    out = {}
    for label, t in times.items():
        out[f"p50_{label}_ms"] = float(np.percentile(t, 50)) * 1000
        out[f"p95_{label}_ms"] = float(np.percentile(t, 95)) * 1000
    return out


def search_times(index: Index, questions: Sequence[str], repeat: int = 3) -> dict[str, float]:
    """Median ms of one ``Index.search`` (encoding the question included), interleaved per
    question so that drift on a shared machine hits all three alike: the re-ranker off, on
    with no sentence terms kept from earlier questions (its worst case), and on again for the
    same question (its terms kept)."""
    base = index.settings
    index.search([questions[0]], 5)
    times: dict[str, list[float]] = {"off": [], "cold": [], "warm": []}
    for _ in range(repeat):
        for q in questions:
            for label in times:
                index.settings = replace(
                    base, rerank_depth=0 if label == "off" else base.rerank_depth
                )
                if label == "cold":
                    index.unit_terms = UnitTerms()
                started = time.perf_counter()
                index.search([q], 5)
                times[label].append(time.perf_counter() - started)
    index.settings = base
    return {label: float(np.median(t)) * 1000 for label, t in times.items()}


def run(name: str, args: argparse.Namespace, embedder: Embedder) -> list[dict[str, Any]]:
    index = built(args.cache, name, embedder, args.store, INDEX_FOLDERS[args.embedder])
    base = replace(
        index.settings,
        cross_encoder_threads=args.threads,
        cross_encoder_length=args.cross_length,
        cross_encoder_titles=not args.cross_no_titles,
    )
    questions, evaluate = question_sets(name, args.scifact_split)
    qvecs = (
        embedder.encode(questions) if args.plain_queries else encode_queries(embedder, questions)
    )
    model = cross_encoder.load(args.threads, args.cross_length) if max(args.cross) else None
    reader = Remembered(model) if model is not None else None
    rows = []
    for depth, cosine, overlap, cross, weight in settings_grid(args):
        index.settings = replace(
            base,
            rerank_depth=depth,
            rerank_cosine=cosine,
            rerank_overlap=overlap,
            cross_encoder_depth=cross,
            cross_encoder_weight=weight,
        )
        index._cross_encoder = reader  # type: ignore[assignment]  # None when all are 0
        for qset, figures in evaluate(index, qvecs).items():
            row = {"collection": name, "embedder": args.embedder, "set": qset}
            row |= {"plain_queries": args.plain_queries, "depth": depth, "cosine": cosine}
            row |= {"overlap": overlap, "cross": cross, "cross_weight": weight}
            row |= {"cross_length": args.cross_length}
            row |= {"cross_titles": not args.cross_no_titles, **figures}
            if reader is not None:
                row |= {"cross_pairs": reader.pairs, "cross_s": round(reader.seconds, 1)}
            rows.append(row)
            print("  ", json.dumps(row), file=sys.stderr, flush=True)
    if args.cross_timing:
        sample = questions[:: max(1, len(questions) // 100)][:100]
        index.settings = replace(base, rerank_depth=max(args.depth))
        ms = cross_times(index, sample, args.cross_timing)
        row = {"collection": name, "set": "cross_timing", "questions": len(sample)}
        row |= {"cross": args.cross_timing, "threads": args.threads, **ms}
        rows.append(row)
        print("  ", json.dumps(row), file=sys.stderr, flush=True)
    if args.timing:
        sample = questions[:: max(1, len(questions) // 100)][:100]
        index.settings = base
        ms = search_times(index, sample)
        row = {"collection": name, "set": "timing", "questions": len(sample)}
        row |= {f"p50_{label}_ms": value for label, value in ms.items()}
        row |= {"ratio_cold": ms["cold"] / ms["off"], "ratio_warm": ms["warm"] / ms["off"]}
        rows.append(row)
        print("  ", json.dumps(row), file=sys.stderr, flush=True)
    return rows


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--sets",
        nargs="+",
        choices=["news", "wiki", "scifact"],
        default=["news", "wiki", "scifact"],
    )
    parser.add_argument("--depth", type=int, nargs="+", default=[0, 10, 15, 30])
    parser.add_argument("--cosine", type=float, nargs="+", default=[0.5, 1.0, 1.5])
    parser.add_argument("--overlap", type=float, nargs="+", default=[0.4, 0.8, 1.2])
    parser.add_argument("--scifact-split", choices=("train", "test"), default="train")
    parser.add_argument("--cache", type=Path, default=default_cache())
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--store", default="", help="a PostgreSQL URL: build and search there")
    parser.add_argument("--timing", action="store_true", help="search p50, re-ranker off/on")
    parser.add_argument(
        "--cross", type=int, nargs="+", default=[0], help="cross-encoder depths (0: off)"
    )
    parser.add_argument(
        "--cross-weight",
        type=float,
        nargs="+",
        default=[1.0],
        help="the cross-encoder's weight against the score so far (1: its order alone)",
    )
    parser.add_argument("--cross-length", type=int, default=cross_encoder.MAX_LENGTH)
    parser.add_argument(
        "--cross-no-titles", action="store_true", help="the cross-encoder reads no title"
    )
    parser.add_argument(
        "--cross-timing", type=int, default=0, help="search p50/p95, cross-encoder off / at N"
    )
    parser.add_argument(
        "--embedder",
        choices=sorted(INDEX_FOLDERS),
        default="minilm",
        help="the first stage: all-MiniLM-L6-v2 (the product's) or bge-small-en-v1.5 (index.bge)",
    )
    parser.add_argument(
        "--plain-queries", action="store_true", help="questions without the embedder's prefix"
    )
    parser.add_argument("--out", type=Path, default=None, help="write the rows as JSON lines")
    args = parser.parse_args(argv)
    embedder: Embedder = (
        bge.load(args.threads) if args.embedder == "bge" else load_embedder("", args.threads)
    )
    rows = [row for name in args.sets for row in run(name, args, embedder)]
    if args.out:
        args.out.write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
