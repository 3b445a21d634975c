"""The window's Export proposes cervicam_<patient>_<date>.pdf in the documents folder
(app.report.naming), not cervicam_session_<n>.pdf in the home folder."""

from __future__ import annotations

from app.ui.workers import SourceSpec
from tests.ui.fakes import NoCamera, TruthPipeline
from tests.ui.helpers import build_window


def test_export_dialog_proposes_patient_and_date_in_documents(qtbot, store, demo_truth, tmp_path, monkeypatch):
    docs = tmp_path / "Documents"
    docs.mkdir()
    monkeypatch.setattr("platformdirs.user_documents_dir", lambda: str(docs))
    patient = store.create_patient()
    session = store.start_session(patient.id, started_at="2026-05-01T10:00:00+00:00")
    store.close_session(session.id)
    controller, window = build_window(TruthPipeline(demo_truth), SourceSpec(camera=0), store=store, capture_factory=NoCamera())
    qtbot.addWidget(window)
    controller.session.last_saved_session_id = session.id
    proposed = []

    def dialog(parent, title, default, filters):
        proposed.append(default)
        return "", ""  # the clinician cancels

    monkeypatch.setattr("app.ui.report_actions.QFileDialog.getSaveFileName", dialog)
    assert window.export_report() == []
    assert len(proposed) == 1 and proposed[0].startswith(str(docs))
    name = proposed[0][len(str(docs)) + 1 :]
    assert name.startswith(f"cervicam_{patient.pseudonym}_2026-05-0") and name.endswith(".pdf")
    window.close()
