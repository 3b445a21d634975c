"""Patient picker/creator (pseudonymous), session notes and pain scores, save, report, history."""

from __future__ import annotations

from collections.abc import Sequence

from PySide6.QtCore import Signal
from PySide6.QtWidgets import (
    QComboBox,
    QGridLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QPushButton,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from app.core.angles import DIRECTION_LABELS, DIRECTIONS
from app.store.patient_list import matches
from app.ui.widgets import push_button

NO_PAIN = -1  # spin box value shown as "–": pain not asked


class PatientPanel(QGroupBox):
    patient_selected = Signal(str)  # pseudonym
    new_patient_requested = Signal()
    save_requested = Signal()
    export_requested = Signal()
    history_requested = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__("Patient and session", parent)
        self.search = QLineEdit()
        self.search.setPlaceholderText("search ID or name…")
        self.search.setClearButtonEnabled(True)
        self.search.textChanged.connect(self._filter)
        self.patient = QComboBox()
        self.patient.setPlaceholderText("choose a patient…")
        self.patient.setMinimumContentsLength(10)
        self.patient.activated.connect(self._activated)
        self.new_button = QPushButton("New patient…")
        self.new_button.setToolTip("A form: pseudonymous ID generated, name, birth year, sex and notes optional")
        self.new_button.clicked.connect(self.new_patient_requested)
        self._all: list[tuple[str, str]] = []
        self._current: str | None = None
        self.session = QLabel("no session recording")
        self.session.setWordWrap(True)
        self.notes = QPlainTextEdit()
        self.notes.setPlaceholderText("Session notes")
        self.notes.setMaximumHeight(60)
        self.pain: dict[str, QSpinBox] = {}
        pain_grid = QGridLayout()
        pain_grid.setHorizontalSpacing(4)
        pain_grid.addWidget(QLabel("Pain 0–10:"), 0, 0, 1, 6)
        for i, direction in enumerate(DIRECTIONS):
            spin = QSpinBox()
            spin.setRange(NO_PAIN, 10)
            spin.setSpecialValueText("–")
            spin.setValue(NO_PAIN)
            spin.setToolTip(f"pain during {DIRECTION_LABELS[direction]}")
            short = DIRECTION_LABELS[direction].replace("lateral flexion", "lat. flex.").replace("rotation", "rot.")
            pain_grid.addWidget(QLabel(short), 1 + i // 3, 2 * (i % 3))
            pain_grid.addWidget(spin, 1 + i // 3, 2 * (i % 3) + 1)
            self.pain[direction] = spin
        self.save_button = push_button("Save session", self.save_requested)
        self.export_button = push_button("Export report…", self.export_requested)
        self.history_button = push_button("Previous sessions…", self.history_requested)
        picker = QHBoxLayout()
        picker.addWidget(self.search)
        picker.addWidget(self.patient, 1)
        picker.addWidget(self.new_button)
        buttons = QHBoxLayout()
        for b in (self.save_button, self.export_button, self.history_button):
            buttons.addWidget(b)
        layout = QVBoxLayout(self)
        layout.addLayout(picker)
        layout.addWidget(self.session)
        layout.addWidget(self.notes)
        layout.addLayout(pain_grid)
        layout.addLayout(buttons)

    def set_patients(self, patients: Sequence[tuple[str, str]], current: str | None) -> None:
        """``patients``: (pseudonym, label) pairs (app.store.patient_list.labelled)."""
        self._all, self._current = list(patients), current
        self._filter(self.search.text())

    def _filter(self, query: str) -> None:
        shown = [(p, label) for p, label in self._all if matches(label, query)]
        self.patient.blockSignals(True)
        self.patient.clear()
        for pseudonym, label in shown:
            self.patient.addItem(label, pseudonym)
        index = self.patient.findData(self._current) if self._current is not None else -1
        self.patient.setCurrentIndex(index)
        self.patient.blockSignals(False)

    def _activated(self, index: int) -> None:
        pseudonym = self.patient.itemData(index)
        if pseudonym:
            self.patient_selected.emit(str(pseudonym))

    def shown_patients(self) -> list[str]:
        return [self.patient.itemText(i) for i in range(self.patient.count())]

    def pain_scores(self) -> dict[str, int]:
        return {d: s.value() for d, s in self.pain.items() if s.value() != NO_PAIN}

    def clear_session_inputs(self) -> None:
        self.notes.clear()
        for spin in self.pain.values():
            spin.setValue(NO_PAIN)
