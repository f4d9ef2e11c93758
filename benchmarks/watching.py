"""A file saved into the watched documents folder: seconds from its last write until the bot
answers from it, with no command run, while the bot keeps answering (issue 25)::

    HF_HUB_OFFLINE=1 TRANSFORMERS_OFFLINE=1 .venv/bin/python -m benchmarks.watching \
        --bbc 300 --trials 7 --burst 500

The documents folder is the shipped article plus ``--bbc`` BBC articles of ``../shared``
(written to a temporary folder, indexed once with the real model). The watcher is the
product's (``bot.cli.commands.watching``, as ``docbot serve`` starts it, ``DOCBOT_WATCH_SETTLE_S``
as set). Each trial writes one new one-page ``.txt`` file with a made-up fact, then asks its
question every 0.1 s until the answer cites the new file; meanwhile another thread asks a
question of the shipped article without pause (the bot answering throughout: its answers'
latencies during the trials, and any failure, are reported). Printed: the median and worst
seconds from the last write to answerable, the build's share of it, and the other thread's
answer latencies. ``--burst N`` then copies N one-sentence notes in at once: the builds it
took and the seconds until all N are in the index.
"""

from __future__ import annotations

import argparse
import json
import shutil
import statistics
import tempfile
import threading
import time
from pathlib import Path

from bot.answering.engine import Engine
from bot.cli.commands import watching
from bot.settings import Settings

ROOT = Path(__file__).resolve().parent.parent
BBC = ROOT.parent / "shared" / "corpora" / "bbc-news"
BACKGROUND_QUESTION = "What did the commission discuss about counter-terrorism?"
PAGE = (
    "The Harvest Festival of {town}\n\n"
    "The Harvest Festival of {town} is held every autumn in the mountains. "
    "The festival was founded in {year} by the beekeeper {founder}. "
    "Each year it draws about twelve thousand visitors who come to taste honey, "
    "listen to the brass band and watch the parade of decorated carts. "
    "The town council pays for the stage, and local farmers sell their produce in the square.\n"
)
FOUNDERS = ["Marta Velikova", "Ilse Brandauer", "Tomas Ferreiro", "Nadia Kolarova", "Jon Haldor"]


