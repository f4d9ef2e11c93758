"""Questions per second through the webhook path: 1 and 2 `docbot serve` workers over PostgreSQL.

    .venv/bin/python -m benchmarks.workers --url postgresql://USER@HOST:PORT/DB

Issue 14, scope item 7, first bullet. The shipped ``documents/`` are indexed into a fresh
database of that server by a real ``docbot index`` process; then, for each N in ``--workers``,
N real ``docbot serve`` webhook workers (``DOCBOT_STORE`` set, one secret, a port each, one
torch thread each, the default claim lease) answer against the fake Bot API of the tests. The
workers, the updates, the readiness check and the index build are those of
``tests/test_workers.py``; the fake Bot API is ``tests/support/fakebotapi.py``.

Each round: one warm-up question per worker (answered before the clock starts), then
``--questions`` updates over ``--chats`` private chats (the seed dev questions of
``../shared/evals/seed_dev.jsonl`` and ``tests/evals/seed_more.jsonl``, in turn), posted as
Telegram would by ``--clients`` threads: one thread owns a chat and posts its updates in order,
each after the previous one was acknowledged, and a chat's successive updates go to the workers
in turn (round robin). The acknowledgement comes once the update is claimed, before it is
answered, so the questions queue up in the workers: this is throughput under a backlog.

Measured: wall time from the first post to the last answer the fake Bot API accepted (an answer
is the message that carries the answer's buttons; per chat, answers come in question order, so
answer ``i`` belongs to question ``i``), questions per second, p50/p95 from a question's post to
its answer; lost = questions without an answer, doubled = answers beyond the questions, both per
chat and again from the ``bot_claims`` rows; CPU seconds per question of the workers, of
PostgreSQL (the live backends connected to the benchmark's database: a backend that ends during
the round is not counted) and of this process (fake Bot API and client threads), and the busy
cores of the whole machine (other work included). Prints a Markdown table and one JSON line
per round.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import shutil
import sys
import tempfile
import threading
import time
from collections import Counter
from collections.abc import Iterator, Sequence
from pathlib import Path
from types import ModuleType
from typing import Any
from urllib.parse import urlsplit

from benchmarks.concurrency import answers
from benchmarks.measure import ROOT, machine, percentile

TICKS = os.sysconf("SC_CLK_TCK")


def tests_modules() -> tuple[ModuleType, ModuleType, ModuleType, ModuleType]:
    """``test_workers`` and the support modules it uses, imported as the tests import them
    (``tests/`` first on sys.path, so that ``support.*`` is one set of modules)."""
    import importlib

    sys.path.insert(0, str(ROOT / "tests"))
    return (
        importlib.import_module("test_workers"),
        importlib.import_module("support.fakebotapi"),
        importlib.import_module("support.postgres"),
        importlib.import_module("support.paths"),
    )


def seed_questions() -> list[str]:
    _, _, _, paths = tests_modules()
    rows = paths.read_jsonl(paths.SHARED / "evals" / "seed_dev.jsonl")
    rows += paths.read_jsonl(paths.EVALS / "seed_more.jsonl")
    return [str(r["question"]) for r in rows]


# --- CPU time ---------------------------------------------------------------------------------
def proc_cpu(pid: int, children: bool = False) -> float:
    """CPU seconds of a process (and of its reaped children), 0 once it is gone."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    ticks = int(fields[11]) + int(fields[12])  # utime, stime
    if children:
        ticks += int(fields[13]) + int(fields[14])  # cutime, cstime
    return ticks / TICKS


def postmaster_pid(url: str, query: Any) -> int | None:
    """The server's postmaster (first line of postmaster.pid in its data folder), if readable."""
    with contextlib.suppress(Exception):
        folder = query(url, "SHOW data_directory")[0][0]
        return int((Path(folder) / "postmaster.pid").read_text().split()[0])
    return None


def backends_cpu(postmaster: int | None, database: str) -> dict[int, float]:
    """CPU seconds of each live backend of the server connected to ``database`` (by process
    title: the server may be shared with other work, whose backends are left out)."""
    found: dict[int, float] = {}
    if postmaster is None:
        return found
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        with contextlib.suppress(OSError, IndexError, ValueError):
            parent = int((entry / "stat").read_text().rsplit(")", 1)[1].split()[1])
            title = (entry / "cmdline").read_bytes().replace(b"\0", b" ").decode()
            if parent == postmaster and f" {database} " in title:
                found[int(entry.name)] = proc_cpu(int(entry.name))
    return found


def machine_busy() -> float:
    """CPU seconds all cores spent outside idle and iowait since boot."""
    values = [int(x) for x in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]]
    return (sum(values) - values[3] - values[4]) / TICKS


