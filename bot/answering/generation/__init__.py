"""Optional generative answers from the operator's own model server (``DOCBOT_LLM_URL``), with
every sentence checked against the passage it cites (``verify``); see README, "Generative
answers (optional)".

The names below are imported on first use (a module ``__getattr__``), so importing
``bot.answering.generation.errors`` loads none of the answer machinery."""

from __future__ import annotations

from typing import TYPE_CHECKING

from index.lazy import names_from

if TYPE_CHECKING:
    from bot.answering.generation.generate import Generator
    from bot.answering.generation.generated import CheckedAnswer, generation_of, is_generated

__getattr__ = names_from(
    __name__,
    {
        "Generator": "bot.answering.generation.generate",
        "CheckedAnswer": "bot.answering.generation.generated",
        "generation_of": "bot.answering.generation.generated",
        "is_generated": "bot.answering.generation.generated",
    },
)


__all__ = ["CheckedAnswer", "Generator", "generation_of", "is_generated"]
