"""What sharing a run costs and changes for the cross-encoder (issue 22, ``index.cross_encoder``).

    python -m benchmarks.cross_batches --index DIR [--threads 1] [--repeat 5]

Over passages of a built index (``chunks.jsonl``): the time per pair of one ``session.run`` by
the number of pairs in it, with every pair cut to the same length (256 tokens: passages; 64:
sentences), so only the run's size changes; eight long pairs and eight short ones in two runs
against one run padded to the longest; and how far a pair's logit moves when its run is shared
with other questions' pairs (the model's INT8 activations are quantised per run). Medians of
``--repeat`` runs; prints one JSON line.
"""

from __future__ import annotations

import argparse
import json
import random
import statistics
import time
from pathlib import Path
from typing import Any

import numpy as np

from index import cross_encoder

QUESTIONS = (
    "What did the report say about the economy?",
    "Who won the match on Saturday?",
    "Why did the minister resign?",
    "How many mobile phones were sold last year?",
    "What will the new law change for workers?",
    "When does the film open in cinemas?",
)


def timed(model: cross_encoder.CrossEncoder, pairs: list[tuple[str, str]], repeat: int) -> float:
    """Median milliseconds of one run over ``pairs``."""
    inputs = model.inputs(pairs)
    times = []
    for _ in range(repeat):
        started = time.perf_counter()
        model.session.run(["logits"], inputs)
        times.append(time.perf_counter() - started)
    return 1000 * statistics.median(times)


def per_pair(args: argparse.Namespace, passages: list[str], length: int) -> dict[str, float]:
    model = cross_encoder.load(args.threads, max_length=length)
    pairs = [(QUESTIONS[0], p * 3) for p in passages[:64]]  # long enough to be cut: one width
    timed(model, pairs[:8], 2)
    return {str(n): timed(model, pairs[:n], args.repeat) / n for n in (1, 2, 4, 8, 16, 32, 64)}


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--index", type=Path, required=True, help="a built index folder")
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    with open(args.index / "chunks.jsonl", encoding="utf-8") as f:
        texts = [str(c["text"]) for c in map(json.loads, f) if len(str(c["text"])) > 700]
    passages = random.Random(22).sample(texts, 64)
    out: dict[str, Any] = {"threads": args.threads, "repeat": args.repeat}
    out["ms_per_pair_256"] = per_pair(args, passages, 256)
    out["ms_per_pair_64"] = per_pair(args, passages, 64)

    model = cross_encoder.load(args.threads)
    longs = [[(q, p) for p in passages[8 * i : 8 * i + 8]] for i, q in enumerate(QUESTIONS)]
    shorts = [[(q, p.split(". ")[0]) for q, p in group] for group in longs]
    timed(model, longs[0], 2)
    out["long_short"] = {
        "widths": [
            model.inputs(longs[0])["input_ids"].shape[1],
            model.inputs(shorts[0])["input_ids"].shape[1],
        ],
        "long_ms": timed(model, longs[0], args.repeat),
        "short_ms": timed(model, shorts[0], args.repeat),
        "mixed_ms": timed(model, longs[0] + shorts[0], args.repeat),
    }
    out["shared_runs"] = [
        moved(model, groups) for groups in (longs, shorts, longs[:3] + shorts[:3])
    ]
    print(json.dumps(out))
    return 0


def moved(
    model: cross_encoder.CrossEncoder, groups: list[list[tuple[str, str]]]
) -> dict[str, float]:
    """Largest logit change of a pair between its question's own run and one run of all."""
    alone = np.concatenate([model.run(g) for g in groups])
    together = model.run([pair for g in groups for pair in g])
    return {
        "groups": len(groups),
        "max_change": float(np.abs(together - alone).max()),
        "logit_range": float(alone.max() - alone.min()),
    }


if __name__ == "__main__":
    raise SystemExit(main())
