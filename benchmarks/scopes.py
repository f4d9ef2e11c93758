"""What a scope filter costs a search (issue 26): ``Index.search_encoded`` p50 without a scope
and with one, at 100k chunks, interleaved query by query so that the ratios are of one run.

    OMP_NUM_THREADS=1 .venv/bin/python -m benchmarks.scopes --chunks 100000 --dense flat hnsw

The collection is synthetic and assembled in memory, not built from files: chunks of about
120 words of BBC sentences with a third of their words swapped (as ``benchmarks.memory``),
forty to a file and the files dealt round-robin into ``--folders`` department folders, with
random unit vectors of dimension 384 in place of the model and the product's FAISS (flat or
HNSW) and BM25 (bm25s) over them. There are no answer-unit vectors, so the re-ranker reads
only its term overlap: the part of a search that a scope does not change is smaller than in
the product, which makes the ratio larger (the pessimistic side). Queries: a chunk's first 8
words for BM25 and its vector with noise added (cosine ~0.7) for the dense side. Scopes: one
folder of ten (10% of the rows), five (50%) and nine (90%). One thread (FAISS, numpy). The mask
of a scope is made once per loaded index (``Index.scope_rows``): its time is given apart. The
re-ranker's cache of passage terms starts empty for every timed search: kept, a variant that
ran first for a question would pay for the passages the next ones then find cached (scoped
searches find other passages than unscoped ones), which measured the order, not the filter.
"""

from __future__ import annotations

import argparse
import json
import random
import re
import time
from collections.abc import Sequence
from dataclasses import replace
from typing import Any

import numpy as np

from benchmarks.corpus import bbc_sentences
from benchmarks.measure import machine
from index.chunking import Chunk, chunk_id
from index.dense import DenseIndex
from index.embedding import DEFAULT_MODEL
from index.rerank import UnitTerms
from index.retriever import Index, Parts
from index.scope import Scope, ScopeRows
from index.settings import IndexSettings
from index.sparse import SparseIndex

DIMENSION = 384
PER_FILE = 40
WORD = re.compile(r"[A-Za-z0-9']+")


class NoEmbedder:
    """The index's embedder; never asked (the queries come with their vectors)."""

    model_id, dimension = DEFAULT_MODEL, DIMENSION

    def encode(self, texts: Sequence[str], progress: Any = None) -> np.ndarray:
        raise AssertionError("the benchmark passes the query vectors")


def texts(count: int, words: int = 120, seed: int = 100) -> list[str]:
    """``count`` passages of about ``words`` words of BBC sentences, a third of the words
    swapped for random corpus words (no two alike)."""
    rng = random.Random(seed)
    sentences = [WORD.findall(s) for s in bbc_sentences()]
    vocabulary = [w for s in rng.sample(sentences, 5000) for w in s]
    out = []
    for _ in range(count):
        passage: list[str] = []
        while len(passage) < words:
            passage += [w if rng.random() >= 0.35 else rng.choice(vocabulary)
                        for w in rng.choice(sentences)]  # fmt: skip
        out.append(" ".join(passage))
    return out


def assemble(count: int, folders: int) -> Parts:
    """The synthetic collection (module docstring): chunks, random vectors, BM25; its FAISS
    index is :func:`with_dense`'s."""
    passages = texts(count)
    chunks = []
    for i, text in enumerate(passages):
        file = i // PER_FILE
        source = f"dept-{file % folders:02d}/synthetic-{file:05d}.txt"
        chunks.append(Chunk(chunk_id(source, text), source, text, 0, len(text)))
    rng = np.random.default_rng(0)
    vectors = rng.standard_normal((count, DIMENSION), dtype=np.float32)
    vectors /= np.linalg.norm(vectors, axis=1, keepdims=True)
    empty = DenseIndex.build(vectors[:0])
    return Parts("synthetic", {"files": {}}, chunks, vectors, empty, SparseIndex.build(passages))


def with_dense(parts: Parts, dense: str) -> Index:
    """The collection searched with a FAISS index of kind ``dense``."""
    parts = replace(parts, dense=DenseIndex.build(parts.vectors, dense))
    return Index(parts, NoEmbedder(), IndexSettings(dense_kind=dense))


def queries(index: Index, count: int, seed: int = 1) -> tuple[list[str], np.ndarray]:
    rng = np.random.default_rng(seed)
    rows = rng.choice(len(index.chunks), size=count, replace=False)
    words = [" ".join(index.chunks[int(r)].text.split()[:8]) for r in rows]
    noise = rng.standard_normal((count, DIMENSION)).astype(np.float32)
    noise /= np.linalg.norm(noise, axis=1, keepdims=True)
    vectors = index.row_vectors(rows) + noise
    vectors /= np.linalg.norm(vectors, axis=1, keepdims=True)
    return words, vectors


def timed(index: Index, scopes: dict[str, Scope | None], count: int) -> dict[str, Any]:
    """p50 and p95 ms of a search per scope, the scopes taking turns query by query."""
    words, vectors = queries(index, count)
    masks = {}
    sources = index.sources_of_rows  # each row's document: made by the first question
    for name, scope in scopes.items():  # the masks are made once per scope: timed apart
        if scope is not None:
            started = time.perf_counter()
            ScopeRows.of(scope, sources)
            masks[name] = (time.perf_counter() - started) * 1000
            index.scope_rows(scope)
    for i in range(5):  # warm-up
        for scope in scopes.values():
            index.search_encoded([words[i]], vectors[i : i + 1], 5, scope)
    seconds: dict[str, list[float]] = {name: [] for name in scopes}
    names = list(scopes)
    for i, word in enumerate(words):
        for name in names[i % len(names) :] + names[: i % len(names)]:
            index.unit_terms = UnitTerms()  # each search reads its passages' terms afresh
            started = time.perf_counter()
            index.search_encoded([word], vectors[i : i + 1], 5, scopes[name])
            seconds[name].append(time.perf_counter() - started)
    p50 = {name: float(np.median(s)) * 1000 for name, s in seconds.items()}
    return {
        "p50_ms": p50,
        "p95_ms": {name: float(np.percentile(s, 95)) * 1000 for name, s in seconds.items()},
        "ratio_to_none": {name: p50[name] / p50["none"] for name in scopes},
        "mask_ms": masks,
    }


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--chunks", type=int, default=100_000)
    parser.add_argument("--folders", type=int, default=10)
    parser.add_argument("--queries", type=int, default=300)
    parser.add_argument("--dense", nargs="+", default=["flat"], choices=["flat", "hnsw"])
    args = parser.parse_args(argv)
    import faiss

    faiss.omp_set_num_threads(1)
    folders = [f"dept-{f:02d}" for f in range(args.folders)]
    scopes: dict[str, Scope | None] = {
        "none": None,
        "one folder (10%)": Scope.of(folders[:1]),
        "half the folders (50%)": Scope.of(folders[: args.folders // 2]),
        "all folders but one (90%)": Scope.of(folders[1:]),
    }
    result: dict[str, Any] = {"machine": machine(), "chunks": args.chunks}
    started = time.perf_counter()
    parts = assemble(args.chunks, args.folders)
    result["assemble_s"] = time.perf_counter() - started
    for dense in args.dense:
        started = time.perf_counter()
        index = with_dense(parts, dense)
        result[f"faiss_{dense}_s"] = time.perf_counter() - started
        result[dense] = timed(index, scopes, args.queries)
        print(json.dumps({dense: result[dense]}), flush=True)
    print(json.dumps(result, indent=1))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
