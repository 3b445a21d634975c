"""Taking what a queue holds now, without waiting: for loops that run between other work on their
thread (the sample writer's flush, the pipeline worker between frames) and must not block it."""

from __future__ import annotations

import queue
from collections.abc import Iterator
from typing import TypeVar

T = TypeVar("T")


def drain(source: queue.Queue[T] | queue.SimpleQueue[T]) -> Iterator[T]:
    """The items queued now, oldest first; stops at the first moment the queue is empty."""
    while True:
        try:
            item = source.get_nowait()
        except queue.Empty:
            return
        yield item
