"""Work that arrives while a model is busy waits and then runs as one batch.

On a CPU, one call of a small transformer over a few inputs costs little more than over one:
the weights stream through the cache either way. So ``Batcher.submit(item)`` from many threads
at once shares calls of one batch function: items that arrive while a call runs wait in a
queue, and the next call takes all of them (up to ``max_size``, counted by ``size``: an item
may count for several, e.g. a question's passages).

A lone item never waits: with nothing running, its own thread makes the call at once. There is
no timer and no background thread; the thread whose item is first in the queue makes the next
call, then hands over to the next waiting thread, so nobody serves the others for long. An
error of the batch function reaches every item of that call; the queue goes on.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Generic, TypeVar

Item = TypeVar("Item")
Result = TypeVar("Result")


@dataclass(eq=False)
class _Waiter(Generic[Item, Result]):
    item: Item
    done: threading.Event = field(default_factory=threading.Event)
    lead: bool = False  # this thread makes the next call
    finished: bool = False
    result: Result | None = None
    error: BaseException | None = None


def _one(_: object) -> int:
    return 1


class Batcher(Generic[Item, Result]):
    """``submit(item)`` for many threads at once; concurrent items share calls of ``run``.

    ``run`` gets a list of items and returns one result per item, in order."""

    def __init__(
        self,
        run: Callable[[list[Item]], Sequence[Result]],
        max_size: int = 32,
        size: Callable[[Item], int] = _one,
    ) -> None:
        self.run = run
        self.max_size = max(1, max_size)
        self.size = size
        self._lock = threading.Lock()
        self._queue: list[_Waiter[Item, Result]] = []
        self._busy = False
        self.calls = 0  # calls of ``run`` made (for tests and benchmarks)

    def submit(self, item: Item) -> Result:
        """``run([item])[0]``, computed in a call shared with the items queued beside it."""
        waiter: _Waiter[Item, Result] = _Waiter(item)
        with self._lock:
            self._queue.append(waiter)
            if not self._busy:
                self._busy = waiter.lead = True
        if not waiter.lead:
            waiter.done.wait()  # a result, or our turn to make the next call
        if not waiter.finished:
            self._call()
        if waiter.error is not None:
            raise waiter.error
        return waiter.result  # type: ignore[return-value]  # set with finished

    def _take(self) -> list[_Waiter[Item, Result]]:
        """The head of the queue up to ``max_size`` (always at least one item)."""
        with self._lock:
            taken, total = 0, 0
            for waiter in self._queue:
                total += self.size(waiter.item)
                if taken and total > self.max_size:
                    break
                taken += 1
            batch = self._queue[:taken]
            del self._queue[:taken]
        return batch

    def _call(self) -> None:
        batch = self._take()
        try:
            results = self.run([w.item for w in batch])
            if len(results) != len(batch):
                raise ValueError(f"{len(results)} results for {len(batch)} items")
            for waiter, result in zip(batch, results, strict=True):
                waiter.result = result
        except BaseException as exc:  # every waiter gets the error, nobody hangs
            for waiter in batch:
                waiter.error = exc
        with self._lock:
            self.calls += 1
            successor = self._queue[0] if self._queue else None
            if successor is None:
                self._busy = False
            else:
                successor.lead = True
        for waiter in batch:
            waiter.finished = True
            waiter.done.set()
        if successor is not None:
            successor.done.set()
