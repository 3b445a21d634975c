"""Status bar: source and its state, engine and provider, model card, frames/s, latency, drops."""

from __future__ import annotations

from PySide6.QtWidgets import QLabel, QStatusBar, QWidget

from app.core.latest import RateStats
from app.core.measurement_health import Health
from app.ui.theme import WARN_COLOR


class StatusBar(QStatusBar):
    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.source = QLabel("no source")
        self.engine = QLabel("engine –")
        self.rate = QLabel("– fps")
        self.latency = QLabel("latency –")
        self.dropped = QLabel("dropped 0")
        self.health = QLabel("")
        for w in (self.health, self.source, self.engine, self.rate, self.latency, self.dropped):
            self.addPermanentWidget(w)
        self.last_stats: RateStats | None = None

    def set_source(self, text: str) -> None:
        self.source.setText(text)

    def set_engine(self, text: str, tooltip: str = "") -> None:
        self.engine.setText(text)
        self.engine.setToolTip(tooltip)

    def set_stats(self, stats: RateStats) -> None:
        self.last_stats = stats
        if stats.fps <= 0.0:  # nothing processed lately (paused, ended, no camera): no stale figures
            self.rate.setText("– fps")
            self.latency.setText("latency –")
        else:
            self.rate.setText(f"{stats.fps:4.1f} fps")
            self.latency.setText(f"latency {stats.latency_ms:3.0f} ms (p95 {stats.latency_p95_ms:3.0f})")
        self.dropped.setText(f"dropped {stats.dropped}")

    def set_health(self, health: Health) -> None:
        self.health.setText(f"<b style='color:{WARN_COLOR}'>⚠ degraded</b>" if health.degraded else "")
        self.health.setToolTip(health.text)
