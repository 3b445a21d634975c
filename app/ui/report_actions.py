"""The window's report and history actions: export (PDF + CSV), the preview, a patient's history.

Plain functions over the window's controller and panels, so that the window only lays out and
connects (app.ui.main_window keeps one-line slots for them).
"""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

from PySide6.QtWidgets import QFileDialog

from app.report.naming import default_report_path
from app.ui.dialogs import ReportPreview, SessionsDialog, report_html
from app.ui.services import report_page_images

log = logging.getLogger(__name__)


def default_path(store: Any, session_id: int) -> Path:
    """cervicam_<patient>_<date>.pdf in the documents folder (app.report.naming)."""
    session = store.get_session(session_id)
    return default_report_path(store.get_patient(session.patient_id).pseudonym, session.started_at)


def export(window: Any, path: str | Path | None = None) -> list[Path]:
    c = window.controller
    if c.session.recording is not None:
        window.save_session()
    if c.session.last_saved_session_id is None:
        window.status.showMessage("Nothing to report yet: measure and save a session first", 5000)
        return []
    if not path:
        default = default_path(c.store, c.session.last_saved_session_id)
        path, _ = QFileDialog.getSaveFileName(window, "Export report", str(default), "PDF (*.pdf)")
        if not path:
            return []
    files = c.export_report(Path(path))
    window.preview = preview(window, c.session.last_saved_session_id, files)
    window.preview.show()
    return files


def preview(window: Any, session_id: int, files: list[Path]) -> ReportPreview:
    c = window.controller
    store = c.store
    session = store.get_session(session_id)
    previous = store.previous_sessions(session_id)
    prev = store.recorded(previous[-1].id) if previous else None
    patient = store.get_patient(session.patient_id)
    html = report_html(session, patient.pseudonym, store.recorded(session_id), prev)
    try:
        pages = report_page_images(store, session_id, norm_set=c.session.norm_set.key)
    except Exception:  # the preview must open even if drawing the pages fails
        log.exception("report pages could not be drawn")
        pages = []
    return ReportPreview(html, files, pages, window)


def history_dialog(window: Any) -> SessionsDialog | None:
    """The chosen patient's sessions (no session is opened or recorded for looking)."""
    c = window.controller
    if c.store is None or c.patient is None:
        window.status.showMessage("Choose a patient first", 5000)
        return None
    sessions = c.store.sessions(c.patient.id)
    return SessionsDialog(c.patient.pseudonym, sessions, {s.id: c.store.recorded(s.id) for s in sessions}, window)


def show_history(window: Any) -> None:
    dialog = history_dialog(window)
    if dialog is None:
        return
    window.history_dialog = dialog
    if dialog.exec() and (sid := dialog.selected_session()) is not None:
        window.preview = preview(window, sid, [])
        window.preview.show()
