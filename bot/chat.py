"""``docbot ask`` and ``docbot chat``: answers in the terminal, plain or as JSON lines."""

from __future__ import annotations

import argparse
import json
import os
import sys
import textwrap
from typing import TextIO

from bot.answer import Answer
from bot.engine import Engine
from bot.settings import Settings

EXIT_WORDS = frozenset({"exit", "quit", ":q", "/exit", "/quit"})


def answer_json(answer: Answer) -> dict[str, object]:
    """The ``ask --json`` contract: one object per question."""
    return {
        "question": answer.question,
        "answer": answer.text,
        "found": answer.found,
        "citations": [
            {
                "n": c.n,
                "source": c.source,
                "location": c.location,
                "text": c.quote,
                "score": c.score,
            }
            for c in answer.citations
        ],
    }


def format_answer(answer: Answer, width: int = 100) -> str:
    """The answer, then each numbered source with its quote, the cited text marked »like this«."""
    lines = textwrap.wrap(answer.text, width) or [answer.text]
    if not answer.found:
        if answer.related:
            lines.append("Closest passages (not an answer): " + "; ".join(answer.related))
        return "\n".join(lines)
    lines.append("")
    for c in answer.citations:
        where = ", ".join(p for p in (c.source, c.location) if p)
        a, b = c.highlight
        marked = " ".join(f"{c.quote[:a]}»{c.quote[a:b]}«{c.quote[b:]}".split())
        lines.append(f"[{c.n}] {where}")
        lines.extend(textwrap.wrap(marked, width, initial_indent="    ", subsequent_indent="    "))
    return "\n".join(lines)


def _engine(settings: Settings) -> Engine:
    from bot.cli import _engine, ensure_index

    engine = _engine(settings)
    ensure_index(engine)
    return engine


def run_ask(args: argparse.Namespace, settings: Settings) -> int:
    engine = _engine(settings)
    for i, question in enumerate(args.question):
        answer = engine.ask(question, k=args.k)
        if args.json:
            print(json.dumps(answer_json(answer), ensure_ascii=False), flush=True)
        else:
            if i:
                print()
            print(f"? {question}")
            print(format_answer(answer), flush=True)
    return 0


def run_chat(args: argparse.Namespace, settings: Settings, stdin: TextIO | None = None) -> int:
    """A conversation: one question per line until "exit" or end of input."""
    stdin = stdin or sys.stdin
    interactive = stdin.isatty()
    engine = _engine(settings)
    conversation = f"terminal-{os.getpid()}"
    if interactive:
        print("Ask about the documents; follow-up questions work. Type exit to leave.")
    while True:
        if interactive:
            print("> ", end="", flush=True)
        line = stdin.readline()
        if not line:
            break
        question = line.strip()
        if not question:
            continue
        if question.lower() in EXIT_WORDS:
            break
        answer = engine.ask(question, conversation_id=conversation, k=getattr(args, "k", None))
        if not interactive:
            print(f"? {question}")
        if answer.resolved != question:
            print(f"(searched: {answer.resolved})")
        print(format_answer(answer))
        print(flush=True)
    return 0
