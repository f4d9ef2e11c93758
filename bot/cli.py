"""``docbot``: one command, with subcommands. Errors become one clean line and an exit code."""

from __future__ import annotations

import argparse
import contextlib
import json
import logging
import os
import sys
import time
from collections.abc import Callable, Iterator, Sequence
from typing import TextIO

from bot.engine import Engine
from bot.settings import Settings
from index.build import BuildReport
from index.errors import DocbotError, IndexCorruptError
from index.integrity import LEGACY_NOTE, verify_current
from index.retriever import Hit


def _progress_factory() -> Callable[
    [str, int], contextlib.AbstractContextManager[Callable[[int], None]]
]:
    """tqdm bars on a terminal, one plain line per stage otherwise."""
    interactive = sys.stderr.isatty()

    @contextlib.contextmanager
    def progress(label: str, total: int) -> Iterator[Callable[[int], None]]:
        if interactive and total:
            from tqdm import tqdm

            with tqdm(total=total, desc=label, unit="item", leave=False) as bar:
                yield bar.update
        else:
            if total and label.startswith("embedding"):
                what = label.removeprefix("embedding").strip() or "chunks"
                print(f"embedding {total} {what}...", file=sys.stderr, flush=True)
            yield lambda n: None

    return progress


def _note(line: str) -> None:
    print(f"docbot: note: {line}", file=sys.stderr)


def _engine(settings: Settings) -> Engine:

    return Engine(settings, note=_note)


def print_report(report: BuildReport, out: TextIO | None = None) -> None:
    out = out or sys.stdout
    files = report.unchanged + len(report.added) + len(report.changed)
    print(
        f"Indexed {report.chunks} chunk(s) from {files} file(s) in {report.seconds:.1f} s:"
        f" {len(report.added)} added, {len(report.changed)} changed,"
        f" {len(report.removed)} removed, {len(report.skipped)} skipped;"
        f" {report.embedded} chunk(s) embedded, {report.reused} reused"
        f" ({report.units_embedded} answer sentence(s) embedded),"
        f" {report.duplicates} duplicate(s) dropped.",
        file=out,
    )
    for note in report.notes:
        print(f"  note: {note}", file=out)
    for s in report.skipped:
        print(f"  skipped {s.source}: {s.reason}", file=out)


