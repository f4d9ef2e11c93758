"""Why a model server's reply could not be used. Each message names the fix; none contains the
API key (the client never puts it in one)."""

from __future__ import annotations

from index.errors import DocbotError


class GenerationError(DocbotError):
    """The model server failed, timed out or answered nonsense: the extractive answer is given.

    ``reason`` is a short code the log and the evals count by (``timeout``, ``http``,
    ``connect``, ``malformed``, ``empty``)."""

    def __init__(self, reason: str, detail: str) -> None:
        self.reason = reason
        super().__init__(detail)


class ServerTimeoutError(GenerationError):
    def __init__(self, seconds: float) -> None:
        super().__init__(
            "timeout",
            f"the model server gave no complete reply within {seconds:g} s: raise "
            "DOCBOT_LLM_TIMEOUT_S, or use a faster model",
        )


class ServerStatusError(GenerationError):
    def __init__(self, status: int) -> None:
        super().__init__(
            "http",
            f"the model server answered HTTP {status}: check its log, DOCBOT_LLM_MODEL "
            "and DOCBOT_LLM_API_KEY",
        )


class ServerUnreachableError(GenerationError):
    def __init__(self, what: str) -> None:
        super().__init__(
            "connect",
            f"cannot reach the model server ({what}): is it running at DOCBOT_LLM_URL?",
        )


class MalformedReplyError(GenerationError):
    def __init__(self, what: str) -> None:
        super().__init__(
            "malformed",
            f"the model server's reply is not an OpenAI chat completion ({what}): "
            "DOCBOT_LLM_URL must be an OpenAI-compatible server",
        )


class EmptyReplyError(GenerationError):
    def __init__(self) -> None:
        super().__init__("empty", "the model returned an empty reply")
