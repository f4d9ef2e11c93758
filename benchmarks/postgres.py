"""The PostgreSQL store against the file store (issue 14): build time, search p50 with exact and
HNSW search, and HNSW's recall@10 against exact search.

    scripts/postgres start        # prints the URL
    .venv/bin/python -m benchmarks.postgres --url postgresql://... --chunks 100000
    .venv/bin/python -m benchmarks.postgres --url postgresql://... --documents DIR   # a folder

The collection is the synthetic one of ``benchmarks.memory`` (BBC sentences with a third of
their words swapped, chunked by the product's ``index.build``), with random unit vectors in
place of the model (``RandomEmbedder``): what is measured is the store - writing, indexing,
searching - not the model, which costs the same whichever store holds its vectors. Both stores
get the same vectors (the same seed, the same order of texts). Queries: a chunk's first words
for BM25 and its vector with noise added (cosine ~0.7 to it) for the dense side, so each query
has true near neighbours, as a real question does.
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
from collections.abc import Sequence
from dataclasses import replace
from pathlib import Path
from typing import Any

import numpy as np

from benchmarks.memory import RandomEmbedder
from index import build
from index.embedding import DEFAULT_MODEL
from index.retriever import Index
from index.settings import IndexSettings


def documents(work: Path, chunks: int) -> Path:
    from benchmarks.corpus import synthetic_documents

    folder = work / "documents"
    if not folder.exists():
        partial = work / "documents.partial"
        synthetic_documents(partial, int(chunks * 0.69), IndexSettings().chunker.max_words)
        partial.rename(folder)
    return folder


def queries(index: Index, count: int, seed: int = 1) -> tuple[list[str], np.ndarray]:
    """``count`` (text, vector) queries near random chunks (module docstring)."""
    rng = np.random.default_rng(seed)
    rows = rng.choice(len(index.chunks), size=count, replace=False)
    texts = [" ".join(index.chunks[int(r)].text.split()[:8]) for r in rows]
    base = index.row_vectors(rows)
    noise = rng.standard_normal(base.shape).astype(np.float32)
    noise /= np.linalg.norm(noise, axis=1, keepdims=True)
    vectors = base + noise
    vectors /= np.linalg.norm(vectors, axis=1, keepdims=True)
    return texts, vectors


def search_p50(index: Index, texts: Sequence[str], vectors: np.ndarray) -> float:
    """Median ms of one fused, re-ranked search (the question's vector given)."""
    index.search_encoded([texts[0]], vectors[:1], 5)
    times = []
    for i, text in enumerate(texts):
        started = time.perf_counter()
        index.search_encoded([text], vectors[i : i + 1], 5)
        times.append(time.perf_counter() - started)
    return float(np.median(times)) * 1000


def recall_at_10(exact: Index, approximate: Index, vectors: np.ndarray) -> float:
    """Share of exact search's dense top 10 that HNSW's dense top 10 also returns."""
    _, truth = exact.dense.search(vectors, 10)
    _, found = approximate.dense.search(vectors, 10)
    shared = [len(set(t) & set(f)) / 10 for t, f in zip(truth, found, strict=True)]
    return float(np.mean(shared))


def run(args: argparse.Namespace) -> dict[str, Any]:
    from index.postgres import PgStore

    work = args.work
    work.mkdir(parents=True, exist_ok=True)
    docs = args.documents or documents(work, args.chunks)
    settings = IndexSettings()
    started = time.perf_counter()
    file_report = build(docs, work / "index", RandomEmbedder(DEFAULT_MODEL), settings, full=True)
    file_s = time.perf_counter() - started
    print(f"file store: {file_report.chunks} chunks in {file_s:.0f} s", file=sys.stderr)
    store = PgStore(args.url)
    started = time.perf_counter()
    store.build(docs, RandomEmbedder(DEFAULT_MODEL), settings, full=True)
    pg_s = time.perf_counter() - started
    print(f"postgresql: {pg_s:.0f} s", file=sys.stderr)
    embedder = RandomEmbedder(DEFAULT_MODEL)
    on_disk = Index.load(work / "index", embedder, settings)
    exact = store.load(embedder, settings)
    hnsw = store.load(embedder, replace(settings, dense_kind="hnsw"))
    texts, vectors = queries(exact, args.queries)
    return {
        "chunks": file_report.chunks,
        "build_file_s": file_s,
        "build_postgres_s": pg_s,
        "search_p50_file_ms": search_p50(on_disk, texts, vectors),
        "search_p50_postgres_exact_ms": search_p50(exact, texts, vectors),
        "search_p50_postgres_hnsw_ms": search_p50(hnsw, texts, vectors),
        "hnsw_recall_at_10": recall_at_10(exact, hnsw, vectors),
        "queries": args.queries,
    }


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--url", required=True, help="a PostgreSQL URL (scripts/postgres start)")
    parser.add_argument("--chunks", type=int, default=100_000)
    parser.add_argument(
        "--documents", type=Path, default=None, help="a folder to index instead (e.g. BBC)"
    )
    parser.add_argument("--queries", type=int, default=200)
    parser.add_argument(
        "--work", type=Path, default=Path(tempfile.gettempdir()) / "docbot-bench-postgres"
    )
    args = parser.parse_args(argv)
    print(json.dumps(run(args), indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main())
