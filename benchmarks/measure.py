"""Measuring tools for the performance benchmarks: the machine, percentiles, and child processes.

Every timed figure runs in a child process of its own (a fresh interpreter), so imports, model
loads and memory belong to the thing measured; :func:`run_child` returns its wall time, exit
code, output and peak RSS (from ``wait4``).
"""

from __future__ import annotations

import contextlib
import json
import os
import platform
import statistics
import subprocess
import sys
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
PYTHON = sys.executable
DOCBOT = str(Path(PYTHON).with_name("docbot"))


@dataclass(frozen=True)
class ChildRun:
    """One finished child process."""

    argv: tuple[str, ...]
    seconds: float  # wall time, fork to exit
    returncode: int
    stdout: str
    stderr: str
    peak_rss_mb: float  # maximum resident set size of the child

    def json_lines(self) -> list[dict[str, Any]]:
        """Every stdout line that is a JSON object."""
        out = []
        for line in self.stdout.splitlines():
            line = line.strip()
            if line.startswith("{"):
                try:
                    out.append(json.loads(line))
                except ValueError:
                    continue
        return out

    def last_json(self) -> dict[str, Any]:
        lines = self.json_lines()
        if not lines:
            raise RuntimeError(f"no JSON from {' '.join(self.argv)}:\n{self.stderr[-2000:]}")
        return lines[-1]

    def check(self) -> ChildRun:
        if self.returncode != 0:
            raise RuntimeError(
                f"{' '.join(self.argv)} exited {self.returncode}:\n{self.stderr[-3000:]}"
            )
        return self


def bench_env(extra: Mapping[str, str] | None = None) -> dict[str, str]:
    """The environment of every child: offline, quiet, plus ``extra``."""
    env = dict(os.environ)
    env.update(
        {
            "HF_HUB_OFFLINE": "1",
            "TRANSFORMERS_OFFLINE": "1",
            "HF_HUB_DISABLE_PROGRESS_BARS": "1",
            "TOKENIZERS_PARALLELISM": "false",
            "PYTHONPATH": str(ROOT),
        }
    )
    env.update(extra or {})
    return env


def run_child(
    argv: Sequence[str], env: Mapping[str, str] | None = None, timeout: float = 1800.0
) -> ChildRun:
    """Run ``argv`` to completion in ``ROOT``; wall time and peak RSS of that process."""
    started = time.perf_counter()
    proc = subprocess.Popen(
        list(argv),
        cwd=ROOT,
        env=dict(env) if env is not None else bench_env(),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        out, err = _communicate_no_wait(proc, timeout)
    except subprocess.TimeoutExpired:
        proc.kill()
        raise
    _, status, usage = os.wait4(proc.pid, 0)
    seconds = time.perf_counter() - started
    proc.returncode = os.waitstatus_to_exitcode(status)
    # ru_maxrss is in KiB on Linux.
    return ChildRun(tuple(argv), seconds, proc.returncode, out, err, usage.ru_maxrss / 1024)


def _communicate_no_wait(proc: subprocess.Popen[str], timeout: float) -> tuple[str, str]:
    """Read both pipes to EOF without reaping the child (``wait4`` does that, with rusage)."""
    import selectors

    assert proc.stdout is not None and proc.stderr is not None
    chunks: dict[int, list[str]] = {proc.stdout.fileno(): [], proc.stderr.fileno(): []}
    deadline = time.monotonic() + timeout
    with selectors.DefaultSelector() as sel:
        sel.register(proc.stdout, selectors.EVENT_READ)
        sel.register(proc.stderr, selectors.EVENT_READ)
        while sel.get_map():
            left = deadline - time.monotonic()
            if left <= 0:
                raise subprocess.TimeoutExpired(proc.args, timeout)
            for key, _ in sel.select(timeout=min(left, 5.0)):
                data = os.read(key.fd, 65536)
                if not data:
                    sel.unregister(key.fileobj)
                else:
                    chunks[key.fd].append(data.decode("utf-8", "replace"))
    return "".join(chunks[proc.stdout.fileno()]), "".join(chunks[proc.stderr.fileno()])


def percentile(values: Sequence[float], p: float) -> float:
    """Linear-interpolated percentile ``p`` (0-100) of ``values``."""
    if not values:
        return float("nan")
    data = sorted(values)
    pos = (len(data) - 1) * p / 100
    lo = int(pos)
    hi = min(lo + 1, len(data) - 1)
    return data[lo] + (data[hi] - data[lo]) * (pos - lo)


def median(values: Sequence[float]) -> float:
    return statistics.median(values) if values else float("nan")


def machine() -> dict[str, Any]:
    """Cores, memory, CPU model, load, versions: what a result depends on."""
    info: dict[str, Any] = {
        "date": datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC"),
        "cores": os.cpu_count(),
        "python": platform.python_version(),
    }
    try:
        meminfo = Path("/proc/meminfo").read_text()
        kib = int(next(x for x in meminfo.splitlines() if x.startswith("MemTotal")).split()[1])
        info["memory_gib"] = round(kib / 1024 / 1024, 1)
    except (OSError, StopIteration, ValueError):
        pass
    try:
        cpuinfo = Path("/proc/cpuinfo").read_text()
        info["cpu"] = next(
            x.split(":", 1)[1].strip() for x in cpuinfo.splitlines() if x.startswith("model name")
        )
    except (OSError, StopIteration):
        pass
    info["load_average"] = [round(x, 2) for x in os.getloadavg()]
    with contextlib.suppress(OSError):
        info["commit"] = subprocess.run(
            ["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, capture_output=True, text=True
        ).stdout.strip()
    with contextlib.suppress(OSError):
        dirty = subprocess.run(
            ["git", "status", "--short", "--untracked-files=no"],
            cwd=ROOT,
            capture_output=True,
            text=True,
        ).stdout.split("\n")
        info["uncommitted"] = sorted(line[3:] for line in dirty if line.strip())
    return info


def ms(seconds: float) -> str:
    return f"{seconds * 1000:.1f} ms"
