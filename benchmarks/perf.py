"""All performance figures of issue 6 in one run (``benchmarks/run_all`` calls this).

    python -m benchmarks.perf [--limit N] [--repeat R] [--memory-chunks C] [--results FILE]

Copies the seed and the BBC corpus into a temporary folder, then, in fresh child processes:
full builds against ``SentenceTransformer.encode`` of the same chunks, incremental updates,
warm latency (retrieval and full answer), the txtai peer on the same chunks, cold start,
memory at ~100k chunks and concurrency through the Telegram handlers. ``--limit`` uses that
many BBC articles (for trying the scripts out). With ``--results``, the "Performance" section
of that file is replaced by this run's (other sections are left alone); the raw numbers go to
``--json``.
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
import traceback
from collections.abc import Callable
from pathlib import Path
from typing import Any

from benchmarks import figures
from benchmarks.corpus import bbc_folder
from benchmarks.measure import machine
from benchmarks.report import render, replace_section

FIGURES = ("build", "incremental", "latency", "peer", "cold", "memory", "concurrency")


def log(msg: str) -> None:
    print(f"[{time.strftime('%H:%M:%S')}] {msg}", file=sys.stderr, flush=True)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--limit", type=int, default=None, help="BBC articles (default: all)")
    parser.add_argument("--repeat", type=int, default=1, help="full builds (each + encode)")
    parser.add_argument("--questions", type=int, default=200)
    parser.add_argument("--memory-chunks", type=int, default=100_000)
    parser.add_argument("--chats", type=int, default=200)
    parser.add_argument("--per-chat", type=int, default=5)
    parser.add_argument("--skip", nargs="*", default=[], choices=FIGURES)
    parser.add_argument("--results", type=Path, default=None, help="RESULTS.md to update")
    parser.add_argument("--json", type=Path, default=None, help="write the raw numbers here")
    parser.add_argument("--command", default=None, help="the command line to record")
    args = parser.parse_args(argv)

    results: dict[str, Any] = {"machine": machine(), "command": args.command or _command(argv)}
    results["settings"] = {
        "limit": args.limit,
        "repeat": args.repeat,
        "questions": args.questions,
        "memory_chunks": args.memory_chunks,
        "chats": args.chats,
        "per_chat": args.per_chat,
    }
    started = time.perf_counter()
    with tempfile.TemporaryDirectory(prefix="docbot-bench-") as tmp:
        work = Path(tmp)
        collection = bbc_folder(work / "bbc", args.limit)
        log(f"collection: {collection.files} files in {collection.documents}")
        qfile = work / "questions.txt"
        qs = figures.write_questions(qfile, collection.documents, args.questions)

        def step(name: str, fn: Callable[[], Any]) -> Any:
            if name in args.skip:
                results[name] = {"skipped": "--skip"}
                return None
            log(f"{name}...")
            t = time.perf_counter()
            try:
                out = fn()
            except Exception as exc:  # record the failure, keep measuring the rest
                traceback.print_exc()
                out = {"error": f"{type(exc).__name__}: {exc}"}
            log(f"{name} done in {time.perf_counter() - t:.0f} s")
            results[name] = out
            return out

        build = step("build", lambda: figures.build_figure(collection, work, args.repeat))
        if not build or "error" in build:
            log("no build: stopping")
            return 1
        last = build["runs"][-1]
        root, chunks_file = Path(last["root"]), Path(last["chunks_file"])
        # The peer and latency read this build; incremental updates change it, so they go last.
        step("latency", lambda: figures.latency_figure(collection, root, qfile))
        step("peer", lambda: figures.peer_figure(collection, root, chunks_file, qfile))
        step("cold", lambda: figures.cold_start_figure(collection, root, qs[0]))
        step(
            "concurrency",
            lambda: figures.concurrency_figure(
                collection, root, args.questions, args.chats, args.per_chat
            ),
        )
        step(
            "incremental",
            lambda: figures.incremental_figure(
                collection, root, build["median_build_s"], build["median_wall_s"]
            ),
        )
        step("memory", lambda: figures.memory_figure(work / "memory", args.memory_chunks))
    results["total_s"] = time.perf_counter() - started
    results["machine"]["load_average_end"] = machine()["load_average"]
    text = render(results)
    print(text)
    if args.json:
        args.json.write_text(json.dumps(results, indent=1, default=str) + "\n", encoding="utf-8")
    if args.results:
        replace_section(args.results, text)
        log(f"wrote {args.results}")
    return 0


def _command(argv: list[str] | None) -> str:
    return "python -m benchmarks.perf " + " ".join(argv if argv is not None else sys.argv[1:])


if __name__ == "__main__":
    raise SystemExit(main())
