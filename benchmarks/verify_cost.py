"""What checking an index costs at ~100,000 chunks (issue 15): load and verify, full vs size.

    python -m benchmarks.verify_cost --chunks 100000 --runs 5 [--work DIR]

Builds the synthetic collection of ``benchmarks.memory`` once (the product's own build, random
unit vectors under the bundled model's id, so no model is loaded), then, ``--runs`` times each
and alternating: ``integrity.check`` in ``full`` and ``size`` mode, and ``Index.load`` with
``DOCBOT_VERIFY_INDEX=full`` and ``size``. The files were just written, so the page cache is
warm, as it is for a bot that reloads a build ``docbot index`` has just swapped in; from a cold
disk the full check reads every byte once more (~the files' size at the disk's read speed).
With ``--work DIR`` an index already built there is reused.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import tempfile
import time
from collections.abc import Callable
from pathlib import Path


def _seconds(action: Callable[..., object], *args: object) -> float:
    started = time.perf_counter()
    action(*args)
    return time.perf_counter() - started


def measure(work: Path, chunks: int, runs: int) -> dict[str, object]:
    from benchmarks.memory import RandomEmbedder, build_synthetic
    from index import disk, integrity
    from index.embedding import DEFAULT_MODEL
    from index.retriever import Index
    from index.settings import IndexSettings

    root = work / "synthetic-index"
    built = None if disk.exists(root) else build_synthetic(work, chunks)
    folder = disk.current(root)
    manifest = disk.read_manifest(folder)
    embedder = RandomEmbedder(DEFAULT_MODEL)
    timings: dict[str, list[float]] = {}
    for _ in range(runs):  # alternate, so that both modes see the same machine load
        for mode in integrity.MODES:
            check = _seconds(integrity.check, folder, manifest, mode)
            load = _seconds(Index.load, root, embedder, IndexSettings(verify=mode))
            timings.setdefault(f"check_{mode}_s", []).append(check)
            timings.setdefault(f"load_{mode}_s", []).append(load)
    files = manifest[disk.FILES_KEY]
    return {
        "chunks": manifest["counts"]["chunks"],
        "units": manifest["counts"]["units"],
        "files": len(files),
        "mb": round(sum(f["size"] for f in files.values()) / 1e6, 1),
        "largest": sorted(((f["size"] // 10**6, n) for n, f in files.items()), reverse=True)[:4],
        "build": built,
        "runs": runs,
        "load_average": [round(x, 2) for x in os.getloadavg()],
        **{k: [round(s, 4) for s in v] for k, v in timings.items()},
        **{f"median_{k}": round(statistics.median(v), 4) for k, v in timings.items()},
    }


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--chunks", type=int, default=100_000)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--work", default=None, help="keep (or reuse) the index here")
    args = parser.parse_args()
    if args.work:
        print(json.dumps(measure(Path(args.work), args.chunks, args.runs)))
        return 0
    with tempfile.TemporaryDirectory(prefix="docbot-bench-") as tmp:
        print(json.dumps(measure(Path(tmp), args.chunks, args.runs)))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
