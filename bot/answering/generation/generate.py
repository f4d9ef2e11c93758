"""Generative answers, optional (``DOCBOT_LLM_URL``): the operator's model server writes the
answer from the top passages, verification keeps only the sentences their citations support,
and anything short of that - a refused question, a failed, slow or nonsensical server, a reply
of which nothing survives - is answered extractively, with one log line saying why."""

from __future__ import annotations

import logging
import time
from collections.abc import Sequence

from bot.answering.answers import Answer, Citation
from bot.answering.choosing import Unit
from bot.answering.citing import quote
from bot.answering.generation.client import ChatClient, ServerConfig
from bot.answering.generation.errors import GenerationError
from bot.answering.generation.generated import CheckedAnswer, check_generated, checked
from bot.answering.generation.passages import Passage, passages_of
from bot.answering.generation.prompt import messages
from bot.answering.generation.verify import Encode, Kept, Verdict, verify
from bot.settings import Settings
from index.retriever import Hit

logger = logging.getLogger("docbot.generation")


class Generator:
    """Asks the model server and checks its reply; one per engine (thread-safe)."""

    def __init__(self, client: ChatClient, max_passages: int = 5) -> None:
        self.client = client
        self.max_passages = max_passages

    @classmethod
    def from_settings(cls, settings: Settings) -> Generator | None:
        """The generator ``settings`` ask for, or None when ``DOCBOT_LLM_URL`` is unset."""
        if not settings.llm_url.strip():
            return None
        config = ServerConfig(
            url=settings.llm_url,
            model=settings.llm_model,
            api_key=settings.llm_api_key,
            timeout_s=settings.llm_timeout_s,
            max_tokens=settings.llm_max_tokens,
            stream=settings.llm_stream,
        )
        return cls(ChatClient(config), max_passages=settings.top_k)

    def answer(self, extractive: Answer, hits: Sequence[Hit], encode: Encode) -> CheckedAnswer:
        """The model's verified answer, or ``extractive`` (marked with why)."""
        if not extractive.found:
            # refused by the score floor or the answerability model: not sent at all
            return checked(extractive, fallback="not in the documents: not sent to the model")
        passages = passages_of(hits, self.max_passages)
        started = time.perf_counter()
        try:
            reply = self.client.complete(messages(extractive.resolved, passages, extractive))
        except GenerationError as exc:
            return self._fallback(extractive, exc.reason, str(exc))
        verdict = verify(reply, passages, encode)
        ms = 1000 * (time.perf_counter() - started)
        if not verdict.kept:
            n = len(verdict.dropped)
            why = f"no sentence of the model's reply survived verification ({n} dropped)"
            return self._fallback(extractive, "nothing_kept", why, verdict)
        logger.info(
            "generated answer: %d sentence(s) kept, %d dropped, %.0f ms",
            len(verdict.kept),
            len(verdict.dropped),
            ms,
        )
        return generated_answer(extractive, passages, verdict)

    def _fallback(
        self, extractive: Answer, reason: str, why: str, verdict: Verdict | None = None
    ) -> CheckedAnswer:
        logger.warning("generative answer not used, the extractive one is (%s): %s", reason, why)
        dropped = verdict.dropped if verdict is not None else ()
        return checked(extractive, dropped=dropped, fallback=reason)


def generated_answer(
    extractive: Answer, passages: Sequence[Passage], verdict: Verdict
) -> CheckedAnswer:
    """The kept sentences with their markers renumbered 1..m in order of first citation, and a
    citation per cited passage quoting it around its sentence most like what was said."""
    order: dict[int, int] = {}
    for kept in verdict.kept:
        for n in kept.cites:
            order.setdefault(n, len(order) + 1)
    by_n = {p.n: p for p in passages}
    citations = tuple(_citation(by_n[n], m, verdict.kept) for n, m in order.items())
    text = " ".join(
        f"{kept.text} " + "".join(f"[{order[n]}]" for n in kept.cites) for kept in verdict.kept
    )
    answer = checked(
        extractive,
        text=text,
        citations=citations,
        short=None,
        generated=True,
        dropped=verdict.dropped,
        fallback="",
    )
    check_generated(answer)
    return answer


def _citation(passage: Passage, m: int, kept: Sequence[Kept]) -> Citation:
    """Citation ``m``: ``passage`` quoted (whole sentences, as extractive answers are) around
    the sentence of it most like a kept sentence that cites it."""
    assert passage.hit is not None, "generated answers cite retrieved passages"
    first, last, best_c = 0, 0, -1.0
    for k in kept:
        for n, a, b in k.support.best:
            if n == passage.n and k.support.semantic > best_c:
                first, last, best_c = a, b, k.support.semantic
    text = " ".join(passage.sentences[first : last + 1])
    return quote(Unit(passage.hit, first, last, text, cosine=max(best_c, 0.0)), m)
