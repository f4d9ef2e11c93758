"""What the multilingual space costs (issue 24's Goals): ``DOCBOT_MULTILINGUAL`` false vs true
in one run, same-run ratios.

1. Build throughput: full builds from scratch (``Engine.reindex(full=True)``, one build thread)
   of an English collection, the seed plus ``--articles`` BBC articles
   (``benchmarks.corpus.bbc_folder``), off and on alternated ``--rounds`` times, each build in
   a fresh child process; chunks per second of the build (MiniLM loaded before the clock starts,
   the e5 load inside it as in ``docbot index``; also without it, both models loaded) and of the
   whole process (imports and loads); medians.
2. Full answer latency (``Engine.ask``, warm, one thread): English questions (``bbc_dev``,
   ``seed_dev``, ``offtopic_dev``, then questions from BBC headlines: ``corpus.questions``) over
   the English collection, off and on in one child process, question by question alternated;
   with it on, the seed's 16 Russian questions (``tests/evals/seed_ru.jsonl``) over the same
   collection and ``--xquad-questions`` XQuAD Russian questions over the 24 Russian articles.
3. Memory: RSS of a fresh child after loading the index, after answering the English questions
   and (on) after Russian questions too (the e5 model loads on the first question it reads),
   off vs on; peak RSS; the index's size on disk off vs on (and its ``multilingual/`` folder).

Not part of ``run_all``. Usage (from the project root)::

    OMP_NUM_THREADS=1 HF_HUB_OFFLINE=1 TRANSFORMERS_OFFLINE=1 \\
        .venv/bin/python -m benchmarks.languages_cost --out /tmp/languages_cost.json
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import sys
import tempfile
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from benchmarks.corpus import EVALS, bbc_folder, questions
from benchmarks.measure import PYTHON, bench_env, machine, median, percentile, run_child

OWN = Path(__file__).resolve().parent.parent / "tests" / "evals"
MODES = (False, True)  # DOCBOT_MULTILINGUAL off, on
WARM = 5  # untimed questions per engine before timing


def rss_mb() -> float:
    """This process's resident set size now (VmRSS), MiB."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def disk_mb(folder: Path) -> float:
    """Bytes of every file under ``folder``, MiB."""
    return sum(p.stat().st_size for p in folder.rglob("*") if p.is_file()) / 2**20


def summary(seconds: Sequence[float]) -> dict[str, float]:
    """Count, p50 and p95 (ms) of timings in seconds."""
    return {
        "n": len(seconds),
        "p50_ms": round(percentile(seconds, 50) * 1000, 2),
        "p95_ms": round(percentile(seconds, 95) * 1000, 2),
    }


def ratio(on: float, off: float) -> float:
    return round(on / off, 3) if off else float("nan")


def _settings(documents: Path, index: Path, on: bool) -> Any:
    from bot.settings import Settings

    return Settings(
        _env_file=None,
        documents_dir=documents,
        index_dir=index,
        multilingual=on,
        index_threads=1,
        torch_threads=1,
    )


# ---- children (each in a fresh interpreter) ----


def child_build(spec: dict[str, Any]) -> dict[str, Any]:
    from bot.answering.engine import Engine

    engine = Engine(_settings(Path(spec["documents"]), Path(spec["index"]), spec["on"]))
    from index import multilingual

    _ = engine.embedder  # MiniLM loaded before the clock, as for every build
    started = time.perf_counter()
    if spec["on"]:
        multilingual.model(1)  # what the build would load first
    e5_load = time.perf_counter() - started
    report = engine.reindex(full=True)
    seconds = time.perf_counter() - started
    return {
        "chunks": report.chunks,
        "units": report.units_embedded,
        "multilingual_embedded": report.multilingual_embedded,
        "e5_load_s": round(e5_load, 2),
        "seconds": round(seconds, 2),  # with the e5 load
        "chunks_per_s": round(report.chunks / seconds, 3),
        "chunks_per_s_loaded": round(report.chunks / (seconds - e5_load), 3),
    }


