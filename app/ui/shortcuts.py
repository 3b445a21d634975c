"""Hands-free keys (space = start/next, C = calibrate, R = redo trial) that work wherever focus is.

A QShortcut loses its key to a focused push button (space "clicks" the button instead) and the
clinician, standing by the patient, cannot know where focus is. So the keys are taken at the
application level for this window, except in text fields, where a key is text.
"""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import QEvent, QObject, Qt
from PySide6.QtWidgets import QApplication, QComboBox, QLineEdit, QPlainTextEdit, QTextEdit, QWidget


def _is_text_field(widget: QWidget | None) -> bool:
    if isinstance(widget, (QLineEdit, QPlainTextEdit, QTextEdit)):
        return not getattr(widget, "isReadOnly", lambda: False)()
    return isinstance(widget, QComboBox) and widget.isEditable()


class HandsFreeKeys(QObject):
    def __init__(self, window: QWidget, actions: dict[Qt.Key, Callable[[], None]]) -> None:
        super().__init__(window)
        self.window = window
        self.actions = actions
        QApplication.instance().installEventFilter(self)

    def remove(self) -> None:
        app = QApplication.instance()
        if app is not None:
            app.removeEventFilter(self)

    def eventFilter(self, obj: QObject, event: QEvent) -> bool:  # noqa: N802
        if event.type() not in (QEvent.Type.KeyPress, QEvent.Type.ShortcutOverride):
            return False
        if not isinstance(obj, QWidget) or obj.window() is not self.window:
            return False
        key = Qt.Key(event.key())
        if key not in self.actions or event.modifiers() & ~Qt.KeyboardModifier.KeypadModifier:
            return False
        if _is_text_field(obj) or _is_text_field(QApplication.focusWidget()):
            return False
        if event.type() == QEvent.Type.KeyPress and not event.isAutoRepeat():
            self.actions[key]()
        event.accept()
        return True
