"""What the model is asked: the (resolved) question, the numbered passages, the rules, and the
extractive reader's findings as hints."""

from __future__ import annotations

from collections.abc import Sequence

from bot.answering.answers import Answer
from bot.answering.generation.client import Message
from bot.answering.generation.passages import Passage

SYSTEM = (
    "You answer questions about a collection of documents, using only the numbered passages "
    "you are given. Rules:\n"
    "1. State only what the passages say; add nothing from your own knowledge.\n"
    "2. End every sentence with the number of each passage it rests on, in square brackets, "
    "like [1] or [1][2].\n"
    "3. Copy names and numbers exactly as the passages write them.\n"
    "4. If the passages do not answer the question, say so in one sentence.\n"
    "5. Answer in at most three short sentences."
)


def messages(question: str, passages: Sequence[Passage], extractive: Answer) -> list[Message]:
    """The chat messages for ``question`` (as resolved against the conversation)."""
    listed = "\n\n".join(_passage(p) for p in passages)
    parts = [f"Passages:\n\n{listed}", f"Question: {question}"]
    hints = _hints(passages, extractive)
    if hints:
        parts.append("Hints: " + " ".join(hints))
    return [{"role": "system", "content": SYSTEM}, {"role": "user", "content": "\n\n".join(parts)}]


def _passage(p: Passage) -> str:
    text = " ".join(p.text.split())
    return f"[{p.n}] ({p.source}) {text}" if p.source else f"[{p.n}] {text}"


def _hints(passages: Sequence[Passage], extractive: Answer) -> list[str]:
    """The short answer (in the prompt's numbering) and the answerability decision."""
    hints: list[str] = []
    short = extractive.short
    if short is not None and short.text.strip():
        chunk_id = extractive.citations[short.n - 1].chunk_id
        where = [p.n for p in passages if p.hit is not None and p.hit.chunk.id == chunk_id]
        at = f" (passage [{where[0]}])" if where else ""
        hints.append(f'A reader found the short answer "{" ".join(short.text.split())}"{at}.')
    if extractive.confidence is not None:
        hints.append(
            "The passages were judged to answer the question "
            f"(confidence {extractive.confidence:.2f})."
        )
    return hints
