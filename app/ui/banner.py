"""A banner above the video: no camera (the demo video plays, or is offered), camera lost (session kept)."""

from __future__ import annotations

from PySide6.QtCore import Signal
from PySide6.QtWidgets import QFrame, QHBoxLayout, QLabel, QWidget

from app.ui.theme import BAD_COLOR, WARN_COLOR
from app.ui.widgets import push_button


class Banner(QFrame):
    demo_requested = Signal()
    retry_requested = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.text = QLabel()
        self.text.setWordWrap(True)
        self.demo = push_button("Use the demo video", self.demo_requested)
        self.retry = push_button("Retry camera", self.retry_requested)
        layout = QHBoxLayout(self)
        layout.setContentsMargins(8, 4, 8, 4)
        layout.addWidget(self.text, 1)
        layout.addWidget(self.demo)
        layout.addWidget(self.retry)
        self.kind = ""
        # The space is kept when hidden and the height fixed: the window never jumps when a
        # banner comes or goes (a click meant for a button would land on another).
        policy = self.sizePolicy()
        policy.setRetainSizeWhenHidden(True)
        self.setSizePolicy(policy)
        self.setFixedHeight(max(self.demo.sizeHint().height(), 2 * self.text.fontMetrics().lineSpacing()) + 10)
        self.hide()

    def show_no_camera(self, text: str) -> None:
        self._show("no_camera", BAD_COLOR, f"<b>No camera</b> ({text}). The window works without one: use the shipped demo video to try it.", demo=True)

    def show_demo(self, text: str) -> None:
        """No camera was found at start, so the shipped demo video plays instead."""
        self._show("demo", WARN_COLOR, f"<b>No camera</b> ({text}): showing the shipped demo video instead.", demo=False)

    def show_lost(self, text: str) -> None:
        self._show("lost", WARN_COLOR, f"<b>Camera lost</b> — {text} The session is kept; measuring resumes when the camera is back.", demo=False)

    def show_ended(self, text: str) -> None:
        self._show("ended", WARN_COLOR, f"<b>{text}</b>. Results are kept; save the session or open another source.", demo=False, retry=False)

    def show_disk(self, text: str) -> None:
        """The session writer cannot reach the disk (full, read-only): samples wait in memory."""
        self._show("disk", BAD_COLOR, f"<b>Not saving to disk</b> — {text}. Keep measuring: nothing is lost while cervicam stays open.", demo=False, retry=False)

    def show_degraded(self, text: str) -> None:
        """Low frame rate, dropped frames or low quality: end ranges now are less trustworthy."""
        self._show("degraded", WARN_COLOR, f"<b>{text[0].upper() + text[1:]}</b>. End ranges measured now may read low: "
                   "close other programs, improve the light, or measure again.", demo=False, retry=False)

    def _show(self, kind: str, color: str, html: str, demo: bool, retry: bool = True) -> None:
        self.kind = kind
        self.setStyleSheet(f"Banner {{ background: {color}; border-radius: 4px; }} QLabel {{ color: white; }}")
        self.text.setText(html)
        self.demo.setVisible(demo)
        self.retry.setVisible(retry)
        self.show()

    def clear(self) -> None:
        self.kind = ""
        self.hide()
