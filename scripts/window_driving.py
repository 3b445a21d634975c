"""Driving the real window offscreen on the dev video, shared by scripts/screenshots.py and
scripts/walkthrough_steps.py.

The real pipeline is wrapped in :class:`PauseAt`, which holds the video at chosen frames so that a
picture shows exactly that moment; :func:`at_frame` waits until the window shows the held frame and
:func:`play_to_end` lets the last held frame go and waits for the video to end.
"""

from __future__ import annotations

import threading
import time
from typing import Any, Callable

from PySide6.QtWidgets import QApplication

from app.ui.workers import ENDED


class PauseAt:
    """The real pipeline, waiting after chosen frames until released (pictures of chosen moments)."""

    def __init__(self, inner: Any, stops: set[int]) -> None:
        self.inner, self.stops = inner, stops
        self.reached, self.resume = threading.Event(), threading.Event()
        self.stopped_at: int | None = None

    def __getattr__(self, name: str) -> Any:
        return getattr(self.inner, name)

    def process(self, frame: Any) -> Any:
        result = self.inner.process(frame)
        if frame.index in self.stops:
            self.stopped_at = frame.index
            self.resume.clear()
            self.reached.set()
            self.resume.wait()  # the capture thread waits here while the GUI thread takes the picture
        return result

    def release(self) -> None:
        self.reached.clear()
        self.resume.set()


def pump(seconds: float) -> None:
    """Run the Qt event loop for ``seconds`` (the window repaints, the controller's timers fire)."""
    end = time.monotonic() + seconds
    while time.monotonic() < end:
        QApplication.instance().processEvents()
        time.sleep(0.005)


def wait_until(predicate: Callable[[], bool], timeout_s: float) -> bool:
    """Pump events until ``predicate()`` holds or ``timeout_s`` passes; returns the last answer."""
    end = time.monotonic() + timeout_s
    while time.monotonic() < end:
        QApplication.instance().processEvents()
        if predicate():
            return True
        time.sleep(0.005)
    return predicate()


def at_frame(controller: Any, window: Any, gate: PauseAt, index: int, timeout_s: float = 180,
             settle_s: float = 0.2) -> None:
    """Wait until the pipeline paused at ``index`` and the window shows that frame."""
    if not wait_until(lambda: gate.reached.is_set() and gate.stopped_at == index, timeout_s):
        raise RuntimeError(f"the video never reached frame {index}")
    wait_until(lambda: controller.latest_frame is not None and controller.latest_frame.index == index, 10)
    pump(settle_s)  # the result reaches the window through queued signals
    window.refresh()
    pump(0.05)


def play_to_end(controller: Any, window: Any, gate: PauseAt, settle_s: float) -> None:
    """Let the held frame go, wait for the video to end, and show the window as it is then."""
    gate.release()
    wait_until(lambda: controller.capture_state == ENDED, 30)
    pump(settle_s)
    window.refresh()