def _timed(engine: Any, question: str) -> float:
    started = time.perf_counter()
    engine.ask(question)
    return time.perf_counter() - started


def child_latency(spec: dict[str, Any]) -> dict[str, Any]:
    from benchmarks.xquad import Subset, engine_over
    from bot.answering.engine import Engine
    from bot.answering.evaluate import read_cases

    documents = Path(spec["documents"])
    off = Engine(_settings(documents, Path(spec["index_off"]), False))
    on = Engine(_settings(documents, Path(spec["index_on"]), True), embedder=off.embedder)
    english = list(spec["english"])
    seed_ru = [c.question for c in read_cases(OWN / "seed_ru.jsonl")]
    subset = Subset(sample=spec["xquad_questions"], seed=24)
    xquad_ru = [c.question for c in subset.cases(EVALS / "xquad_ru.jsonl")]
    ru = engine_over("xquad_ru", Path(spec["ru_root"]), Subset(), off.embedder, multilingual=True)
    for q in english[-WARM:]:
        off.ask(q + " (warm-up)")
        on.ask(q + " (warm-up)")
    for q in seed_ru[-WARM:] + xquad_ru[-WARM:]:
        on.ask(q + " ?")
        ru.ask(q + " ?")
    times: dict[str, list[float]] = {"en_off": [], "en_on": []}
    for i, q in enumerate(english):  # alternated, each mode first on every other question
        order = (("en_off", off), ("en_on", on)) if i % 2 == 0 else (("en_on", on), ("en_off", off))
        for name, engine in order:
            times[name].append(_timed(engine, q))
    times["ru_over_en_on"] = [_timed(on, q) for q in seed_ru]
    times["ru_over_ru_on"] = [_timed(ru, q) for q in xquad_ru]
    spaces = [on.index().for_question(q).space or "minilm" for q in english]
    return {
        "latency": {name: summary(values) for name, values in times.items()},
        "english_spaces_on": {s: spaces.count(s) for s in sorted(set(spaces))},
        "ru_chunks": len(ru.index()),
    }


def child_memory(spec: dict[str, Any]) -> dict[str, Any]:
    from bot.answering.engine import Engine
    from bot.answering.evaluate import read_cases

    out = {"start_mb": round(rss_mb(), 1)}
    engine = Engine(_settings(Path(spec["documents"]), Path(spec["index"]), spec["on"]))
    engine.index()
    engine.ask("warm-up question")
    out["loaded_mb"] = round(rss_mb(), 1)
    for q in spec["english"]:
        engine.ask(q)
    out["after_english_mb"] = round(rss_mb(), 1)
    if spec["on"]:
        for case in read_cases(OWN / "seed_ru.jsonl"):
            engine.ask(case.question)
        out["after_russian_mb"] = round(rss_mb(), 1)
    return out


CHILDREN = {"build": child_build, "latency": child_latency, "memory": child_memory}


def child(kind: str, spec: dict[str, Any]) -> dict[str, Any]:
    """Run child ``kind`` in a fresh interpreter (one thread); its JSON and peak RSS."""
    env = bench_env({"OMP_NUM_THREADS": "1", "MKL_NUM_THREADS": "1", "DOCBOT_THREADS": "1"})
    for name in [k for k in env if k.startswith("DOCBOT_")]:
        if name != "DOCBOT_THREADS":
            env.pop(name)
    argv = [PYTHON, "-m", "benchmarks.languages_cost", "--child", kind, json.dumps(spec)]
    run = run_child(argv, env, timeout=3600).check()
    return run.last_json() | {"process_s": round(run.seconds, 2), "peak_mb": round(run.peak_rss_mb)}


# ---- the run ----


