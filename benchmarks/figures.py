"""The performance figures of issue 6, each measured in fresh child processes.

Each ``*_figure`` function returns a plain dict (numbers and the commands run); ``perf.py``
runs them in order and ``report.py`` turns the dicts into the RESULTS.md section. Nothing
timed is cached: every build is a cold build of a fresh index folder.
"""

from __future__ import annotations

import json
import os
import re
from pathlib import Path
from typing import Any

from benchmarks.corpus import Collection, add_held_out, questions
from benchmarks.measure import DOCBOT, PYTHON, ChildRun, bench_env, median, run_child


def build_threads() -> int:
    """What ``docbot index`` uses: ``DOCBOT_INDEX_THREADS``, 0/unset meaning all cores but one
    (``Settings.build_threads``). Passed to docbot explicitly, so docbot, the reference encode
    and txtai always run with the same count (the 21:31 run did not: docbot 1, the others 2)."""
    return int(os.environ.get("DOCBOT_INDEX_THREADS") or 0) or max(1, (os.cpu_count() or 1) - 1)


def docbot(args: list[str], documents: Path, index: Path) -> ChildRun:
    env = bench_env(
        {
            "DOCBOT_DOCUMENTS_DIR": str(documents),
            "DOCBOT_INDEX_DIR": str(index),
            "DOCBOT_INDEX_THREADS": str(build_threads()),
        }
    )
    return run_child([DOCBOT, *args], env).check()


def build_figure(collection: Collection, work: Path, repeat: int) -> dict[str, Any]:
    """``docbot index --full`` vs ``SentenceTransformer.encode`` of the same chunk texts."""
    threads = build_threads()
    runs = []
    for r in range(repeat):
        root = work / f"build-{r}" / "index"
        full = docbot(["index", "--full", "--json"], collection.documents, root)
        report = full.last_json()
        chunks_file = Path(report["index"]) / "chunks.jsonl"
        enc = run_child(
            [PYTHON, "-m", "benchmarks.encode_ref", str(chunks_file), "--threads", str(threads)]
        ).check()
        ref = enc.last_json()
        docbot_cps = report["chunks"] / report["seconds"]
        runs.append(
            {
                "root": str(root),
                "chunks_file": str(chunks_file),
                "chunks": report["chunks"],
                "embedded": report["embedded"],
                "units_embedded": report.get("units_embedded", 0),
                "unit_pooling": json.loads(
                    (Path(report["index"]) / "manifest.json").read_text(encoding="utf-8")
                ).get("unit_pooling", "separate"),
                "build_s": report["seconds"],
                "wall_s": full.seconds,
                "peak_rss_mb": full.peak_rss_mb,
                "docbot_chunks_per_s": docbot_cps,
                "docbot_wall_chunks_per_s": report["chunks"] / full.seconds,
                "encode_s": ref["seconds"],
                "encode_chunks_per_s": ref["chunks_per_s"],
                "encode_wall_s": enc.seconds,
                "encode_peak_rss_mb": enc.peak_rss_mb,
                "ratio": docbot_cps / ref["chunks_per_s"],
            }
        )
    return {
        "threads": threads,
        "files": collection.files,
        "runs": runs,
        "median_ratio": median([r["ratio"] for r in runs]),
        "median_build_s": median([r["build_s"] for r in runs]),
        "median_wall_s": median([r["wall_s"] for r in runs]),
        "median_docbot_cps": median([r["docbot_chunks_per_s"] for r in runs]),
        "median_encode_cps": median([r["encode_chunks_per_s"] for r in runs]),
        "command": "DOCBOT_DOCUMENTS_DIR=<tmp> DOCBOT_INDEX_DIR=<fresh> docbot index --full --json",
    }


def incremental_figure(
    collection: Collection, root: Path, full_build_s: float, full_wall_s: float
) -> dict[str, Any]:
    """Add one held-out article at a time to the indexed folder and run ``docbot index``."""
    runs = []
    for i in range(len(collection.held_out)):
        source = add_held_out(collection, i)
        run = docbot(["index", "--json"], collection.documents, root)
        report = run.last_json()
        runs.append(
            {
                "added": report["added"],
                "expected": source,
                "embedded": report["embedded"],
                "reused": report["reused"],
                "build_s": report["seconds"],
                "wall_s": run.seconds,
            }
        )
    build_s = median([r["build_s"] for r in runs])
    wall_s = median([r["wall_s"] for r in runs])
    return {
        "runs": runs,
        "median_build_s": build_s,
        "median_wall_s": wall_s,
        "share_build": build_s / full_build_s,
        "share_wall": wall_s / full_wall_s,
        "command": "docbot index --json  (after copying one article into the folder)",
    }


def write_questions(path: Path, documents: Path, n: int) -> list[str]:
    qs = questions(documents, n)
    path.write_text("\n".join(qs) + "\n", encoding="utf-8")
    return qs


def latency_figure(collection: Collection, root: Path, qfile: Path) -> dict[str, Any]:
    run = run_child(
        [
            PYTHON, "-m", "benchmarks.latency", "--documents", str(collection.documents),
            "--index", str(root), "--questions", str(qfile),
        ]
    ).check()  # fmt: skip
    out = run.last_json()
    out["peak_rss_mb"] = run.peak_rss_mb
    return out


