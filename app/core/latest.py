"""Qt-free helpers for the live view: a latest-wins one-slot queue and a rate/latency meter.

The capture thread produces frames at the camera's pace; the processing thread is sometimes
slower. Queuing every frame would let latency grow without bound, so the consumer only ever takes
the newest frame and older, unconsumed ones are dropped (and counted, so the user can see it).
"""

from __future__ import annotations

import threading
import time
from collections import deque
from dataclasses import dataclass
from typing import Generic, TypeVar

T = TypeVar("T")


class LatestSlot(Generic[T]):
    """Thread-safe one-slot queue: ``put`` replaces an unconsumed item, ``get`` takes the newest.

    ``put(block=True)`` waits until the slot is free instead of replacing: offline analysis of a
    file uses it so that no frame is lost (back-pressure) while a live camera never blocks.
    """

    def __init__(self) -> None:
        self._cond = threading.Condition()
        self._item: T | None = None
        self._full = False
        self._closed = False
        self.put_count = 0
        self.taken_count = 0
        self.dropped_count = 0

    def put(self, item: T, block: bool = False, timeout: float | None = None) -> bool:
        """Store ``item``; return True if an older, never-taken item was dropped for it."""
        with self._cond:
            if block:
                self._cond.wait_for(lambda: not self._full or self._closed, timeout)
            if self._closed:
                return False
            dropped = self._full
            if dropped:
                self.dropped_count += 1
            self._item = item
            self._full = True
            self.put_count += 1
            self._cond.notify_all()
            return dropped

    def get(self, timeout: float | None = None) -> T | None:
        """Newest item, waiting up to ``timeout`` s; None on timeout or when closed and empty."""
        with self._cond:
            self._cond.wait_for(lambda: self._full or self._closed, timeout)
            if not self._full:
                return None
            item, self._item, self._full = self._item, None, False
            self.taken_count += 1
            self._cond.notify_all()
            return item

    def close(self) -> None:
        """Wake every waiter; later ``put`` calls are ignored, ``get`` drains what is left."""
        with self._cond:
            self._closed = True
            self._cond.notify_all()

    @property
    def closed(self) -> bool:
        return self._closed

    def reset_counts(self) -> None:
        with self._cond:
            self.put_count = self.taken_count = self.dropped_count = 0


@dataclass(frozen=True)
class RateStats:
    """What the status bar shows: processed frames/s, capture-to-result latency, drops."""

    fps: float
    latency_ms: float
    latency_p95_ms: float
    dropped: int


class RateMeter:
    """Frames/s and latency over a sliding window of the last ``window_s`` seconds."""

    def __init__(self, window_s: float = 2.0, clock=time.monotonic) -> None:
        self.window_s = window_s
        self._clock = clock
        self._events: deque[tuple[float, float]] = deque()  # (done time, latency s)

    def add(self, latency_s: float, now: float | None = None) -> None:
        now = self._clock() if now is None else now
        self._events.append((now, latency_s))
        while self._events and now - self._events[0][0] > self.window_s:
            self._events.popleft()

    def stats(self, dropped: int = 0, now: float | None = None) -> RateStats:
        now = self._clock() if now is None else now
        while self._events and now - self._events[0][0] > self.window_s:
            self._events.popleft()
        n = len(self._events)
        if n == 0:
            return RateStats(0.0, 0.0, 0.0, dropped)
        span = now - self._events[0][0] if n > 1 else self.window_s
        # n events in the window mean n-1 intervals between the first and the last one.
        fps = (n - 1) / max(self._events[-1][0] - self._events[0][0], 1e-6) if n > 1 else 1.0 / max(span, 1e-6)
        lat = sorted(e[1] for e in self._events)
        mean = sum(lat) / n
        p95 = lat[min(n - 1, int(round(0.95 * (n - 1))))]
        return RateStats(fps, mean * 1000.0, p95 * 1000.0, dropped)
