"""Build throughput of two embedders on the same chunks (issue 22): all-MiniLM-L6-v2 (the
product's default, torch) and bge-small-en-v1.5 (``index.bge``, onnxruntime), one after the
other in one process, on ``--threads`` threads::

    .venv/bin/python -m benchmarks.embedders --index $DOCBOT_BENCH_CACHE/passages/wiki/index \
        --chunks 256 --threads 1

The chunks are every n-th of a built index (``chunks.jsonl``), searched text with titles as the
build embeds it. For each embedder: chunks per second for the chunk vectors alone, and for
what a build computes (the chunk vectors and its answer units' vectors: pooled from the chunk's
forward pass for MiniLM, each unit encoded on its own for bge, whose vectors are its [CLS] row),
then the median ms of encoding one question. Runs alternate the two embedders ``--repeat``
times; the figures are medians.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from collections.abc import Callable, Sequence
from functools import partial
from pathlib import Path

import numpy as np

from benchmarks import bge
from index.chunking import Chunk
from index.embedding import encode_with_spans, fill_spans, load_embedder, missing_spans
from index.units import unit_spans

ROOT = Path(__file__).resolve().parent.parent


def sample(index: Path, n: int) -> list[Chunk]:
    rows = [json.loads(line) for line in (index / "chunks.jsonl").open(encoding="utf-8")]
    step = max(1, len(rows) // n)
    return [Chunk.from_json(r) for r in rows[::step][:n]]


def build_work(chunks: Sequence[Chunk]) -> tuple[list[str], list[list[tuple[int, int]]]]:
    """The texts a build embeds and their units' spans in them, as ``index.builder`` does."""
    texts = [c.search_text(True) for c in chunks]
    spans = []
    for c, t in zip(chunks, texts, strict=True):
        by = len(t) - len(c.text)
        spans.append([(a + by, b + by) for a, b in unit_spans(c)])
    return texts, spans


def timed(work: Callable[[], object]) -> float:
    started = time.perf_counter()
    work()
    return time.perf_counter() - started


def build_like(embedder: object, texts: list[str], spans: list[list[tuple[int, int]]]) -> None:
    _, pooled = encode_with_spans(embedder, texts, spans)  # type: ignore[arg-type]
    fill_spans(embedder, missing_spans(texts, spans, pooled), pooled)  # type: ignore[arg-type]


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--index", type=Path, required=True, help="a built index folder")
    parser.add_argument("--chunks", type=int, default=256)
    parser.add_argument("--questions", type=int, default=50)
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--repeat", type=int, default=2)
    args = parser.parse_args(argv)
    chunks = sample(args.index, args.chunks)
    texts, spans = build_work(chunks)
    units = sum(len(s) for s in spans)
    questions = [f"What did the report say about item {i} of the list?" for i in range(50)]
    questions = questions[: args.questions]
    minilm = load_embedder("", threads=args.threads)
    small = bge.load(threads=args.threads)
    encoders = {
        "minilm": (minilm, lambda t: minilm.encode(t)),
        "bge": (small, small.encode_queries),
    }
    times: dict[str, dict[str, list[float]]] = {k: {} for k in encoders}
    for embedder, _ in encoders.values():
        embedder.encode(texts[:8])  # warm
    for _ in range(args.repeat):
        for name, (embedder, query) in encoders.items():
            got = times[name]
            got.setdefault("chunks", []).append(timed(partial(embedder.encode, texts)))
            got.setdefault("build", []).append(timed(partial(build_like, embedder, texts, spans)))
            one = [timed(partial(query, [q])) for q in questions]
            got.setdefault("query", []).append(float(np.median(one)))
    out = {"chunks": len(texts), "units": units, "threads": args.threads}
    for name, got in times.items():
        chunk_s, build_s = float(np.median(got["chunks"])), float(np.median(got["build"]))
        out[name] = {
            "chunks_per_s": round(len(texts) / chunk_s, 1),
            "build_chunks_per_s": round(len(texts) / build_s, 1),
            "query_ms": round(float(np.median(got["query"])) * 1000, 1),
        }
    print(json.dumps(out))
    return 0


if __name__ == "__main__":
    sys.exit(main())
