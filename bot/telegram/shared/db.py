"""Connections to the shared state: a small pool of asyncio connections for the claims and the
per-chat locks, and one thread-safe connection for the stores the handlers call from threads.
Every connection error becomes :class:`~index.errors.StoreUnreachableError` (its message names
the fix); the broken connection is dropped and the next call connects again."""

from __future__ import annotations

import asyncio
import threading
from collections.abc import AsyncIterator, Callable, Iterator
from contextlib import asynccontextmanager, contextmanager
from typing import Any, TypeVar

from index.errors import StoreDriverMissingError
from index.postgres.connection import CONNECT_TIMEOUT_S, redacted, translated

T = TypeVar("T")

POOL_SIZE = 8  # asyncio connections per worker (each chat answered right now holds one)


def _psycopg() -> Any:
    try:
        import psycopg
    except ImportError as exc:
        raise StoreDriverMissingError() from exc
    return psycopg


class SharedDb:
    """The database behind one ``DOCBOT_STORE`` URL, as the bot's shared state uses it."""

    def __init__(self, url: str, pool_size: int = POOL_SIZE) -> None:
        self.url = url
        self.where = redacted(url)
        self._idle: list[Any] = []
        self._slots = asyncio.Semaphore(pool_size)
        self._sync: Any = None
        self._sync_lock = threading.Lock()

    # --- asyncio side ------------------------------------------------------------------------
    @asynccontextmanager
    async def connection(self) -> AsyncIterator[Any]:
        """An autocommit asyncio connection from the pool; dropped when it broke."""
        async with self._slots:
            conn = self._idle.pop() if self._idle else None
            try:
                with translated(self.where):
                    if conn is None or conn.closed or conn.broken:
                        conn = await _psycopg().AsyncConnection.connect(
                            self.url, autocommit=True, connect_timeout=CONNECT_TIMEOUT_S
                        )
                    yield conn
            finally:
                if conn is not None and not conn.closed and not conn.broken:
                    self._idle.append(conn)

    async def close(self) -> None:
        while self._idle:
            await self._idle.pop().close()
        with self._sync_lock:
            if self._sync is not None:
                self._sync.close()
                self._sync = None

    # --- thread side ---------------------------------------------------------------------------
    @contextmanager
    def _sync_connection(self) -> Iterator[Any]:
        with self._sync_lock, translated(self.where):
            if self._sync is None or self._sync.closed or self._sync.broken:
                self._sync = _psycopg().connect(
                    self.url, autocommit=True, connect_timeout=CONNECT_TIMEOUT_S
                )
            yield self._sync

    def run(self, work: Callable[[Any], T]) -> T:
        """``work(connection)`` on the shared blocking connection, one caller at a time."""
        with self._sync_connection() as conn:
            return work(conn)
