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