def peer_figure(
    collection: Collection, root: Path, chunks_file: Path, qfile: Path
) -> dict[str, Any]:
    run = run_child(
        [
            PYTHON, "-m", "benchmarks.peer_txtai", str(chunks_file), "--questions", str(qfile),
            "--threads", str(build_threads()), "--documents", str(collection.documents),
            "--index", str(root),
        ]
    ).check()  # fmt: skip
    out = run.last_json()
    out["peak_rss_mb"] = run.peak_rss_mb
    out["wall_s"] = run.seconds
    return out


def cold_start_figure(
    collection: Collection, root: Path, question: str, repeat: int = 5
) -> dict[str, Any]:
    """``docbot ask`` in fresh processes, and the staged probe, alternating; medians."""
    walls, probes = [], []
    for _ in range(repeat):
        run = docbot(["ask", question], collection.documents, root)
        walls.append(run.seconds)
        probe = run_child(
            [
                PYTHON, "-m", "benchmarks.cold_start", "--documents", str(collection.documents),
                "--index", str(root), question,
            ]
        ).check()  # fmt: skip
        stages = probe.last_json()["stages"]
        stages["interpreter_start_exit"] = probe.seconds - stages["in_process_total"]
        stages["wall"] = probe.seconds
        probes.append(stages)
    names = list(probes[0])
    return {
        "command": f'docbot ask "{question}"',
        "walls": walls,
        "median_wall_s": median(walls),
        "stages": {name: median([p[name] for p in probes]) for name in names},
        "top_imports": top_imports(),
    }


# Imported one after the other, so each line's cumulative time is what it adds to the ones before.
IMPORT_ORDER = (
    "import torch; import safetensors; import tokenizers; import faiss; import bm25s;"
    " import telegram; import bot.cli.main, bot.cli.chat, bot.answering.engine, index.bert"
)
_IMPORT_LINE = re.compile(r"import time:\s+(\d+) \|\s+(\d+) \|( *)(\S+)")


def top_imports(n: int = 8) -> list[tuple[str, float]]:
    """The slowest top-level imports of the ``docbot ask`` path (``python -X importtime``)."""
    run = run_child([PYTHON, "-X", "importtime", "-c", IMPORT_ORDER])
    found: dict[str, float] = {}
    for line in run.stderr.splitlines():
        m = _IMPORT_LINE.match(line)
        if m and len(m.group(3)) == 1:  # top level: one space of indent
            name = m.group(4).split(".")[0]
            found[name] = found.get(name, 0.0) + int(m.group(2)) / 1e6
    return sorted(found.items(), key=lambda kv: -kv[1])[:n]


def memory_figure(work: Path, chunks: int) -> dict[str, Any]:
    from benchmarks.memory import build_synthetic

    built = build_synthetic(work, chunks)
    qfile = work / "memory-questions.txt"
    write_questions(qfile, Path(built["documents"]), 21)
    run = run_child(
        [
            PYTHON, "-m", "benchmarks.memory", "serve", "--documents", str(built["documents"]),
            "--index", str(built["index"]), "--questions", str(qfile),
        ]
    ).check()  # fmt: skip
    out = run.last_json()
    # The child's own VmHWM: rusage would report the parent's peak (see memory.serve).
    return {
        "synthetic": built,
        "serve": out,
        "peak_rss_mb": out["peak_rss_mb"],
        "rusage_maxrss_mb": run.peak_rss_mb,
    }


def concurrency_figure(
    collection: Collection, root: Path, pool: int, chats: int, per_chat: int, serial: int = 30
) -> dict[str, Any]:
    qfile = root.parent / "concurrency-questions.txt"
    write_questions(qfile, collection.documents, pool + -(-serial // per_chat))
    run = run_child(
        [
            PYTHON, "-m", "benchmarks.concurrency", "--documents", str(collection.documents),
            "--index", str(root), "--questions", str(qfile), "--chats", str(chats),
            "--per-chat", str(per_chat), "--pool", str(pool), "--serial", str(serial),
        ]
    ).check()  # fmt: skip
    out = run.last_json()
    out["peak_rss_mb"] = run.peak_rss_mb
    out["how"] = (
        f"`bot.telegram.app.run_bot` (long polling, `concurrent_updates`) in one process with the"
        f" fake Bot API server; {out['serial_n']} questions one at a time first"
        f" ({_fmt(out['serial_qps'])} answers/s, p50 {_fmt(out['serial']['p50_ms'])} ms each;"
        f" {-(-serial // per_chat)} other questions, each asked {per_chat} times in a row), then"
        f" {out['questions']} questions pushed at once ({chats} private chats x {per_chat}:"
        f" {pool} distinct questions, each asked in {per_chat} chats, so both phases get the"
        " same share of repeated questions);"
        f" {out['answered']} answers in {_fmt(out['concurrent_s'])} s, latency"
        f" from the push p50 {_fmt(out['p50_s'])} s, p95 {_fmt(out['p95_s'])} s;"
        f" {out['failures']} error replies, {out['rate_limited']} rate-limit replies;"
        f" peak RSS {_fmt(out['peak_rss_mb'])} MB."
    )
    return out


def _fmt(x: float) -> str:
    return f"{x:.1f}"
