"""Ask for the passphrase of a database whose patient names are encrypted (GUI start)."""

from __future__ import annotations

import logging
from typing import Any, Callable

from PySide6.QtWidgets import QInputDialog, QLineEdit, QMessageBox

from app.errors import InputError

log = logging.getLogger(__name__)

Ask = Callable[[str], "tuple[str, bool]"]


def _ask(prompt: str) -> tuple[str, bool]:
    return QInputDialog.getText(None, "cervicam", prompt, QLineEdit.EchoMode.Password)


def unlock_identities(store: Any, ask: Ask = _ask, tries: int = 3) -> bool:
    """Prompt until the names unlock, the user cancels (measuring goes on, names hidden), or
    ``tries`` wrong answers. Returns whether the names are readable."""
    if store is None or not store.vault.enabled or store.vault.unlocked:
        return store is not None and store.vault.unlocked
    prompt = "Patient names are encrypted. Passphrase (Cancel: work with pseudonyms only):"
    for _ in range(tries):
        text, ok = ask(prompt)
        if not ok or not text:
            return False
        try:
            store.vault.unlock(text)
            return True
        except InputError as exc:
            log.warning("%s", exc)
            prompt = "Wrong passphrase. Try again (Cancel: pseudonyms only):"
    QMessageBox.warning(None, "cervicam", "Wrong passphrase: patient names stay hidden; measuring and saving work as usual.")
    return False


def set_passphrase(store: Any, parent: Any = None) -> bool:
    """Ask a new passphrase twice and encrypt the stored names with it; True once set."""
    from PySide6.QtWidgets import QDialog, QDialogButtonBox, QFormLayout, QLabel

    from app.privacy.passphrase_rule import check_new_passphrase

    if store is None or store.vault.enabled:
        QMessageBox.information(parent, "cervicam", "Patient names are already encrypted." if store else "No session store.")
        return False
    dialog = QDialog(parent)
    dialog.setWindowTitle("Set passphrase")
    first, second = QLineEdit(), QLineEdit()
    for edit in (first, second):
        edit.setEchoMode(QLineEdit.EchoMode.Password)
    error = QLabel("")
    buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel)
    form = QFormLayout(dialog)
    form.addRow(QLabel("Names and birth years will be encrypted at rest. Keep the passphrase safe: it cannot be recovered."))
    form.addRow("Passphrase", first)
    form.addRow("Again", second)
    form.addRow(error)
    form.addRow(buttons)

    def accept() -> None:
        try:
            store.vault.enable(check_new_passphrase(first.text(), second.text()))
        except InputError as exc:
            error.setText(str(exc))
            return
        dialog.accept()

    buttons.accepted.connect(accept)
    buttons.rejected.connect(dialog.reject)
    return bool(dialog.exec())


def first_start_word(store: Any, settings: Any, parent: Any = None) -> None:
    """Say once, at the first start on an unencrypted database, what the passphrase is for."""
    from app.privacy.passphrase_rule import FIRST_START_WORD, should_say_first_word

    if store is None or not should_say_first_word(store.vault.enabled, settings.passphrase_word_shown):
        return
    settings.passphrase_word_shown = True
    box = QMessageBox(QMessageBox.Icon.Information, "cervicam — patient names", FIRST_START_WORD, parent=parent)
    set_now = box.addButton("Set passphrase…", QMessageBox.ButtonRole.AcceptRole)
    box.addButton("Not now", QMessageBox.ButtonRole.RejectRole)
    box.exec()
    if box.clickedButton() is set_now:
        set_passphrase(store, parent)
