"""Optional generative answers from the operator's own model server (``DOCBOT_LLM_URL``), with
every sentence checked against the passage it cites (``verify``); see README, "Generative
answers (optional)"."""

from bot.answering.generation.generate import Generator
from bot.answering.generation.generated import CheckedAnswer, generation_of, is_generated

__all__ = ["CheckedAnswer", "Generator", "generation_of", "is_generated"]
