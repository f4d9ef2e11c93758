"""``docbot chat``: a conversation in the terminal, one question a line, follow-ups resolved."""

from __future__ import annotations

import os
import sys
from typing import TextIO

from bot.answering.engine import Engine
from bot.cli.render import answer_text

EXIT_WORDS = frozenset({"exit", "quit", ":q", "/exit", "/quit"})


def chat(engine: Engine, k: int | None = None, stdin: TextIO | None = None) -> int:
    """Answer each line of ``stdin`` until "exit" or end of input."""
    stdin = stdin or sys.stdin
    interactive = stdin.isatty()
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
        answer = engine.ask(question, conversation_id=conversation, k=k)
        if not interactive:
            print(f"? {question}")
        if answer.resolved != question:
            print(f"(searched: {answer.resolved})")
        print(answer_text(answer))
        print(flush=True)
    return 0
