"""``docbot gaps``: what the documents could not answer, as ``/gaps`` shows it in Telegram: the
refused and 👎 questions of the question log (the file next to the feedback log, or PostgreSQL
with ``DOCBOT_STORE``) grouped by meaning, most asked first; ``--json`` one object per group and
line, ``--export`` the question set for ``docbot eval``."""

from __future__ import annotations

import argparse
import json
import time
from typing import TextIO

from bot.answering.gaps import Gap, eval_lines, group, recheck
from bot.cli.commands import make_engine, ready_engine
from bot.settings import Settings
from bot.telegram.asked import AskedLog, AskedStore, asked_file
from bot.telegram.delivery import bot_id_from_token
from bot.telegram.errors import TokenMissingError

DAYS = 90.0


def asked_store(settings: Settings) -> AskedStore:
    """The bot's question log: its file, or with ``DOCBOT_STORE`` its rows (by the bot's id,
    which the token names)."""
    if not settings.store:
        return AskedLog(asked_file(settings.feedback_file))
    if settings.telegram_bot_token is None:
        raise TokenMissingError()
    from bot.telegram.shared.db import SharedDb
    from bot.telegram.shared.gaps import PgAskedLog

    bot_id = bot_id_from_token(settings.telegram_bot_token.get_secret_value())
    return PgAskedLog(SharedDb(settings.store), bot_id)


def gap_text(n: int, gap: Gap) -> str:
    kinds = ", ".join(
        [f"refused {gap.refused}"] * bool(gap.refused) + [f"voted down {gap.down}"] * bool(gap.down)
    )
    people = {0: "", 1: " by 1 person"}.get(gap.askers, f" by {gap.askers} people")
    last = time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime(gap.last))
    lines = [
        f"{n:3}. {gap.question}",
        f"     asked {gap.count}x{people} ({kinds}), last {last}",
    ]
    if len(gap.wordings) > 1:
        lines.append("     also asked as: " + "; ".join(f'"{w}"' for w in gap.wordings[1:4]))
    if gap.answered_now:
        lines.append("     the documents answer it now (asked again just now)")
    return "\n".join(lines)


def print_gaps(gaps: list[Gap], days: float, out: TextIO | None = None) -> None:
    if not gaps:
        print(f"No question went unanswered or was voted down in the last {days:g} days.", file=out)
        return
    count = sum(g.count for g in gaps)
    print(
        f"What the documents could not answer (last {days:g} days): {len(gaps)} question(s), "
        f"asked {count} time(s), most asked first.",
        file=out,
    )
    for n, gap in enumerate(gaps, start=1):
        print(gap_text(n, gap), file=out)


def cmd_gaps(args: argparse.Namespace, settings: Settings) -> int:
    asked = asked_store(settings).read(since=time.time() - args.days * 86400)
    if not any(a.gap for a in asked):
        gaps = []
    elif args.recheck:
        engine = ready_engine(settings)
        gaps = group(asked, engine.embedder)
        gaps = recheck(gaps, lambda question: engine.ask(question).found, len(gaps))
    else:
        gaps = group(asked, make_engine(settings).embedder)
    if args.export:
        for line in eval_lines(gaps):
            print(json.dumps(line, ensure_ascii=False))
    elif args.json:
        for gap in gaps:
            print(json.dumps(gap.to_json(), ensure_ascii=False))
    else:
        print_gaps(gaps, args.days)
    return 0


def add_parser(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """The ``gaps`` verb on the ``docbot`` parser."""
    p = sub.add_parser("gaps", help="the questions the documents could not answer, grouped")
    p.add_argument("--days", type=float, default=DAYS, help=f"look back (default {DAYS:g})")
    p.add_argument("--recheck", action="store_true",
                   help="ask each refused question again of the current index")  # fmt: skip
    out = p.add_mutually_exclusive_group()
    out.add_argument("--json", action="store_true", help="one JSON object per group and line")
    out.add_argument("--export", action="store_true",
                     help="print them as a question set for docbot eval (JSONL)")  # fmt: skip
    p.set_defaults(func=cmd_gaps)
