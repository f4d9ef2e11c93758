"""Child process: warm query latency and hit@3 of docbot over a built index.

    python -m benchmarks.latency --documents DIR --index DIR --questions FILE

Loads the index through the product's ``Engine`` (serving settings: ``DOCBOT_TORCH_THREADS``,
default 1), warms up on 10 questions that are not timed, then times every question of
``FILE`` (one a line) one at a time: ``Index.search([q], 5)`` (retrieval alone) and
``Engine.ask(q)`` (the full answer), when the engine has ``ask``. Also hit@3 of the named
file on ``bbc_dev.jsonl``. Prints one JSON line.
"""

from __future__ import annotations

import argparse
import json
import time
from pathlib import Path

from benchmarks.corpus import dev_questions, expected_sources
from benchmarks.measure import median, percentile


def summary(seconds: list[float]) -> dict[str, float]:
    return {
        "n": len(seconds),
        "p50_ms": percentile(seconds, 50) * 1000,
        "p95_ms": percentile(seconds, 95) * 1000,
        "mean_ms": sum(seconds) / len(seconds) * 1000,
        "max_ms": max(seconds) * 1000,
    }


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--documents", required=True)
    parser.add_argument("--index", required=True)
    parser.add_argument("--questions", required=True)
    parser.add_argument("--rounds", type=int, default=1, help="timed passes over the questions")
    args = parser.parse_args()
    questions = [q for q in Path(args.questions).read_text("utf-8").splitlines() if q.strip()]

    from bot.answering.engine import Engine
    from bot.settings import Settings

    engine = Engine(Settings(documents_dir=Path(args.documents), index_dir=Path(args.index)))
    index = engine.index()
    can_ask = callable(getattr(engine, "ask", None))
    warm = [f"{q} (warm-up)" for q in questions[-10:]]
    index.search(warm, 5)
    for q in warm:
        index.search([q], 5)
        if can_ask:
            engine.ask(q)

    search_s: list[float] = []
    ask_s: list[float] = []
    found = 0
    for _ in range(args.rounds):
        for q in questions:
            t = time.perf_counter()
            index.search([q], 5)
            search_s.append(time.perf_counter() - t)
        if can_ask:
            for q in questions:
                t = time.perf_counter()
                answer = engine.ask(q)
                ask_s.append(time.perf_counter() - t)
                found += bool(answer.found)
    # Per-stage split of retrieval: the query embedding alone.
    embed_s = []
    for q in questions:
        t = time.perf_counter()
        index.embedder.encode([q])
        embed_s.append(time.perf_counter() - t)

    hits = []
    for item in dev_questions():
        top = index.search([str(item["question"])], 3)[0]
        wanted = expected_sources(str(item["source"]))
        hits.append(any(h.chunk.source in wanted for h in top))
    import torch

    out = {
        "chunks": len(index),
        "threads": torch.get_num_threads(),
        "search": summary(search_s),
        "embed_query": summary(embed_s),
        "ask": summary(ask_s) if ask_s else None,
        "answered": found,
        "hit3": sum(hits) / len(hits),
        "hit3_detail": hits,
        "median_search_ms": median(search_s) * 1000,
    }
    print(json.dumps(out))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
