"""The ``docbot`` verbs: each takes the parsed arguments and the settings and returns an exit
code. Errors are raised as :class:`~index.errors.DocbotError`; :func:`bot.cli.main.main` turns
them into one line."""

from __future__ import annotations

import argparse
import contextlib
import json
import logging
import signal
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import TextIO

from bot.answering.engine import Engine
from bot.answering.evaluate import (
    CEILINGS,
    FIGURES,
    evaluate,
    feedback_cases,
    over_ceilings,
    read_cases,
    under_floors,
)
from bot.cli.chat import chat
from bot.cli.render import (
    answer_json,
    answer_text,
    hit_json,
    note,
    print_figures,
    print_hits,
    print_report,
    progress_bars,
)
from bot.settings import Settings
from bot.telegram.errors import TokenMissingError
from index.errors import IndexCorruptError
from index.integrity import LEGACY_NOTE, verify_current
from index.report import BuildReport
from index.watching import FolderWatcher

logger = logging.getLogger("docbot.cli")


def make_engine(settings: Settings) -> Engine:
    """The engine every verb answers from (the tests swap in one with a fake model)."""
    return Engine(settings, note=note)


def ready_engine(settings: Settings) -> Engine:
    """An engine whose index exists: built first, with a word on stderr, when there is none."""
    engine = make_engine(settings)
    if not engine.has_index():
        print(
            f"No index at {engine.index_location} yet: building it from "
            f"{settings.documents_dir} first.",
            file=sys.stderr,
        )
        report = engine.ensure_index(progress_bars(), settings.build_threads())
        if report is not None:
            print_report(report, out=sys.stderr)
    return engine


def cmd_index(args: argparse.Namespace, settings: Settings) -> int:
    if args.verify:
        return cmd_verify(settings)
    report = make_engine(settings).reindex(
        full=args.full,
        progress=progress_bars(),
        threads=settings.build_threads(),
        lock_wait=args.wait,
    )
    if args.json:
        print(json.dumps(report.to_json(), ensure_ascii=False))
    else:
        print_report(report)
    return 0


def cmd_verify(settings: Settings, out: TextIO | None = None) -> int:
    """``docbot index --verify``: every checksum of the current build; changes nothing."""
    out = out or sys.stdout
    if settings.store:
        print("docbot: --verify checks an index folder; with DOCBOT_STORE set, PostgreSQL "
              "checks its own data (pg_amcheck): leave DOCBOT_STORE empty to verify a folder",
              file=sys.stderr)  # fmt: skip
        return 2
    started = time.monotonic()
    result = verify_current(settings.index_dir)
    seconds = time.monotonic() - started
    if not result.recorded:
        print(f"docbot: {LEGACY_NOTE.format(folder=result.folder)}", file=sys.stderr)
        return IndexCorruptError.exit_code
    for problem in result.problems:
        print(f"damaged: {result.folder / problem.file}: {problem.reason}", file=out)
    if result.problems:
        damaged = ", ".join(problem.file for problem in result.problems)
        raise IndexCorruptError(result.folder, f"damaged: {damaged}")
    print(
        f"The index at {result.folder} is sound: {result.files} files, "
        f"{result.size / 1e6:.1f} MB checked in {seconds:.1f} s.",
        file=out,
    )
    return 0


def cmd_search(args: argparse.Namespace, settings: Settings) -> int:
    results = ready_engine(settings).search(args.query, args.k)
    for query, hits in zip(args.query, results, strict=True):
        if args.json:
            line = {"query": query, "hits": [hit_json(h) for h in hits]}
            print(json.dumps(line, ensure_ascii=False))
        else:
            print_hits(query, hits)
    return 0


def cmd_ask(args: argparse.Namespace, settings: Settings) -> int:
    engine = ready_engine(settings)
    for i, question in enumerate(args.question):
        answer = engine.ask(question, k=args.k)
        if args.json:
            print(json.dumps(answer_json(answer), ensure_ascii=False), flush=True)
            continue
        if i:
            print()
        print(f"? {question}")
        print(answer_text(answer), flush=True)
    return 0


