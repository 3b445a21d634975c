"""Small dialogs: interrupted sessions (resume?), previous sessions of a patient, report preview, settings."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from PySide6.QtCore import Qt, QUrl
from PySide6.QtGui import QDesktopServices, QPixmap
from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QDoubleSpinBox,
    QFormLayout,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QPushButton,
    QScrollArea,
    QTabWidget,
    QTableWidget,
    QTableWidgetItem,
    QTextBrowser,
    QVBoxLayout,
    QWidget,
)

from app.core.angles import DIRECTION_LABELS, DIRECTIONS
from app.core.camera_model import DEFAULT_HFOV_DEG, HFOV_RANGE_DEG, CameraCalibration
from app.core.live_session import InterruptedSession
from app.core.norms import NORM_SETS, asymmetries, get_norm_set
from app.local_time import local_time_text
from app.ui.settings import AppSettings


class _SessionTableDialog(QDialog):
    """A dialog around a read-only table of sessions, one a row, the last (newest) selected."""

    def _session_table(self, session_ids: Sequence[int], headers: Sequence[str], rows: Sequence[Sequence[str]],
                       single_selection: bool = False) -> None:
        """Builds ``self.table``; ``session_ids[row]`` is the session shown in that row."""
        self.session_ids = list(session_ids)
        table = QTableWidget(len(rows), len(headers))
        table.setHorizontalHeaderLabels(list(headers))
        table.verticalHeader().setVisible(False)
        table.setSelectionBehavior(QTableWidget.SelectionBehavior.SelectRows)
        if single_selection:
            table.setSelectionMode(QTableWidget.SelectionMode.SingleSelection)
        table.setEditTriggers(QTableWidget.EditTrigger.NoEditTriggers)
        table.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        for row, cells in enumerate(rows):
            for col, text in enumerate(cells):
                table.setItem(row, col, QTableWidgetItem(text))
        if rows:
            table.selectRow(len(rows) - 1)
        self.table = table

    def selected_session(self) -> int | None:
        rows = self.table.selectionModel().selectedRows()
        return self.session_ids[rows[0].row()] if rows else None


class SessionsDialog(_SessionTableDialog):
    """The patient's sessions with their recorded values; choosing one opens its report preview."""

    def __init__(self, pseudonym: str, sessions: Sequence[Any], recorded: dict[int, dict[str, float | None]], parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle(f"Previous sessions — {pseudonym}")
        rows = []
        for s in sessions:
            values = recorded.get(s.id, {})
            cells = [str(s.id), local_time_text(s.started_at, offset=False), s.status]
            rows.append(cells + ["–" if values.get(d) is None else f"{values[d]:.0f}°" for d in DIRECTIONS])
        headers = ["Session", "Started", "Status", *[DIRECTION_LABELS[d] for d in DIRECTIONS]]
        self._session_table([s.id for s in sessions], headers, rows)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Open | QDialogButtonBox.StandardButton.Close)
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        self.table.doubleClicked.connect(self.accept)
        layout = QVBoxLayout(self)
        layout.addWidget(self.table)
        layout.addWidget(buttons)
        self.resize(900, 320)


