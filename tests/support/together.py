"""Calls made from many threads at the same moment, for tests of shared work."""

from __future__ import annotations

import threading
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from typing import TypeVar

Item = TypeVar("Item")


def all_at_once(call: Callable[[Item], object], items: Sequence[Item]) -> list[object]:
    """``call(item)`` for every item, each in its own thread, all released together; a
    RuntimeError raised by a call is returned in its place."""
    start = threading.Barrier(len(items))

    def one(item: Item) -> object:
        start.wait(60)  # generous: a loaded machine starts threads slowly
        try:
            return call(item)
        except RuntimeError as exc:
            return exc

    with ThreadPoolExecutor(max_workers=len(items)) as pool:
        return list(pool.map(one, items, timeout=120))
