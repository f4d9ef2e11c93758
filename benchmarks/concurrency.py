"""Child process: many chats asking at once through the bot's real handler path.

    python -m benchmarks.concurrency --documents D --index I --questions F --chats 200 --per-chat 5

The real python-telegram-bot application (``bot.telegram.app.run_bot``, long polling) answers from
the product ``Engine`` against the local fake Bot API server (``tests/support/fakebotapi.py``,
run by the tests' own ``RunningBot``). First
one question at a time (push, wait for its answer, next: the one-at-a-time throughput), then
``chats x per_chat`` questions pushed at once (each chat its own private user). An answer is the
message that carries the answer's buttons (the last part of a split answer); per chat, answers
come in question order (one lock per chat), so answer ``i`` belongs to question ``i``. Lost =
questions without an answer after the timeout; doubled = answers beyond the questions asked.
Prints one JSON line.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import time
from collections import Counter
from pathlib import Path
from typing import Any

from benchmarks.latency import summary
from benchmarks.measure import percentile


def answers(api: Any) -> list[Any]:
    """sendMessage calls that carry the inline keyboard: one per answered question."""
    return [c for c in api.sent() if c.params.get("reply_markup")]


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--documents", required=True)
    parser.add_argument("--index", required=True)
    parser.add_argument("--questions", required=True)
    parser.add_argument("--chats", type=int, default=200)
    parser.add_argument("--per-chat", type=int, default=5)
    parser.add_argument("--serial", type=int, default=30, help="one-at-a-time questions")
    parser.add_argument("--pool", type=int, default=200, help="distinct concurrent questions")
    parser.add_argument("--timeout", type=float, default=1800.0)
    parser.add_argument(
        "--cross-pairs",
        type=int,
        default=None,
        help="with DOCBOT_CROSS_ENCODER_DEPTH set: pairs per cross-encoder run (0: no queue)",
    )
    args = parser.parse_args()
    questions = [q for q in Path(args.questions).read_text("utf-8").splitlines() if q.strip()]

    import logging

    logging.basicConfig(level=logging.WARNING)
    for noisy in ("httpx", "httpcore", "telegram", "bm25s", "sentence_transformers"):
        logging.getLogger(noisy).setLevel(logging.WARNING)

    from bot.answering.engine import Engine
    from bot.settings import Settings
    from tests.support.bots import RunningBot
    from tests.support.fakebotapi import FakeBotAPI

    token = "123456:benchmark-token"
    api = FakeBotAPI(token).start()
    work = Path(args.index).parent
    settings = Settings(
        telegram_bot_token=token,
        telegram_base_url=api.base_url,
        telegram_base_file_url=api.base_file_url,
        documents_dir=Path(args.documents),
        index_dir=Path(args.index),
        feedback_file=work / "feedback.jsonl",
        questions_per_minute=max(20, args.per_chat * 2),
    )
    engine = Engine(settings)
    engine.index()
    cross = settings.index_settings()
    model = None
    if cross.cross_encoder_depth or cross.cross_encoder_sentences:
        from index import cross_encoder

        model = cross_encoder.shared(cross.cross_encoder_threads, cross.cross_encoder_length)
        if args.cross_pairs is not None:
            model.batch_pairs = args.cross_pairs
    with RunningBot(settings, engine, api, ready_timeout=60):
        figures = measure(api, args, questions)
    api.stop()
    figures["cross_encoder_depth"] = cross.cross_encoder_depth
    figures["cross_encoder_sentences"] = cross.cross_encoder_sentences
    figures["cross_pairs"] = model.batch_pairs if model else None
    figures["cross_runs"] = model.queue.calls if model else None  # queued runs (0: no queue)
    figures["threads"] = settings.torch_threads
    print(json.dumps(figures))
    return 0


def measure(api: Any, args: argparse.Namespace, questions: list[str]) -> dict[str, Any]:
    """One question at a time, then everything at once; the figures (see the module doc)."""

    # The concurrent phase asks each of the first ``pool`` questions per_chat times (in
    # different chats), so the answer cache serves the repeats; the one-at-a-time phase gets
    # the same mix: questions after the pool, each asked per_chat times in a row.
    pool = questions[: args.pool]
    extra = questions[args.pool :] or pool

    # One at a time: push, wait for the answer, next. One user per question.
    serial_s = []
    started = time.perf_counter()
    for i in range(args.serial):
        before = len(answers(api))
        t = time.perf_counter()
        api.private_text(10_000 + i, extra[(i // args.per_chat) % len(extra)])
        api.wait_for(lambda b=before: len(answers(api)) > b, timeout=120)
        serial_s.append(time.perf_counter() - t)
    serial_total = time.perf_counter() - started
    api.wait_idle(quiet=0.5, timeout=30)

    # All at once: chats x per_chat questions pushed before the bot sees any of them.
    base = len(api.sent())
    first_chat = 100_000
    total = args.chats * args.per_chat
    asked: dict[int, list[str]] = {}
    t0 = time.monotonic()  # the clock of Call.at
    started = time.perf_counter()
    for j in range(args.per_chat):
        for c in range(args.chats):
            q = pool[(c * args.per_chat + j) % len(pool)]
            asked.setdefault(first_chat + c, []).append(q)
            api.private_text(first_chat + c, q)
    pushed = time.perf_counter() - started
    with contextlib.suppress(Exception):
        api.wait_for(lambda: len(answers(api)) - args.serial >= total, timeout=args.timeout)
    api.wait_idle(quiet=2.0, timeout=60)
    elapsed = time.perf_counter() - started

    sent = api.sent()[base:]
    keyed = [c for c in sent if c.params.get("reply_markup")]
    per_chat = Counter(int(c.params["chat_id"]) for c in keyed)
    lost = sum(max(0, args.per_chat - per_chat.get(chat, 0)) for chat in asked)
    doubled = sum(max(0, n - args.per_chat) for n in per_chat.values())
    # Latency of each answer from the moment all questions were pushed.
    latencies = [c.at - t0 for c in keyed]
    finished = max(latencies) if latencies else elapsed
    failures = sum(1 for c in sent if "went wrong" in str(c.params.get("text", "")))
    slow_down = sum(1 for c in sent if "faster than I can" in str(c.params.get("text", "")))
    concurrent_qps = len(keyed) / finished if finished else 0.0
    serial_qps = args.serial / serial_total
    return {
        "chats": args.chats,
        "per_chat": args.per_chat,
        "questions": total,
        "answered": len(keyed),
        "lost": lost,
        "doubled": doubled,
        "failures": failures,
        "rate_limited": slow_down,
        "push_s": pushed,
        "concurrent_s": finished,
        "concurrent_qps": concurrent_qps,
        "p50_s": percentile(latencies, 50),
        "p95_s": percentile(latencies, 95),
        "serial_n": args.serial,
        "serial_qps": serial_qps,
        "serial": summary(serial_s),
        "ratio": concurrent_qps / serial_qps if serial_qps else 0.0,
        "messages_sent": len(sent),
    }


if __name__ == "__main__":
    raise SystemExit(main())