def measure(args: argparse.Namespace, say: Any) -> dict[str, Any]:
    start = machine()
    out: dict[str, Any] = {"machine_start": start, "args": vars(args) | {"out": str(args.out)}}
    with tempfile.TemporaryDirectory(prefix="docbot-langcost-") as tmp:
        root = Path(tmp)
        documents = bbc_folder(root / "en", limit=args.articles).documents
        english = questions(documents, args.english_questions)
        builds: dict[str, list[dict[str, Any]]] = {"off": [], "on": []}
        indexes = {"off": root / "index-off", "on": root / "index-on"}
        for r in range(args.rounds):
            for on in MODES if r % 2 == 0 else MODES[::-1]:
                mode = "on" if on else "off"
                shutil.rmtree(indexes[mode], ignore_errors=True)
                spec = {"documents": str(documents), "index": str(indexes[mode]), "on": on}
                builds[mode].append(child("build", spec) | {"load": os.getloadavg()[0]})
                say(f"build {r + 1} {mode}: {builds[mode][-1]}")
        out["builds"] = builds
        out["disk_mb"] = {m: round(disk_mb(p), 2) for m, p in indexes.items()}
        spaces = list(indexes["on"].rglob("multilingual"))
        out["disk_mb"]["multilingual_folder"] = round(sum(disk_mb(p) for p in spaces), 2)
        out["memory"] = {}
        for on in MODES:
            mode = "on" if on else "off"
            spec = {"documents": str(documents), "index": str(indexes[mode]), "on": on,
                    "english": english}  # fmt: skip
            out["memory"][mode] = child("memory", spec)
            say(f"memory {mode}: {out['memory'][mode]}")
        spec = {"documents": str(documents), "index_off": str(indexes["off"]),
                "index_on": str(indexes["on"]), "english": english,
                "xquad_questions": args.xquad_questions, "ru_root": str(root / "ru")}  # fmt: skip
        out["latency"] = child("latency", spec)
        say(f"latency: {out['latency']}")
    out["machine_end"] = machine()
    out["figures"] = figures(out)
    return out


def figures(out: dict[str, Any]) -> dict[str, Any]:
    """Medians of the builds and the same-run ratios (on / off)."""
    b = out["builds"]
    rate = {m: median([x["chunks_per_s"] for x in b[m]]) for m in b}
    loaded = {m: median([x["chunks_per_s_loaded"] for x in b[m]]) for m in b}
    whole = {m: median([x["chunks"] / x["process_s"] for x in b[m]]) for m in b}
    lat = out["latency"]["latency"]
    mem = out["memory"]
    return {
        "build_chunks_per_s": rate,
        "build_ratio": ratio(rate["on"], rate["off"]),
        "loaded_chunks_per_s": loaded,
        "loaded_ratio": ratio(loaded["on"], loaded["off"]),
        "process_chunks_per_s": whole,
        "process_ratio": ratio(whole["on"], whole["off"]),
        "ask_p50_ratio": ratio(lat["en_on"]["p50_ms"], lat["en_off"]["p50_ms"]),
        "ask_p95_ratio": ratio(lat["en_on"]["p95_ms"], lat["en_off"]["p95_ms"]),
        "rss_loaded_ratio": ratio(mem["on"]["loaded_mb"], mem["off"]["loaded_mb"]),
        "disk_ratio": ratio(out["disk_mb"]["on"], out["disk_mb"]["off"]),
    }


def main(argv: Sequence[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="python -m benchmarks.languages_cost", description=__doc__)
    p.add_argument("--articles", type=int, default=300, help="BBC articles beside the seed")
    p.add_argument("--rounds", type=int, default=3, help="off/on build pairs (default 3)")
    p.add_argument("--english-questions", type=int, default=60, metavar="N")
    p.add_argument("--xquad-questions", type=int, default=100, metavar="N")
    p.add_argument("--out", type=Path, default=None, help="everything as JSON")
    p.add_argument("--child", nargs=2, metavar=("KIND", "SPEC"), help=argparse.SUPPRESS)
    args = p.parse_args(argv)
    if args.child:
        print(json.dumps(CHILDREN[args.child[0]](json.loads(args.child[1]))))
        return 0
    out = measure(args, say=lambda line: print(line, file=sys.stderr, flush=True))
    print(json.dumps(out["figures"], indent=1))
    if args.out:
        args.out.write_text(json.dumps(out, ensure_ascii=False, indent=1), encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
