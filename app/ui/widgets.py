"""Widget helpers the panels and dialogs share."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from PySide6.QtCore import SignalInstance
from PySide6.QtWidgets import QPushButton


def push_button(text: str, on_click: Callable[..., Any] | SignalInstance) -> QPushButton:
    """A push button wired to ``on_click`` (a slot, or a signal the panel re-emits to its window)."""
    button = QPushButton(text)
    button.clicked.connect(on_click)
    return button
