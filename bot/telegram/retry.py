"""Outgoing Bot API calls survive transient faults: flood limits (429 ``retry_after``, handled
by PTB's :class:`AIORateLimiter`) and server errors, connection resets and timeouts (retried
here with a growing pause). Client errors (400, 401, 403) are not retried.

A retried call may reach Telegram twice when the first attempt was processed but its reply was
lost (a reset after Telegram accepted a ``sendMessage``): the user then sees that reply twice.
A lost reply is worse than a repeated one, so the bot accepts this.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable, Coroutine
from typing import Any

from telegram.error import BadRequest, NetworkError
from telegram.ext import AIORateLimiter, BaseRateLimiter

logger = logging.getLogger("docbot.retry")

RETRY_PAUSES = (0.5, 1.0, 2.0, 4.0, 8.0, 15.0, 15.0, 15.0)  # seconds; about a minute in all
NOT_RETRIED = frozenset({"sendChatAction"})  # "typing" is shown again a few seconds later


class RetryingRateLimiter(BaseRateLimiter[int]):
    """PTB's flood-limit handling, plus retries of server errors, resets and timeouts."""

    def __init__(self, pauses: tuple[float, ...] | None = None, flood_retries: int = 3) -> None:
        self.pauses = RETRY_PAUSES if pauses is None else pauses
        self.inner = AIORateLimiter(max_retries=flood_retries)

    async def initialize(self) -> None:
        await self.inner.initialize()

    async def shutdown(self) -> None:
        await self.inner.shutdown()

    async def process_request(
        self,
        callback: Callable[..., Coroutine[Any, Any, bool | dict[str, Any] | list[dict[str, Any]]]],
        args: Any,
        kwargs: dict[str, Any],
        endpoint: str,
        data: dict[str, Any],
        rate_limit_args: int | None,
    ) -> bool | dict[str, Any] | list[dict[str, Any]]:
        pauses = () if endpoint in NOT_RETRIED else self.pauses
        for attempt in range(len(pauses) + 1):
            try:
                return await self.inner.process_request(
                    callback, args, kwargs, endpoint, data, rate_limit_args
                )
            except BadRequest:
                raise
            except NetworkError as exc:  # 5xx, reset, timeout (BadRequest is a NetworkError too)
                if attempt >= len(pauses):
                    raise
                logger.warning(
                    "%s failed (%s); retry %d in %.1f s",
                    endpoint,
                    exc,
                    attempt + 1,
                    pauses[attempt],
                )
                await asyncio.sleep(pauses[attempt])
        raise AssertionError("unreachable")
