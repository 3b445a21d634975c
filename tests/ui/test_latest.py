"""The latest-wins slot and the rate meter, without Qt."""

from __future__ import annotations

import threading
import time

import pytest

from app.core.latest import LatestSlot, RateMeter


def test_put_replaces_and_counts_drops() -> None:
    slot: LatestSlot[int] = LatestSlot()
    assert slot.put(1) is False
    assert slot.put(2) is True
    assert slot.put(3) is True
    assert slot.get(timeout=0) == 3
    assert slot.get(timeout=0) is None
    assert (slot.put_count, slot.taken_count, slot.dropped_count) == (3, 1, 2)


def test_slow_consumer_always_gets_newest_and_drops_the_rest() -> None:
    slot: LatestSlot[int] = LatestSlot()
    got: list[int] = []

    def consume() -> None:
        while True:
            item = slot.get(timeout=1.0)
            if item is None:
                return
            got.append(item)
            time.sleep(0.01)  # slower than the producer

    t = threading.Thread(target=consume)
    t.start()
    for i in range(200):
        slot.put(i)
        time.sleep(0.001)
    slot.close()
    t.join(timeout=5)
    assert got == sorted(got) and got[-1] == 199
    assert slot.dropped_count == 200 - len(got) > 50
    assert slot.put_count == 200


def test_blocking_put_loses_nothing() -> None:
    slot: LatestSlot[int] = LatestSlot()
    got: list[int] = []

    def consume() -> None:
        while (item := slot.get(timeout=1.0)) is not None:
            got.append(item)
            time.sleep(0.001)

    t = threading.Thread(target=consume)
    t.start()
    for i in range(100):
        slot.put(i, block=True, timeout=2.0)
    time.sleep(0.05)
    slot.close()
    t.join(timeout=5)
    assert got == list(range(100)) and slot.dropped_count == 0


def test_close_wakes_waiting_get() -> None:
    slot: LatestSlot[int] = LatestSlot()
    threading.Timer(0.05, slot.close).start()
    t0 = time.monotonic()
    assert slot.get(timeout=5.0) is None
    assert time.monotonic() - t0 < 2.0
    assert slot.put(5) is False and slot.get(timeout=0) is None


def test_rate_meter_fps_and_latency() -> None:
    meter = RateMeter(window_s=2.0)
    for i in range(61):  # 30 results/s for 2 s, each 40 ms after capture
        meter.add(0.040, now=10.0 + i / 30.0)
    stats = meter.stats(dropped=4, now=12.0)
    assert stats.fps == pytest.approx(30.0, rel=0.05)
    assert stats.latency_ms == pytest.approx(40.0)
    assert stats.dropped == 4
    assert meter.stats(now=20.0).fps == 0.0  # window emptied