def collection(folder: Path, bbc: int) -> Path:
    """The shipped documents plus every n-th of ``bbc`` BBC articles, under ``folder``."""
    shutil.copytree(ROOT / "documents", folder)
    files = sorted(BBC.rglob("*.txt"))
    step = max(1, len(files) // max(bbc, 1))
    for src in files[::step][:bbc]:
        dst = folder / "bbc" / src.relative_to(BBC)
        dst.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(src, dst)
    return folder


class Background(threading.Thread):
    """Asks one question over and over, recording each answer's seconds and any failure."""

    def __init__(self, engine: Engine) -> None:
        super().__init__(daemon=True)
        self.engine = engine
        self.seconds: list[tuple[float, float]] = []  # (when it finished, how long it took)
        self.failures: list[str] = []
        self.stop = threading.Event()

    def run(self) -> None:
        while not self.stop.is_set():
            started = time.monotonic()
            try:
                self.engine.ask(BACKGROUND_QUESTION)
            except Exception as exc:
                self.failures.append(f"{type(exc).__name__}: {exc}")
            self.seconds.append((time.monotonic(), time.monotonic() - started))
            time.sleep(0.05)


def trial(engine: Engine, docs: Path, n: int, timeout: float) -> tuple[float, float, float]:
    """Seconds from the last write to an answer citing the new file, when that write ended,
    and when it was answerable (monotonic)."""
    town, founder = f"Quentaria{n}", FOUNDERS[n % len(FOUNDERS)]
    name = f"festival-{n}.txt"
    text = PAGE.format(town=town, year=1980 + n, founder=founder)
    with (docs / name).open("w", encoding="utf-8") as out:
        out.write(text)
    written = time.monotonic()
    question = f"Who founded the Harvest Festival of {town}?"
    while time.monotonic() - written < timeout:
        answer = engine.ask(question)
        if answer.found and any(c.source == name for c in answer.citations):
            done = time.monotonic()
            return done - written, written, done
        time.sleep(0.1)
    raise SystemExit(f"{name} was not answerable within {timeout:.0f} s")


def burst(engine: Engine, docs: Path, outside: Path, count: int, timeout: float) -> float:
    """``count`` one-sentence notes copied into the folder at once (one ``copytree``): seconds
    from the start of the copy until every one is in the index."""
    for i in range(count):
        (outside / f"note{i:04}.txt").write_text(f"Note {i} says the code word is w{i}x.")
    started = time.monotonic()
    shutil.copytree(outside, docs / "burst")
    while sum(name.startswith("burst/") for name in engine.index().sources()) < count:
        if time.monotonic() - started > timeout:
            raise SystemExit(f"not all {count} notes were indexed within {timeout:.0f} s")
        time.sleep(0.1)
    return time.monotonic() - started


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--bbc", type=int, default=300, help="BBC articles beside the seed")
    parser.add_argument("--trials", type=int, default=7)
    parser.add_argument("--settle", type=float, default=1.0, help="DOCBOT_WATCH_SETTLE_S")
    parser.add_argument("--timeout", type=float, default=120.0)
    parser.add_argument("--burst", type=int, default=0, help="then copy this many notes at once")
    parser.add_argument("--json", action="store_true", help="one JSON line of figures")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="docbot-watching-") as tmp:
        docs = collection(Path(tmp) / "documents", args.bbc)
        settings = Settings(
            _env_file=None,
            documents_dir=docs,
            index_dir=Path(tmp) / "index",
            watch_settle_s=args.settle,
        )
        engine = Engine(settings)
        started = time.monotonic()
        first = engine.reindex()
        engine.index()
        engine.ask(BACKGROUND_QUESTION)  # the readers loaded before timing
        files = sum(1 for p in docs.rglob("*") if p.is_file())
        print(f"{first.chunks} passages of {files} files indexed in "
              f"{time.monotonic() - started:.0f} s")  # fmt: skip
        background = Background(engine)
        background.start()
        latencies, windows, builds = [], [], []
        with watching(settings, engine, say=lambda line: builds.append(line)) as watcher:
            assert watcher is not None and watcher.wait_ready()
            for n in range(args.trials):
                seconds, written, done = trial(engine, docs, n, args.timeout)
                latencies.append(seconds)
                windows.append((written, done))
                print(f"trial {n + 1}: answerable {seconds:.2f} s after the last write")
                time.sleep(args.settle + 0.5)  # quiet before the next trial
            trial_builds = len(builds)
            burst_s = None
            if args.burst:
                outside = Path(tmp) / "outside"
                outside.mkdir()
                burst_s = burst(engine, docs, outside, args.burst, args.timeout * 10)
                time.sleep(args.settle * 3)  # a second build would have started by now
        background.stop.set()
        background.join()
    during = [s for end, s in background.seconds if any(a <= end <= b for a, b in windows)]
    idle = [s for end, s in background.seconds if not any(a <= end <= b for a, b in windows)]
    figures = {
        "files": files,
        "passages": first.chunks,
        "settle_s": args.settle,
        "trials": args.trials,
        "median_s": round(statistics.median(latencies), 2),
        "worst_s": round(max(latencies), 2),
        "builds": trial_builds,
        "burst_files": args.burst,
        "burst_builds": len(builds) - trial_builds,
        "burst_all_indexed_s": round(burst_s, 1) if burst_s is not None else None,
        "background_answers": len(background.seconds),
        "background_failures": len(background.failures),
        "background_median_ms_during": round(1000 * statistics.median(during), 1)
        if during
        else None,
        "background_worst_ms_during": round(1000 * max(during), 1) if during else None,
        "background_median_ms_idle": round(1000 * statistics.median(idle), 1) if idle else None,
    }
    if args.json:
        print(json.dumps(figures))
    else:
        for key, value in figures.items():
            print(f"{key}: {value}")
        for line in builds:
            print(f"  {line}")


if __name__ == "__main__":
    main()
