"""What the window shows about its source, the disk and the measurement's health (banner, status bar).

Functions over the window's panels (app.ui.main_window keeps one-line slots for them)."""

from __future__ import annotations

from typing import Any

from app.core.measurement_health import Health
from app.ui import workers


def show_disk_state(window: Any) -> None:
    """Warn while the session writer keeps samples in memory (disk full or read-only)."""
    rec = window.controller.session.recording
    warning = getattr(rec.writer, "warning", None) if rec is not None else None
    warning = warning or (window.controller.session.trials_warning if rec is not None else None)
    # Unsaved samples outrank "end of video"; a camera banner (none, lost, demo) keeps its place.
    if warning and window.banner.kind in ("", "disk", "ended", "degraded"):
        window.banner.show_disk(warning)
    elif not warning and window.banner.kind == "disk":
        window.banner.clear()


def show_source_state(window: Any, state: str, text: str) -> None:
    window.status.set_source(text)
    is_camera = not window.controller.source.is_file
    if state == workers.FAILED and is_camera and not window.camera_ran and window.source_bar.demo_video is not None:
        # No camera at start: the app still starts on something to measure, and says so.
        window.source_bar.choose_demo()
        window.demo_instead_of = text
    elif state == workers.FAILED:
        window.banner.show_no_camera(text) if is_camera else window.banner.show_ended(text)
        window.video.view.message = text
    elif state == workers.LOST:
        window.banner.show_lost(text)
        window.video.view.message = "camera lost — reconnecting…"
    elif state == workers.ENDED:
        window.banner.show_ended(text)
        window.video.view.message = ""
    elif state == workers.RUNNING:
        window.camera_ran |= is_camera
        window.banner.show_demo(window.demo_instead_of) if window.demo_instead_of else window.banner.clear()
        window.video.view.message = ""
    window.video.view.update()



def show_health(window: Any, health: Health) -> None:
    """A degraded measurement is said while it happens: status bar, and the banner when free."""
    window.status.set_health(health)
    if health.degraded and window.banner.kind in ("", "degraded"):
        window.banner.show_degraded(health.text)
    elif not health.degraded and window.banner.kind == "degraded":
        window.banner.clear()
