"""``docbot``: the parser and the entry point. Errors become one clean line and an exit code."""

from __future__ import annotations

import argparse
import logging
import os
import sys
from collections.abc import Sequence

from bot.answering.evaluate import CEILINGS, FIGURES
from bot.cli import gaps
from bot.cli.commands import (
    cmd_ask,
    cmd_chat,
    cmd_eval,
    cmd_index,
    cmd_run,
    cmd_search,
    cmd_serve,
)
from bot.settings import Settings
from index.errors import DocbotError


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
    for name in FIGURES:
        p.add_argument(f"--min-{name}", type=float, default=None, metavar="X",
                       help=f"exit non-zero when {name} falls under X")  # fmt: skip
    for name in CEILINGS:
        p.add_argument(f"--max-{name}", type=float, default=None, metavar="X",
                       help=f"exit non-zero when {name} rises over X")  # fmt: skip
    p.set_defaults(func=cmd_eval)

    p = sub.add_parser("serve", help="run the Telegram bot")
    folders(p)
    p.set_defaults(func=cmd_serve)

    p = sub.add_parser("run", help="the Telegram bot if a token is set, else a terminal chat")
    folders(p)
    p.add_argument("-k", type=int, default=None, help=argparse.SUPPRESS)
    p.set_defaults(func=cmd_run)
    gaps.add_parser(sub)
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
