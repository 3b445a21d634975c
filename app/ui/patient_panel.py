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
    QPlainTextEdit,
    QPushButton,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from app.core.angles import DIRECTION_LABELS, DIRECTIONS

NO_PAIN = -1  # spin box value shown as "–": pain not asked


class PatientPanel(QGroupBox):
    patient_selected = Signal(str)  # pseudonym
    new_patient_requested = Signal()
    save_requested = Signal()
    export_requested = Signal()
    history_requested = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__("Patient and session", parent)
        self.patient = QComboBox()
        self.patient.setPlaceholderText("choose a patient…")
        self.patient.setMinimumContentsLength(10)
        self.patient.textActivated.connect(self.patient_selected)
        self.new_button = QPushButton("New patient")
        self.new_button.setToolTip("Creates a pseudonymous ID; no name is stored")
        self.new_button.clicked.connect(self.new_patient_requested)
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
        self.save_button = QPushButton("Save session")
        self.save_button.clicked.connect(self.save_requested)
        self.export_button = QPushButton("Export report…")
        self.export_button.clicked.connect(self.export_requested)
        self.history_button = QPushButton("Previous sessions…")
        self.history_button.clicked.connect(self.history_requested)
        picker = QHBoxLayout()
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

    def set_patients(self, pseudonyms: Sequence[str], current: str | None) -> None:
        self.patient.blockSignals(True)
        self.patient.clear()
        self.patient.addItems(list(pseudonyms))
        if current is not None:
            self.patient.setCurrentText(current)
        self.patient.blockSignals(False)

    def pain_scores(self) -> dict[str, int]:
        return {d: s.value() for d, s in self.pain.items() if s.value() != NO_PAIN}

    def clear_session_inputs(self) -> None:
        self.notes.clear()
        for spin in self.pain.values():
            spin.setValue(NO_PAIN)