def cmd_index(args: argparse.Namespace, settings: Settings) -> int:
    if args.verify:
        return cmd_verify(settings)
    engine = _engine(settings)
    report = engine.reindex(
        full=args.full,
        progress=_progress_factory(),
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


def _hit_json(hit: Hit) -> dict[str, object]:
    return {
        "rank": hit.rank,
        "source": hit.chunk.source,
        "location": hit.chunk.location(),
        "text": hit.chunk.text,
        "score": round(hit.score, 4),
    }


def ensure_index(engine: Engine, quiet: bool = False) -> None:
    """Build the index first when there is none yet, and say so."""
    if engine.has_index():
        return
    print(
        f"No index at {engine.settings.index_dir} yet: building it from "
        f"{engine.settings.documents_dir} first.",
        file=sys.stderr,
    )
    report = engine.reindex(progress=_progress_factory(), threads=engine.settings.build_threads())
    if not quiet:
        print_report(report, out=sys.stderr)


def cmd_search(args: argparse.Namespace, settings: Settings) -> int:
    engine = _engine(settings)
    ensure_index(engine)
    results = engine.search(args.query, args.k)
    for query, hits in zip(args.query, results, strict=True):
        if args.json:
            print(
                json.dumps(
                    {"query": query, "hits": [_hit_json(h) for h in hits]}, ensure_ascii=False
                )
            )
            continue
        print(f"? {query}")
        for h in hits:
            where = f"{h.chunk.source}, {h.chunk.location()}".rstrip(", ")
            text = " ".join(h.chunk.text.split())
            more = "..." if len(text) > 300 else ""
            print(f"  {h.rank}. [{h.score:.3f}] {where}\n     {text[:300]}{more}")
        print()
    return 0


def cmd_ask(args: argparse.Namespace, settings: Settings) -> int:
    from bot.chat import run_ask

    return run_ask(args, settings)


def cmd_chat(args: argparse.Namespace, settings: Settings) -> int:
    from bot.chat import run_chat

    return run_chat(args, settings)


def cmd_eval(args: argparse.Namespace, settings: Settings) -> int:
    from bot.evaluate import run_eval

    return run_eval(args, settings)


def cmd_serve(args: argparse.Namespace, settings: Settings) -> int:
    from bot.telegram import run_serve

    return run_serve(args, settings)


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


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="docbot", description="Answers questions about a folder of documents, with citations."
    )
    parser.add_argument("-v", "--verbose", action="store_true", help="log more")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    def folders(p: argparse.ArgumentParser) -> None:
        p.add_argument("--documents", metavar="DIR", help="documents folder (DOCBOT_DOCUMENTS_DIR)")
        p.add_argument("--index", metavar="DIR", help="index folder (DOCBOT_INDEX_DIR)")

    p = sub.add_parser("index", help="build or update the index from the documents folder")
    folders(p)
    mode = p.add_mutually_exclusive_group()
    mode.add_argument("--full", action="store_true", help="rebuild from scratch")
    mode.add_argument("--verify", action="store_true",
                      help="check every file of the current index; changes nothing")  # fmt: skip
    p.add_argument("--json", action="store_true", help="print the summary as JSON")
    p.add_argument("--wait", type=float, default=0.0, metavar="S",
                   help="wait up to S seconds for another build (default: refuse)")  # fmt: skip
    p.set_defaults(func=cmd_index)

    p = sub.add_parser("search", help="print the ranked passages for each query")
    folders(p)
    p.add_argument("query", nargs="+", help="one or more queries")
    p.add_argument("-k", type=int, default=5, help="passages per query (default 5)")
    p.add_argument("--json", action="store_true", help="one JSON object per query and line")
    p.set_defaults(func=cmd_search)

    p = sub.add_parser("ask", help="answer each question on its own, with citations")
    folders(p)
    p.add_argument("question", nargs="+", help="one or more questions")
    p.add_argument("-k", type=int, default=None, help="passages to consider")
    p.add_argument("--json", action="store_true", help="one JSON object per question and line")
    p.set_defaults(func=cmd_ask)

    p = sub.add_parser("chat", help="a conversation in the terminal, with follow-up questions")
    folders(p)
    p.add_argument("-k", type=int, default=None, help="passages to consider")
    p.set_defaults(func=cmd_chat)

    p = sub.add_parser("eval", help="retrieval and answer figures on a question set (JSONL)")
    folders(p)
    p.add_argument("file", help="question set, one JSON object a line")
    p.add_argument("-k", type=int, default=3, help="cut-off for hit@k (default 3)")
    p.add_argument("--json", action="store_true", help="print the figures as JSON")
    p.add_argument("--from-feedback", action="store_true",
                   help="print Telegram feedback FILE as candidate question-set lines")  # fmt: skip
    for name in ("hit", "mrr", "ndcg", "answer", "notfound"):
        p.add_argument(f"--min-{name}", type=float, default=None, metavar="X",
                       help=f"exit non-zero when {name} falls under X")  # fmt: skip
    p.set_defaults(func=cmd_eval)

    p = sub.add_parser("serve", help="run the Telegram bot")
    folders(p)
    p.set_defaults(func=cmd_serve)

    p = sub.add_parser("run", help="the Telegram bot if a token is set, else a terminal chat")
    folders(p)
    p.add_argument("-k", type=int, default=None, help=argparse.SUPPRESS)
    p.set_defaults(func=cmd_run)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    logging.basicConfig(
        level=logging.INFO if args.verbose else logging.WARNING,
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
    )
    for noisy in ("httpx", "httpcore", "sentence_transformers", "transformers", "bm25s", "faiss"):
        logging.getLogger(noisy).setLevel(logging.WARNING)
    os.environ.setdefault("HF_HUB_DISABLE_PROGRESS_BARS", "1")
    try:
        overrides: dict[str, object] = {}
        if getattr(args, "documents", None):
            overrides["documents_dir"] = args.documents
        if getattr(args, "index", None):
            overrides["index_dir"] = args.index
        settings = Settings(**overrides)  # type: ignore[arg-type]
    except Exception as exc:  # pydantic ValidationError: say which setting is wrong
        print(f"docbot: invalid settings: {exc}".splitlines()[0], file=sys.stderr)
        print(str(exc), file=sys.stderr)
        return 2
    try:
        return int(args.func(args, settings))
    except DocbotError as exc:
        print(f"docbot: {exc}", file=sys.stderr)
        return exc.exit_code
    except KeyboardInterrupt:
        print("docbot: interrupted", file=sys.stderr)
        return 130


def entry() -> None:
    """The ``docbot`` console script: :func:`main`, then a fast exit.

    Interpreter shutdown after torch takes 0.3-5 s (benchmarks/RESULTS.md, cold start); every
    command has finished its work and closed its files by now, so flush and leave at once.
    """
    code = main()
    sys.stdout.flush()
    sys.stderr.flush()
    logging.shutdown()
    os._exit(code)


if __name__ == "__main__":
    entry()