class ResumeDialog(_SessionTableDialog):
    """Sessions a crash left open: resume the selected one, or close them all as interrupted."""

    def __init__(self, offers: Sequence[InterruptedSession], parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Interrupted sessions")
        rows = [
            (str(o.session_id), o.pseudonym, local_time_text(o.started_at, offset=False), str(o.samples),
             "–" if o.last_time_s is None else f"{o.last_time_s:.1f} s")
            for o in offers
        ]
        headers = ["Session", "Patient", "Started", "Samples stored", "Last sample"]
        self._session_table([o.session_id for o in offers], headers, rows, single_selection=True)
        buttons = QDialogButtonBox()
        self.resume_button = buttons.addButton("Resume", QDialogButtonBox.ButtonRole.AcceptRole)
        self.close_button = buttons.addButton("Close as interrupted", QDialogButtonBox.ButtonRole.RejectRole)
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        text = QLabel(
            "cervicam stopped while recording. Resume the selected session (new samples are added after "
            "the stored ones; hold neutral and calibrate first), or close them as interrupted (samples kept)."
        )
        text.setWordWrap(True)
        layout = QVBoxLayout(self)
        layout.addWidget(text)
        layout.addWidget(self.table)
        layout.addWidget(buttons)
        self.resize(720, 260)

    @classmethod
    def ask(cls, offers: Sequence[InterruptedSession], parent: QWidget | None = None) -> int | None:
        """The session to resume, or None (Close as interrupted, or the dialog dismissed)."""
        dialog = cls(offers, parent)
        return dialog.selected_session() if dialog.exec() else None


def report_html(session: Any, pseudonym: str, recorded: dict[str, float | None], previous: dict[str, float | None] | None) -> str:
    """The report's first page as HTML: values against the norms, asymmetry, change since last."""
    norm_set = get_norm_set(session.norm_set or "ama")
    rows = []
    for d in DIRECTIONS:
        v, norm = recorded.get(d), norm_set.norm_for(d)
        prev = None if previous is None else previous.get(d)
        pct = "–" if v is None else f"{100 * v / norm:.0f}%"
        delta = "–" if v is None or prev is None else f"{v - prev:+.0f}°"
        rows.append(
            f"<tr><td>{DIRECTION_LABELS[d]}</td><td align=right>{'–' if v is None else f'{v:.0f}°'}</td>"
            f"<td align=right>{norm:.0f}°</td><td align=right>{pct}</td><td align=right>{delta}</td>"
            f"<td align=right>{session.pain.get(d, '–')}</td></tr>"
        )
    asym = "".join(f"<li>{a.text}</li>" for a in asymmetries(recorded))
    return (
        f"<h2>Cervical range of motion — {pseudonym}</h2>"
        f"<p>Session {session.id}, {local_time_text(session.started_at)}, engine {session.engine or '–'}, "
        f"source {session.camera or '–'}</p>"
        "<table border=1 cellspacing=0 cellpadding=4>"
        "<tr><th>Motion</th><th>Recorded</th><th>Norm</th><th>% of norm</th><th>Change since last</th><th>Pain</th></tr>"
        + "".join(rows)
        + "</table>"
        f"<h3>Left/right asymmetry</h3><ul>{asym}</ul>"
        f"<p><small>Norms: {norm_set.name} — {norm_set.source}</small></p>"
        + (f"<h3>Notes</h3><p>{session.notes}</p>" if session.notes else "")
    )


class ReportPreview(QDialog):
    """The report as it will print (page images), its summary, the written files, Open PDF."""

    def __init__(self, html: str, files: Sequence[Path], pages: Sequence[bytes] = (), parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Report preview")
        self.tabs = QTabWidget()
        self.page_labels: list[QLabel] = []
        if pages:
            holder = QWidget()
            column = QVBoxLayout(holder)
            for png in pages:
                pixmap = QPixmap()
                pixmap.loadFromData(png, "PNG")
                label = QLabel()
                label.setPixmap(pixmap)
                label.setAlignment(Qt.AlignmentFlag.AlignHCenter)
                column.addWidget(label)
                self.page_labels.append(label)
            scroll = QScrollArea()
            scroll.setWidget(holder)
            scroll.setWidgetResizable(True)
            self.tabs.addTab(scroll, "Report pages")
        self.browser = QTextBrowser()
        self.browser.setHtml(html)
        self.tabs.addTab(self.browser, "Summary")
        self.files = [Path(f) for f in files]
        listing = QLabel("<br>".join(f"Written: {f}" for f in self.files) or "Not exported yet: File › Export report")
        listing.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        buttons.rejected.connect(self.reject)
        pdfs = [f for f in self.files if f.suffix == ".pdf"]
        if pdfs:
            open_pdf = QPushButton("Open PDF")
            open_pdf.clicked.connect(lambda: self.open_pdf(pdfs[0]))
            buttons.addButton(open_pdf, QDialogButtonBox.ButtonRole.ActionRole)
        self.open_problem = QLabel("")
        self.open_problem.setWordWrap(True)
        self.open_problem.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        layout = QVBoxLayout(self)
        layout.addWidget(self.tabs, 1)
        layout.addWidget(listing)
        layout.addWidget(self.open_problem)
        layout.addWidget(buttons)
        self.resize(720, 700)

    def open_pdf(self, path: Path) -> bool:
        """Open in the system's PDF viewer; say so when there is none (Qt only returns False)."""
        opened = QDesktopServices.openUrl(QUrl.fromLocalFile(str(path)))
        self.open_problem.setText("" if opened else f"No PDF viewer could open it: the report is at {path}")
        return bool(opened)


class FieldOfViewBox(QDoubleSpinBox):
    """The field of view: one step below the range means "not set" (62° assumed); Up from there
    goes to the assumed 62°, not to the range's 20°."""

    def stepBy(self, steps: int) -> None:  # noqa: N802 (Qt's name)
        if self.value() < HFOV_RANGE_DEG[0] and steps > 0:
            self.setValue(DEFAULT_HFOV_DEG)
            return
        if self.value() >= HFOV_RANGE_DEG[0] and self.value() + steps * self.singleStep() < HFOV_RANGE_DEG[0]:
            self.setValue(self.minimum())  # below 20°: back to "not set"
            return
        super().stepBy(steps)


class SettingsDialog(QDialog):
    """Engine, model file, device, norms, calibration length, camera field of view, data folder."""

    def __init__(self, settings: AppSettings, models: Sequence[str] = (), parent: QWidget | None = None,
                 calibration: CameraCalibration | None = None, calibrate: Callable[[], object] | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Settings")
        self.settings = settings
        self.engine = QComboBox()
        self.engine.addItems(["landmarks", "onnx"])
        self.engine.setCurrentText(settings.engine)
        self.model = QComboBox()
        self.model.setEditable(True)
        self.model.addItems(list(models))
        self.model.setCurrentText(settings.model)
        self.device = QComboBox()
        self.device.addItems(["auto", "cpu", "cuda"])
        self.device.setCurrentText(settings.device)
        self.norms = QComboBox()
        for key, ns in NORM_SETS.items():
            self.norms.addItem(ns.name, key)
        self.norms.setCurrentIndex(max(0, list(NORM_SETS).index(settings.norm_set) if settings.norm_set in NORM_SETS else 0))
        self.calibration = QDoubleSpinBox()
        self.calibration.setRange(1.0, 10.0)
        self.calibration.setSuffix(" s")
        self.calibration.setValue(settings.calibration_s)
        self.camera_hfov = FieldOfViewBox()
        # One step below the range means "not set" (Qt shows the special text at the minimum).
        low, high = HFOV_RANGE_DEG
        self.camera_hfov.setRange(low - 1.0, high)
        self.camera_hfov.setDecimals(1)
        self.camera_hfov.setSuffix(" °")
        self.camera_hfov.setSpecialValueText(f"not set ({DEFAULT_HFOV_DEG:g}° assumed)")
        self.camera_hfov.setValue(settings.camera_hfov_deg if settings.camera_hfov_deg else low - 1.0)
        self.camera_hfov.setToolTip(
            "The webcam's horizontal field of view (data sheet). Flexion and extension depend on it;\n"
            "a data sheet's diagonal D for a 4:3 image is about 2·atan(0.8·tan(D/2)), for 16:9 2·atan(0.87·tan(D/2))."
        )
        self.clinician = QLineEdit(settings.clinician)
        self.clinician.setPlaceholderText("name or initials, on sessions and reports")
        self.data_dir = QLineEdit(settings.data_dir)
        self.data_dir.setPlaceholderText("default user data folder")
        form = QFormLayout(self)
        form.addRow("Clinician", self.clinician)
        form.addRow("Pose engine", self.engine)
        form.addRow("ONNX model", self.model)
        form.addRow("Device", self.device)
        form.addRow("Norms", self.norms)
        form.addRow("Neutral hold", self.calibration)
        form.addRow("Camera field of view (horizontal)", self.camera_hfov)
        form.addRow("Camera calibration", self._calibration_row(calibration, calibrate))
        form.addRow("Data folder", self.data_dir)
        form.addRow(QLabel("Everything applies when you press OK (a new engine, model, device or field of view\n"
                           "asks for a new neutral calibration), except the data folder: it applies the next\n"
                           "time cervicam starts."))
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel)
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        form.addRow(buttons)

    def _calibration_row(self, calibration: CameraCalibration | None, calibrate: Callable[[], object] | None) -> QHBoxLayout:
        self.camera_calibration = QLabel(
            f"measured {calibration.hfov_deg:.1f}° on {calibration.measured_on} (used instead of the field of view above)"
            if calibration is not None else "not measured: calibrate once with a printed pattern")
        self.calibrate_button = QPushButton("Calibrate…")
        self.calibrate_button.setEnabled(calibrate is not None)
        if calibrate is not None:
            self.calibrate_button.clicked.connect(lambda: (self.reject(), calibrate()))
        calibration_row = QHBoxLayout()
        calibration_row.addWidget(self.camera_calibration, 1)
        calibration_row.addWidget(self.calibrate_button)
        return calibration_row

    def apply(self) -> AppSettings:
        s = self.settings
        s.engine, s.model, s.device = self.engine.currentText(), self.model.currentText(), self.device.currentText()
        s.norm_set = str(self.norms.currentData())
        s.calibration_s = float(self.calibration.value())
        hfov = float(self.camera_hfov.value())
        s.camera_hfov_deg = 0.0 if hfov < HFOV_RANGE_DEG[0] else hfov
        s.data_dir = self.data_dir.text().strip()
        s.clinician = " ".join(self.clinician.text().split())
        return s
