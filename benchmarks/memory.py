"""Peak memory of a process serving a ~100,000-chunk index and answering.

    python -m benchmarks.memory --chunks 100000          # build the synthetic index, then serve
    python -m benchmarks.memory serve --documents D --index I --questions F   (child)

The collection is synthetic: files of sentences sampled from the BBC corpus with about a third
of their words swapped (see ``corpus.synthetic_documents``), chunked by the product's own
``index.build``. To save ~40 minutes of embedding, the chunk vectors are random unit vectors
(``RandomEmbedder``, recorded under the real model's id so the real model can query the index);
memory does not depend on the values. The serving child is a fresh process that loads the real
model and the index through ``Engine`` and answers questions; its peak RSS is read by the parent.
"""

from __future__ import annotations

import argparse
import json
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import numpy as np


class RandomEmbedder:
    """Random unit vectors under the bundled model's id and dimension."""

    def __init__(self, model_id: str, dimension: int = 384, seed: int = 0) -> None:
        self.model_id = model_id
        self.dimension = dimension
        self._rng = np.random.default_rng(seed)

    def encode(
        self, texts: Sequence[str], progress: Callable[[int], None] | None = None
    ) -> np.ndarray:
        vectors = self._rng.standard_normal((len(texts), self.dimension), dtype=np.float32)
        vectors /= np.linalg.norm(vectors, axis=1, keepdims=True)
        if progress:
            progress(len(texts))
        return vectors


def build_synthetic(work: Path, chunks: int) -> dict[str, Any]:
    """Write the synthetic documents and build their index with random vectors."""
    from benchmarks.corpus import synthetic_documents
    from index.builder import build
    from index.embedding import DEFAULT_MODEL
    from index.settings import IndexSettings

    settings = IndexSettings()
    documents = work / "synthetic-documents"
    started = time.perf_counter()
    # Measured: the chunker makes ~1.45 chunks per synthetic paragraph (sentence overlap).
    words = synthetic_documents(documents, int(chunks * 0.69), settings.chunker.max_words)
    written = time.perf_counter() - started
    report = build(documents, work / "synthetic-index", RandomEmbedder(DEFAULT_MODEL), settings)
    return {
        "documents": str(documents),
        "index": str(work / "synthetic-index"),
        "words": words,
        "chunks": report.chunks,
        "duplicates": report.duplicates,
        "files": len(report.added),
        "write_s": written,
        "build_s": report.seconds,
    }


def rss_mb(field: str = "VmRSS") -> float:
    """This process's resident memory (``VmHWM``: its peak), in MB."""
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith(field + ":"):
                return int(line.split()[1]) / 1024
    return float("nan")


def serve(args: argparse.Namespace) -> int:
    """Child: load the engine and index, answer every question; print RSS and timings."""
    from bot.answering.engine import Engine
    from bot.settings import Settings

    questions = [q for q in Path(args.questions).read_text("utf-8").splitlines() if q.strip()]
    engine = Engine(Settings(documents_dir=Path(args.documents), index_dir=Path(args.index)))
    t = time.perf_counter()
    engine.embedder  # noqa: B018 - loads the model
    model_s = time.perf_counter() - t
    t = time.perf_counter()
    index = engine.index()
    load_s = time.perf_counter() - t
    after_load = rss_mb()
    can_ask = callable(getattr(engine, "ask", None))
    seconds = []
    for q in questions:
        t = time.perf_counter()
        if can_ask:
            engine.ask(q)
        else:
            engine.search([q])
        seconds.append(time.perf_counter() - t)
    from benchmarks.latency import summary

    print(
        json.dumps(
            {
                "chunks": len(index),
                "model_load_s": model_s,
                "index_load_s": load_s,
                "rss_after_load_mb": after_load,
                "rss_end_mb": rss_mb(),
                # The peak of this process image. The parent's rusage ru_maxrss is not: Linux
                # carries the spawning parent's high-water mark across exec, and the parent has
                # just built the 100k-chunk index (measured: 1.70 GB reported vs 1.08 GB here).
                "peak_rss_mb": rss_mb("VmHWM"),
                "mode": "ask" if can_ask else "search",
                "latency": summary(seconds[1:] or seconds),
                "first_s": seconds[0],
            }
        )
    )
    return 0


def main() -> int:
    parser = argparse.ArgumentParser()
    sub = parser.add_subparsers(dest="mode")
    p = sub.add_parser("serve")
    p.add_argument("--documents", required=True)
    p.add_argument("--index", required=True)
    p.add_argument("--questions", required=True)
    parser.add_argument("--chunks", type=int, default=100_000)
    parser.add_argument("--work", default=None)
    args = parser.parse_args()
    if args.mode == "serve":
        return serve(args)
    import tempfile

    from benchmarks.figures import memory_figure

    with tempfile.TemporaryDirectory(prefix="docbot-bench-") as tmp:
        print(json.dumps(memory_figure(Path(args.work or tmp), args.chunks)))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
