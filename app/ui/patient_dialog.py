"""The new-patient form: a pseudonymous ID (generated unless typed), optional name, birth year,
sex and notes, checked by app.store.patient_fields.validate_patient_fields before it closes."""

from __future__ import annotations

from dataclasses import dataclass

from PySide6.QtWidgets import QComboBox, QDialog, QDialogButtonBox, QFormLayout, QLabel, QLineEdit, QPlainTextEdit, QWidget

from app.errors import InputError
from app.store.patient_fields import SEXES, PatientFields, validate_patient_fields
from app.ui.theme import BAD_COLOR


@dataclass(frozen=True)
class NewPatient:
    """What the form gives: checked patient fields and notes for the session that follows."""

    fields: PatientFields
    notes: str = ""


class NewPatientDialog(QDialog):
    def __init__(self, names_encrypted: bool, names_locked: bool = False, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("New patient")
        self.pseudonym = QLineEdit()
        self.pseudonym.setPlaceholderText("generated (e.g. P-7K3Q9X)")
        self.name = QLineEdit()
        self.name.setPlaceholderText("optional")
        self.birth_year = QLineEdit()
        self.birth_year.setPlaceholderText("optional, e.g. 1962")
        self.sex = QComboBox()
        self.sex.addItem("–", "")
        for s in SEXES:
            self.sex.addItem(s, s)
        self.notes = QPlainTextEdit()
        self.notes.setPlaceholderText("optional: saved with this patient's next session")
        self.notes.setMaximumHeight(70)
        privacy = ("Names and birth years are encrypted at rest." if names_encrypted else
                   "Names are stored in clear: set a passphrase (File › Set passphrase…) to encrypt them.")
        if names_locked:
            privacy = "Names are encrypted and locked (no passphrase given): only the ID can be stored."
            self.name.setEnabled(False)
            self.birth_year.setEnabled(False)
        self.error = QLabel("")
        self.error.setStyleSheet(f"color: {BAD_COLOR};")
        self.error.setWordWrap(True)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel)
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        form = QFormLayout(self)
        form.addRow("Patient ID", self.pseudonym)
        form.addRow("Name", self.name)
        form.addRow("Birth year", self.birth_year)
        form.addRow("Sex", self.sex)
        form.addRow("Notes", self.notes)
        note = QLabel(privacy)
        note.setWordWrap(True)
        form.addRow(note)
        form.addRow(self.error)
        form.addRow(buttons)
        self.result_value: NewPatient | None = None

    def values(self) -> NewPatient:
        """The checked fields (InputError with one line when one is impossible)."""
        fields = validate_patient_fields(
            self.pseudonym.text(), self.name.text(), self.birth_year.text(), None, str(self.sex.currentData() or ""),
        )  # fmt: skip
        return NewPatient(fields, self.notes.toPlainText().strip())

    def accept(self) -> None:
        try:
            self.result_value = self.values()
        except InputError as exc:
            self.error.setText(str(exc))  # the form stays open: correct and press OK again
            return
        super().accept()

    @classmethod
    def ask(cls, names_encrypted: bool, names_locked: bool, parent: QWidget | None = None) -> NewPatient | None:
        dialog = cls(names_encrypted, names_locked, parent)
        return dialog.result_value if dialog.exec() else None
