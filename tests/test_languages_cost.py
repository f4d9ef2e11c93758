"""benchmarks/languages_cost.py (issue 24): the medians of the off/on builds and the same-run
ratios it reports (no model)."""

from __future__ import annotations

import math
from pathlib import Path

from benchmarks.languages_cost import disk_mb, figures, ratio, summary


def build(rate: float, process_s: float) -> dict[str, float]:
    return {"chunks": 100, "chunks_per_s": rate, "chunks_per_s_loaded": rate + 1,
            "process_s": process_s}  # fmt: skip


def test_figures_take_medians_of_the_rounds_and_divide_on_by_off() -> None:
    out = {
        "builds": {
            "off": [build(40, 5), build(30, 4), build(50, 10)],
            "on": [build(12, 10), build(10, 20), build(14, 25)],
        },
        "latency": {
            "latency": {
                "en_off": summary([0.02, 0.02, 0.04]),
                "en_on": summary([0.021, 0.021, 0.03]),
            }
        },
        "memory": {"off": {"loaded_mb": 400.0}, "on": {"loaded_mb": 420.0}},
        "disk_mb": {"off": 10.0, "on": 18.0},
    }
    f = figures(out)
    assert f["build_chunks_per_s"] == {"off": 40, "on": 12}
    assert f["build_ratio"] == 0.3
    assert f["loaded_ratio"] == round(13 / 41, 3)
    assert f["process_ratio"] == round((100 / 20) / (100 / 5), 3)
    assert f["ask_p50_ratio"] == 1.05
    assert f["rss_loaded_ratio"] == 1.05
    assert f["disk_ratio"] == 1.8


def test_summary_in_milliseconds_and_ratio_of_nothing() -> None:
    assert summary([0.010, 0.020, 0.030]) == {"n": 3, "p50_ms": 20.0, "p95_ms": 29.0}
    assert math.isnan(ratio(1.0, 0.0))


def test_disk_counts_every_file_below(tmp_path: Path) -> None:
    (tmp_path / "multilingual").mkdir()
    (tmp_path / "a.npy").write_bytes(b"x" * 2**19)
    (tmp_path / "multilingual" / "b.npy").write_bytes(b"x" * 2**19)
    assert disk_mb(tmp_path) == 1.0