# --- one round --------------------------------------------------------------------------------
class Round:
    """N workers, started and ready; stopped on exit."""

    def __init__(self, tw: ModuleType, api: Any, store: str, root: Path, n: int) -> None:
        self.tw, self.api = tw, api
        self.workers: list[Any] = []
        self.root = root / f"workers-{n}"
        self.root.mkdir()
        (self.root / "documents").symlink_to(root / "documents")
        for i in range(n):
            self.workers.append(tw.Worker(api, self.root, f"w{n}{i}", store))

    def __enter__(self) -> Round:
        for worker in self.workers:  # as running_pair: ready when a wrong secret gets 403
            self.api.wait_for(
                lambda w=worker: not w.alive() or w.post({"update_id": 0}, "wrong") == 403, 180
            )
            if not worker.alive():
                raise RuntimeError(worker.serve.output()[-3000:])
        return self

    def __exit__(self, *exc: object) -> None:
        for worker in self.workers:
            worker.serve.stop()

    def cpu(self) -> float:
        return sum(proc_cpu(w.serve.process.pid, children=True) for w in self.workers)

    def logs(self) -> str:
        return "".join(w.serve.output() for w in self.workers)


def post_all(
    telegram: Any, workers: Sequence[Any], plan: list[tuple[int, str]], clients: int
) -> tuple[dict[int, tuple[int, float]], int]:
    """Post every ``(chat, question)`` of ``plan`` as an update; a chat's updates in order from
    one thread, to the workers in turn. The chat and post time of each update id, and the retries (a
    status other than 200 is posted again after 0.5 s, as Telegram would, later)."""
    updates: dict[int, list[dict[str, Any]]] = {}
    for chat, text in plan:  # update ids in plan order, as Telegram numbers them
        updates.setdefault(chat, []).append(telegram.update(chat, text))
    chats = sorted(updates)
    posted: dict[int, tuple[int, float]] = {}
    retries = Counter[str]()
    lock = threading.Lock()

    def client(mine: list[int]) -> None:
        for j in range(max(len(updates[c]) for c in mine)):
            for chat in mine:
                if j >= len(updates[chat]):
                    continue
                update = updates[chat][j]
                worker = workers[(chats.index(chat) + j) % len(workers)]
                at = time.monotonic()
                for _ in range(20):
                    status = worker.post(update)
                    if status == 200:
                        break
                    with lock:
                        retries[str(status)] += 1
                    time.sleep(0.5)
                with lock:
                    posted[int(update["update_id"])] = (chat, at)

    threads = [
        threading.Thread(target=client, args=(chats[t::clients],))
        for t in range(min(clients, len(chats)))
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return posted, sum(retries.values())


def run_round(
    tw: ModuleType,
    pg: ModuleType,
    api: Any,
    store: str,
    root: Path,
    n: int,
    args: argparse.Namespace,
    questions: list[str],
    postmaster: int | None,
) -> dict[str, Any]:
    database = urlsplit(store).path.lstrip("/")
    telegram = tw.Telegram(api)
    telegram.ids = iter(range(n * 1_000_000, (n + 1) * 1_000_000))  # one bot: ids never reused
    first_chat = 10_000 * (n + 1)
    with Round(tw, api, store, root, n) as round_:
        for i, worker in enumerate(round_.workers):  # warm-up, untimed
            telegram.ask(worker, first_chat - 1 - i, questions[0])
        api.wait_for(
            lambda: all(tw.answered(api, first_chat - 1 - i) for i in range(n)), timeout=120
        )
        api.wait_idle(quiet=1.0, timeout=60)

        per_chat = -(-args.questions // args.chats)
        plan = [
            (first_chat + c, questions[(c * per_chat + j) % len(questions)])
            for j in range(per_chat)
            for c in range(args.chats)
        ][: args.questions]
        base, base_answers = len(api.sent()), len(answers(api))
        pg0 = backends_cpu(postmaster, database)
        cpu0 = (round_.cpu(), 0.0, time.process_time(), machine_busy())
        posted, retries = post_all(telegram, round_.workers, plan, args.clients)
        with contextlib.suppress(TimeoutError):
            api.wait_for(
                lambda: len(answers(api)) - base_answers >= len(plan), timeout=args.timeout
            )
        stopped = time.monotonic()
        pg1 = backends_cpu(postmaster, database)
        pg_s = sum(c - pg0.get(pid, 0.0) for pid, c in pg1.items())
        cpu1 = (round_.cpu(), pg_s, time.process_time(), machine_busy())
        api.wait_idle(quiet=3.0, timeout=60)  # anything more would be a doubled answer
        sent = api.sent()[base:]
        taken_over = round_.logs().count("expired; taken over")

    asked: dict[int, list[int]] = {}  # chat -> its update ids, in order
    for update_id, (chat, _) in sorted(posted.items()):
        asked.setdefault(chat, []).append(update_id)
    keyed = [c for c in sent if c.params.get("reply_markup") and int(c.params["chat_id"]) in asked]
    replies: dict[int, list[float]] = {}
    for call in keyed:
        replies.setdefault(int(call.params["chat_id"]), []).append(call.at)
    latencies = [
        at - posted[update_id][1]
        for chat, ids in asked.items()
        for update_id, at in zip(ids, sorted(replies.get(chat, [])), strict=False)
    ]
    lost = sum(max(0, len(ids) - len(replies.get(chat, []))) for chat, ids in asked.items())
    doubled = sum(max(0, len(replies.get(chat, [])) - len(ids)) for chat, ids in asked.items())
    start = min(at for _, at in posted.values())
    wall = (max(c.at for c in keyed) if keyed else stopped) - start
    bot = api.token.partition(":")[0]
    claims = pg.query(
        store,
        "SELECT count(*), count(DISTINCT update_key), count(done_at), count(DISTINCT worker)"
        " FROM bot_claims WHERE bot_id = %s AND update_id BETWEEN %s AND %s",
        bot,
        min(posted),
        max(posted),
    )[0]
    q = len(plan)
    return {
        "workers": n,
        "questions": q,
        "chats": len(asked),
        "answered": len(keyed),
        "lost": lost,
        "doubled": doubled,
        "post_retries": retries,
        "claims_rows": claims[0],
        "claims_distinct": claims[1],
        "claims_done": claims[2],
        "claims_workers": claims[3],
        "taken_over": taken_over,
        "failures": sum(1 for c in sent if "went wrong" in str(c.params.get("text", ""))),
        "rate_limited": sum(
            1 for c in sent if "faster than I can" in str(c.params.get("text", ""))
        ),
        "post_s": max(at for _, at in posted.values()) - start,
        "wall_s": wall,
        "qps": len(keyed) / wall if wall > 0 else 0.0,
        "p50_s": percentile(latencies, 50),
        "p95_s": percentile(latencies, 95),
        "cpu_workers_per_q_ms": 1000 * (cpu1[0] - cpu0[0]) / q,
        "cpu_postgres_per_q_ms": 1000 * (cpu1[1] - cpu0[1]) / q,
        "cpu_harness_per_q_ms": 1000 * (cpu1[2] - cpu0[2]) / q,
        "machine_busy_cores": (cpu1[3] - cpu0[3]) / (stopped - start),
    }


# --- main -------------------------------------------------------------------------------------
@contextlib.contextmanager
def indexed_store(tw: ModuleType, pg: ModuleType, url: str, root: Path) -> Iterator[str]:
    """A fresh database holding the shipped documents, built by a `docbot index` process."""
    shutil.copytree(tw.DOCUMENTS, root / "documents")
    with pg.fresh_database(url) as store:
        started = time.perf_counter()
        tw.docbot_index(root, store)
        print(f"# docbot index: {time.perf_counter() - started:.1f} s", file=sys.stderr)
        yield store


def table(rounds: list[dict[str, Any]]) -> str:
    lines = [
        "| workers | questions | answered | lost | doubled | wall s | questions/s | p50 s | p95 s"
        " | CPU ms/q: workers / PostgreSQL / fake API+clients | machine busy cores |",
        "|---|---|---|---|---|---|---|---|---|---|---|",
    ]
    for r in rounds:
        lines.append(
            f"| {r['workers']} | {r['questions']} | {r['answered']} | {r['lost']} | {r['doubled']}"
            f" | {r['wall_s']:.1f} | {r['qps']:.2f} | {r['p50_s']:.2f} | {r['p95_s']:.2f}"
            f" | {r['cpu_workers_per_q_ms']:.0f} / {r['cpu_postgres_per_q_ms']:.0f}"
            f" / {r['cpu_harness_per_q_ms']:.0f} | {r['machine_busy_cores']:.2f} |"
        )
    return "\n".join(lines)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0] if __doc__ else None)
    parser.add_argument("--url", required=True, help="a PostgreSQL server (scripts/postgres start)")
    parser.add_argument("--workers", type=int, nargs="+", default=[1, 2])
    parser.add_argument("--questions", type=int, default=200)
    parser.add_argument("--chats", type=int, default=40)
    parser.add_argument("--clients", type=int, default=4, help="posting threads")
    parser.add_argument("--timeout", type=float, default=120.0, help="per round, for the answers")
    args = parser.parse_args()

    tw, fakebotapi, pg, _ = tests_modules()
    # The tests' lease is 3 s (so that a killed worker is taken over quickly); a benchmark
    # with a backlog runs with the lease an operator gets, or queued claims would be taken over.
    from bot.settings import Settings

    vars(tw)["LEASE_S"] = Settings.model_fields["claim_lease_s"].default
    questions = seed_questions()
    info = machine()
    print(json.dumps({"machine": info, "args": vars(args)}))
    rounds = []
    with (
        tempfile.TemporaryDirectory(prefix="docbot-bench-workers-") as folder,
        indexed_store(tw, pg, args.url, Path(folder)) as store,
        fakebotapi.running_fake_api() as api,
    ):
        postmaster = postmaster_pid(store, pg.query)
        for n in args.workers:
            figures = run_round(tw, pg, api, store, Path(folder), n, args, questions, postmaster)
            print(json.dumps(figures), flush=True)
            rounds.append(figures)
    print(table(rounds))
    if len(rounds) >= 2 and rounds[0]["qps"]:
        print(f"ratio {rounds[-1]['workers']}/{rounds[0]['workers']} workers: "
              f"{rounds[-1]['qps'] / rounds[0]['qps']:.2f}")  # fmt: skip
    return 1 if any(r["lost"] or r["doubled"] for r in rounds) else 0


if __name__ == "__main__":
    raise SystemExit(main())