def cmd_chat(args: argparse.Namespace, settings: Settings) -> int:
    engine = ready_engine(settings)
    with watching(settings, engine, say=note):
        return chat(engine, k=getattr(args, "k", None))


@contextlib.contextmanager
def watching(
    settings: Settings, engine: Engine, say: Callable[[str], None] = logger.info
) -> Iterator[FolderWatcher | None]:
    """The documents folder watched while the bot answers (``DOCBOT_WATCH``): each settled
    change is an incremental build, loaded before the next question (index/watching.py)."""
    if not settings.watch:
        yield None
        return

    def build() -> BuildReport:
        report = engine.reindex()
        engine.index()  # load it now, not on the next question
        return report

    def indexed() -> dict[str, object]:
        return engine.index().manifest

    watcher = FolderWatcher(
        settings.documents_dir, build, indexed, settle=settings.watch_settle_s, say=say
    )
    with watcher:
        yield watcher


def cmd_eval(args: argparse.Namespace, settings: Settings) -> int:
    path = Path(args.file)
    if getattr(args, "from_feedback", False):
        for row in feedback_cases(path):
            print(json.dumps(row, ensure_ascii=False))
        return 0
    cases = read_cases(path)
    figures = evaluate(ready_engine(settings), cases, args.k, file=path.name)
    if args.json:
        print(json.dumps(figures.to_json(), ensure_ascii=False))
    else:
        print_figures(figures)
    floors = {name: getattr(args, f"min_{name}", None) for name in FIGURES}
    ceilings = {name: getattr(args, f"max_{name}", None) for name in CEILINGS}
    under, over = under_floors(figures, floors), over_ceilings(figures, ceilings)
    if under:
        print(f"docbot eval: under the floor: {', '.join(under)}", file=sys.stderr)
    if over:
        print(f"docbot eval: over the ceiling: {', '.join(over)}", file=sys.stderr)
    return 1 if under or over else 0


def cmd_serve(args: argparse.Namespace, settings: Settings) -> int:
    """Load (or first build) the index and the model, then run the Telegram bot."""
    from bot.telegram.app import run_bot

    if settings.telegram_bot_token is None:
        raise TokenMissingError()
    if settings.store:
        wait_for_store(settings.store)
    engine = ready_engine(settings)
    engine.index()  # load the model and the index before the first question
    mode = "webhook" if settings.webhook_url else "long polling"
    logger.info("starting the Telegram bot (%s)", mode)
    with watching(settings, engine):
        run_bot(settings, engine, stop_signals=(signal.SIGINT, signal.SIGTERM))
    return 0


def wait_for_store(url: str, retry_s: float = 5.0) -> None:
    """``docbot serve`` with DOCBOT_STORE: while the database cannot be reached at start, one
    log line per try and another try, rather than an exit a supervisor restarts in a loop."""
    from index.errors import StoreUnreachableError
    from index.postgres.store import PgStore

    while True:
        try:
            PgStore(url).current_version()
            return
        except StoreUnreachableError as exc:
            logger.error("%s; trying again in %.0f s", exc, retry_s)
        time.sleep(retry_s)


def cmd_run(args: argparse.Namespace, settings: Settings) -> int:
    """The main job: the Telegram bot with a token, otherwise a terminal chat."""
    if settings.telegram_bot_token is not None:
        return cmd_serve(args, settings)
    print(
        "TELEGRAM_BOT_TOKEN is not set, so this is a terminal chat over the same engine.\n"
        "To run the Telegram bot, get a token from @BotFather and put TELEGRAM_BOT_TOKEN=... "
        "in .env (see README).",
        file=sys.stderr,
    )
    return cmd_chat(args, settings)
