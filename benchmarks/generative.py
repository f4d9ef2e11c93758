"""Generative answers against a real model server: how many of the model's sentences
verification keeps and drops (and why), how often the extractive answer stands in, and how long
it takes. Outside CI: it needs a running OpenAI-compatible server.

    HF_HUB_OFFLINE=1 .venv/bin/python -m benchmarks.generative --url http://127.0.0.1:8080 \\
        [--model NAME] [--sample 40] [--timeout 30]

Asks every question of ``../shared/evals/seed_dev.jsonl`` over ``documents/`` and a fixed
sample (every n-th) of ``../shared/evals/squad2_dev6.jsonl`` over its six articles, each
collection indexed once under ``.docbot/bench-generative/``. Prints one JSON line per set:
questions, sent (found extractively, so sent to the model), generated (at least one sentence
kept), sentences kept, dropped by reason, fallbacks by reason, and the median latency of a
question with and without the model (the same engine, DOCBOT_LLM_URL unset).
"""

from __future__ import annotations

import argparse
import json
import statistics
import time
from collections import Counter
from pathlib import Path
from typing import Any

from bot.answering.engine import Engine
from bot.answering.generation import CheckedAnswer
from bot.answering.generation.verify import split_reply
from bot.settings import Settings

ROOT = Path(__file__).resolve().parents[1]
SHARED = ROOT.parent / "shared"
SETS = {
    "seed_dev": (ROOT / "documents", SHARED / "evals" / "seed_dev.jsonl"),
    "squad2_dev6": (
        SHARED / "corpora" / "squad2-dev6" / "documents",
        SHARED / "evals" / "squad2_dev6.jsonl",
    ),
}


def engines(name: str, documents: Path, llm: dict[str, Any]) -> tuple[Engine, Engine]:
    """An extractive engine and one with the model server, over one index."""
    index = ROOT / ".docbot" / "bench-generative" / name
    base: dict[str, Any] = {"documents_dir": documents, "index_dir": index, "torch_threads": 1}
    plain = Engine(Settings(_env_file=None, **base))
    plain.ensure_index(threads=1)
    plain.load_readers()
    model = Engine(Settings(_env_file=None, **base, **llm), embedder=plain.embedder)
    return plain, model


def questions(path: Path, sample: int) -> list[str]:
    rows = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line]
    step = max(1, len(rows) // sample) if sample else 1
    return [r["question"] for r in rows[::step]][: sample or None]


def run(name: str, sample: int, llm: dict[str, Any], show: int) -> dict[str, Any]:
    documents, path = SETS[name]
    plain, model = engines(name, documents, llm)
    asked = questions(path, sample)
    dropped: Counter[str] = Counter()
    fallback: Counter[str] = Counter()
    kept = sent = generated = 0
    with_model: list[float] = []
    without: list[float] = []
    examples: list[dict[str, Any]] = []
    for question in asked:
        started = time.perf_counter()
        plain.ask(question)
        without.append(time.perf_counter() - started)
        started = time.perf_counter()
        answer = model.ask(question)
        with_model.append(time.perf_counter() - started)
        assert isinstance(answer, CheckedAnswer)
        sent += answer.found
        dropped.update(d.reason for d in answer.dropped)
        if answer.generated:
            generated += 1
            kept += len(split_reply(answer.text))
        elif answer.found:
            fallback[answer.fallback] += 1
        if len(examples) < show and answer.found:
            examples.append(
                {
                    "question": question,
                    "answer": answer.text,
                    "generated": answer.generated,
                    "dropped": [d.to_json() for d in answer.dropped],
                }
            )
    return {
        "set": name,
        "questions": len(asked),
        "sent": sent,
        "generated": generated,
        "sentences_kept": kept,
        "sentences_dropped": sum(dropped.values()),
        "dropped_by_reason": dict(dropped),
        "fallback_by_reason": dict(fallback),
        "median_ms_with_model": round(1000 * statistics.median(with_model), 1),
        "median_ms_extractive": round(1000 * statistics.median(without), 1),
        "examples": examples,
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.generative")
    parser.add_argument("--url", required=True, help="the model server's base URL")
    parser.add_argument("--model", default="")
    parser.add_argument("--timeout", type=float, default=30.0)
    parser.add_argument("--max-tokens", type=int, default=200)
    parser.add_argument("--sample", type=int, default=40, help="squad2_dev6 questions asked")
    parser.add_argument("--show", type=int, default=3, help="example answers printed per set")
    parser.add_argument("--sets", nargs="*", default=list(SETS))
    args = parser.parse_args(argv)
    llm = {
        "llm_url": args.url,
        "llm_model": args.model,
        "llm_timeout_s": args.timeout,
        "llm_max_tokens": args.max_tokens,
    }
    for name in args.sets:
        sample = 0 if name == "seed_dev" else args.sample
        print(json.dumps(run(name, sample, llm, args.show), ensure_ascii=False), flush=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
