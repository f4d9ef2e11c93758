"""Who may use the bot: allowed users, admins, and a per-user limit on questions per minute."""

from __future__ import annotations

import time
from collections import deque
from collections.abc import Callable, Iterable


class Access:
    """``allowed`` empty means anyone may ask; admins may always ask."""

    def __init__(self, allowed: Iterable[int], admins: Iterable[int]) -> None:
        self.allowed = frozenset(allowed)
        self.admins = frozenset(admins)

    def is_allowed(self, user_id: int | None) -> bool:
        if user_id is None:
            return False
        return not self.allowed or user_id in self.allowed or user_id in self.admins

    def is_admin(self, user_id: int | None) -> bool:
        return user_id is not None and user_id in self.admins


class RateLimit:
    """At most ``per_minute`` questions per user in any sliding 60-second window."""

    def __init__(
        self, per_minute: int, clock: Callable[[], float] = time.monotonic, window: float = 60.0
    ) -> None:
        self.per_minute = per_minute
        self.window = window
        self._clock = clock
        self._seen: dict[int, deque[float]] = {}

    def wait_time(self, user_id: int) -> float:
        """0 when the user may ask now (and counts the question), else seconds to wait."""
        now = self._clock()
        times = self._seen.setdefault(user_id, deque())
        while times and now - times[0] >= self.window:
            times.popleft()
        if len(times) >= self.per_minute:
            return max(self.window - (now - times[0]), 0.1)
        times.append(now)
        if len(self._seen) > 10_000:  # forget idle users now and then
            self._seen = {u: t for u, t in self._seen.items() if t and now - t[-1] < self.window}
        return 0.0
