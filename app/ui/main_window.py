"""The clinician's window: lays out the panels and connects them to the controller. No logic here."""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Callable

from PySide6.QtCore import QSettings, Qt, QTimer
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import QMainWindow, QMessageBox, QSplitter, QTabWidget, QVBoxLayout, QWidget

from app.core.live_session import ChooseResume
from app.core.safe_actions import Action, close_decision, redo_decision
from app.ui import workers
from app.ui.banner import Banner
from app.ui.calibration_panel import CalibrationPanel
from app.ui.controller import LiveController
from app.ui import report_actions, settings_actions, status_actions
from app.ui.dialogs import ReportPreview, ResumeDialog, SettingsDialog
from app.ui.maxima_panel import MaximaPanel
from app.ui.patient_panel import PatientPanel
from app.ui.plots_panel import PlotsPanel
from app.ui.protocol_panel import ProtocolPanel
from app.ui.calibration_dialog import CameraCalibrationDialog
from app.ui.patient_dialog import NewPatient, NewPatientDialog
from app.ui.services import calibration_store, camera_assumption, stored_calibration
from app.ui.settings import AppSettings
from app.ui.shortcuts import HandsFreeKeys
from app.ui.source_bar import SourceBar
from app.ui.status import StatusBar
from app.ui.video_panel import VideoPanel

log = logging.getLogger(__name__)


class MainWindow(QMainWindow):
    def __init__(
        self, controller: LiveController, settings: AppSettings, qsettings: QSettings | None = None,
        demo_video: Path | None = None, choose_resume: ChooseResume | None = None,
        confirm: Callable[[str], bool] | None = None,
        ask_patient: Callable[[bool, bool], NewPatient | None] | None = None,
    ) -> None:  # fmt: skip
        super().__init__()
        # Which interrupted session to resume (None: close them); tests pass an answer instead.
        self.choose_resume: ChooseResume = choose_resume or (lambda offers: ResumeDialog.ask(offers, self))
        # Yes/no to a question before a destructive action (app.core.safe_actions); tests answer.
        self.confirm: Callable[[str], bool] = confirm or self._ask
        # The new-patient form's answer (names encrypted?, names locked?); tests answer.
        self.ask_patient = ask_patient or (lambda encrypted, locked: NewPatientDialog.ask(encrypted, locked, self))
        self._closing_confirmed = False
        self.setWindowTitle("cervicam — cervical range of motion")
        self.controller = controller
        self.settings = settings
        self.qsettings = qsettings
        self.video = VideoPanel()
        self.video.mirror.setChecked(settings.mirror)
        self.video.landmarks.setChecked(settings.show_landmarks)
        self.plots = PlotsPanel()
        self.maxima = MaximaPanel()
        self.calibration = CalibrationPanel(settings.calibration_s)
        self.protocol = ProtocolPanel()
        self.protocol.trials.setValue(settings.trials)
        self.protocol.warmups.setValue(settings.warmups)
        self.patient = PatientPanel()
        self.banner = Banner()
        self.camera_ran = False  # a camera delivered frames once: losing it later is "lost", not "none"
        self.demo_instead_of = ""  # why the demo video plays instead of the camera ("" = it does not)
        self.source_bar = SourceBar(demo_video)
        self.source_bar.set_camera(settings.camera, settings.width, settings.height)
        self.status = StatusBar()
        self.setStatusBar(self.status)
        self._layout()
        self._menus()
        self._shortcuts()
        self._connect()
        norms = dict(controller.session.norm_set.values)
        self.plots.set_norms(norms)
        self.maxima.set_norms(norms)
        self.status.set_engine(controller.engine.label, controller.engine.tooltip)
        self.status.set_source(controller.source.describe())
        self._refresh_patients()
        # Repaint on a timer, not per result: painting cost stays bounded whatever the frame rate.
        self.timer = QTimer(self)
        self.timer.setInterval(33)
        self.timer.timeout.connect(self.refresh)
        self.timer.start()
        self._ticks = 0
        self._plots_seen = -1
        if settings.geometry:
            self.restoreGeometry(settings.geometry)
        else:
            self.resize(1320, 760)

    # ----- layout --------------------------------------------------------------------------------
    def _layout(self) -> None:
        left = QSplitter(Qt.Orientation.Vertical)
        left.addWidget(self.video)
        left.addWidget(self.plots)
        left.setStretchFactor(0, 3)
        left.setStretchFactor(1, 2)
        # Inside tabs the tab names the panel: no second title.
        self.protocol.setTitle("")
        self.patient.setTitle("")
        self.tabs = QTabWidget()
        self.tabs.addTab(self.protocol, "Guided test")
        self.tabs.addTab(self.patient, "Patient && session")
        right = QWidget()
        rl = QVBoxLayout(right)
        rl.setContentsMargins(0, 0, 0, 0)
        rl.addWidget(self.calibration)
        rl.addWidget(self.tabs, 1)
        rl.addWidget(self.maxima)
        split = QSplitter(Qt.Orientation.Horizontal)
        split.addWidget(left)
        split.addWidget(right)
        split.setStretchFactor(0, 3)
        split.setStretchFactor(1, 2)
        central = QWidget()
        cl = QVBoxLayout(central)
        cl.setContentsMargins(6, 6, 6, 0)
        cl.addWidget(self.source_bar)
        cl.addWidget(self.banner)
        cl.addWidget(split, 1)
        self.setCentralWidget(central)

    def _menus(self) -> None:
        file_menu = self.menuBar().addMenu("&File")
        for text, slot, key in (
            ("Export report…", self.export_report, "Ctrl+E"),
            ("Previous sessions…", self.show_history, "Ctrl+O"),
            ("Save session", self.save_session, "Ctrl+S"),
            ("Settings…", self.show_settings, "Ctrl+,"),
            ("Set passphrase…", self.set_passphrase, ""),
            ("Quit", self.close, "Ctrl+Q"),
        ):
            action = QAction(text, self)
            action.setShortcut(QKeySequence(key))
            action.triggered.connect(slot)
            file_menu.addAction(action)
        camera_menu = self.menuBar().addMenu("&Camera")
        calibrate = QAction("Calibrate camera…", self)
        calibrate.triggered.connect(self.calibrate_camera)
        camera_menu.addAction(calibrate)

    def _shortcuts(self) -> None:
        # Hands-free moments: the clinician stands by the patient and presses one key.
        self.keys = HandsFreeKeys(self, {
            Qt.Key.Key_Space: self.protocol.start_or_next,
            Qt.Key.Key_C: self.controller.calibrate,
            Qt.Key.Key_R: self.redo,
        })  # fmt: skip

    def _connect(self) -> None:
        c = self.controller
        self.calibration.calibrate_requested.connect(c.calibrate)
        self.maxima.reset_requested.connect(c.reset_maxima)
        self.protocol.start_requested.connect(self.start_test)
        self.protocol.next_requested.connect(lambda: c.protocol_action("skip_motion"))
        self.protocol.redo_requested.connect(self.redo)
        self.protocol.finish_requested.connect(lambda: c.protocol_action("finish"))
        self.patient.new_patient_requested.connect(self.new_patient)
        self.patient.patient_selected.connect(c.select_patient)
        self.patient.save_requested.connect(self.save_session)
        self.patient.export_requested.connect(self.export_report)
        self.patient.history_requested.connect(self.show_history)
        self.banner.demo_requested.connect(self.source_bar.choose_demo)
        self.banner.retry_requested.connect(lambda: c.set_source(workers.SourceSpec(camera=self.settings.camera, width=self.settings.width, height=self.settings.height)))
        self.source_bar.source_chosen.connect(self.set_source)
        c.source_state.connect(self._on_source_state)
        c.events.connect(self._on_events)
        c.protocol_changed.connect(self._on_protocol_changed)
        c.session_changed.connect(self._refresh_patients)
        c.message.connect(lambda text: self.status.showMessage(text, 5000))

    # ----- periodic refresh ----------------------------------------------------------------------
    def refresh(self) -> None:
        c = self.controller
        self._ticks += 1
        image = c.latest_image()
        seen = c.session.results_seen
        new_frame = image is not None and c.frames_shown != seen
        if new_frame:
            c.frames_shown = seen
            self.video.show_result(image, c.latest_result)
            self.calibration.duration_s = c.calibration_s
            self.calibration.show_view(c.calibration_view())
            proto = c.session.protocol
            if proto is not None:
                state = proto.state
                norm = c.session.norm_set.norm_for(state.motion) if state.motion else None
                self.protocol.show_state(state, norm)
                if self._ticks % 10 == 0:  # trial ends refresh it at once (_on_events)
                    self.protocol.show_results(proto.results(), c.session.norm_set)
        # Plots at 15 Hz (smooth to the eye, half the CPU of 30 Hz), and always once the stream
        # pauses so the last samples are on screen.
        if self._plots_seen != seen and (self._ticks % 2 == 0 or not new_frame):
            self._plots_seen = seen
            self.plots.set_data(c.session.history.arrays())
            maxima = c.session.maxima()  # one read for both views: the plot's labels match the panel
            self.plots.set_maxima(maxima)
            self.maxima.set_maxima(maxima)
        if self._ticks % 15 == 0:
            self.status.set_stats(c.stats())
            self._show_disk_state()
            status_actions.show_health(self, c.judge_health())

    def _show_disk_state(self) -> None:
        status_actions.show_disk_state(self)

    # ----- actions -------------------------------------------------------------------------------
    def recover_interrupted(self) -> None:
        """At start: sessions a crash left open are offered for resume (``choose_resume``)."""
        text = self.controller.recover_interrupted(self.choose_resume).summary()
        if text:
            self.status.showMessage(text, 15000)
            log.warning(text)

    def start_test(self) -> None:
        """Start the guided test; with no patient chosen the new-patient form comes first."""
        c = self.controller
        if c.store is not None and c.patient is None:
            self.tabs.setCurrentWidget(self.patient)
            if not self.new_patient():
                self.status.showMessage("Choose or create a patient to start the test", 5000)
                return
        if c.start_test(self.protocol.trials.value(), self.protocol.warmups.value()):
            self.tabs.setCurrentWidget(self.protocol)

    def redo(self) -> None:
        decision = redo_decision(self.controller.session)
        if decision.action is Action.REFUSE:
            self.status.showMessage(decision.text, 5000)
            return
        if decision.action is Action.CONFIRM and not self.confirm(decision.text):
            self.status.showMessage("Trial kept", 3000)
            return
        self.controller.protocol_action("redo_trial")

    def _ask(self, question: str) -> bool:
        answer = QMessageBox.question(
            self, "cervicam", question, QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.No,
            QMessageBox.StandardButton.No,
        )  # fmt: skip
        return answer == QMessageBox.StandardButton.Yes

    def new_patient(self) -> bool:
        """The new-patient form (``ask_patient``); True once the patient is created and chosen."""
        store = self.controller.store
        if store is None:
            self.status.showMessage("No session store: patients cannot be saved", 5000)
            return False
        answer = self.ask_patient(store.vault.enabled, store.vault.enabled and not store.vault.unlocked)
        if answer is None or self.controller.new_patient(answer.fields) is None:
            return False
        if answer.notes:
            self.patient.notes.setPlainText(answer.notes)
        return True

    def save_session(self) -> int | None:
        sid = self.controller.save_session(self.patient.notes.toPlainText(), self.patient.pain_scores())
        if sid is not None:
            self.patient.clear_session_inputs()
        return sid

    def export_report(self, path: str | Path | None = None) -> list[Path]:
        return report_actions.export(self, path)

    def default_report_path(self, session_id: int) -> Path:
        return report_actions.default_path(self.controller.store, session_id)

    def report_preview(self, session_id: int, files: list[Path]) -> ReportPreview:
        return report_actions.preview(self, session_id, files)

    def show_history(self) -> None:
        report_actions.show_history(self)

    def set_passphrase(self) -> None:
        from app.ui.passphrase import set_passphrase

        if set_passphrase(self.controller.store, self):
            self.status.showMessage("Patient names are now encrypted at rest", 8000)

    def show_settings(self) -> None:
        calibration = stored_calibration(self.settings.data_dir, self.controller.source)
        dialog = SettingsDialog(self.settings, parent=self, calibration=calibration, calibrate=self.calibrate_camera)
        before = settings_actions.engine_choice(self.settings)
        if dialog.exec():
            self.apply_settings(dialog.apply())
            settings_actions.apply_engine(self, before)

    def calibrate_camera(self) -> CameraCalibrationDialog | None:
        """The guided calibration of the camera in use; its result, once saved, measures from the next neutral on."""
        if self.controller.source.is_file:
            self.status.showMessage("Camera calibration needs a camera: choose one above (a video file has none)", 8000)
            return None
        camera = self.controller.source.describe()
        store = calibration_store(self.settings.data_dir)

        def save(result) -> None:
            store.save(result)
            self.controller.use_camera(camera_assumption(None, result))
            self.status.showMessage(f"{camera} calibrated ({result.hfov_deg:.1f}° field of view): calibrate neutral "
                                    "again to measure with it", 10000)

        self.camera_calibration = CameraCalibrationDialog(self.controller.latest_image, camera, save, parent=self)
        self.camera_calibration.open()
        return self.camera_calibration

    def apply_settings(self, settings: AppSettings) -> None:
        """Norms, the neutral hold, the clinician and the field of view apply now (a new field of
        view is a new camera: the neutral is calibrated again); the engine in show_settings
        (app.ui.settings_actions); the data folder at the next start."""
        camera = camera_assumption(settings.camera_hfov_deg, stored_calibration(settings.data_dir, self.controller.source))
        if self.controller.use_camera(camera):
            self.status.showMessage(f"Measuring with {camera.describe('this camera')}: calibrate neutral again (C)", 10000)
        self.settings = settings
        self.controller.calibration_s = settings.calibration_s
        self.controller.clinician = settings.clinician
        self.calibration.duration_s = settings.calibration_s
        self.controller.session.set_norm_set(settings.norm_set)
        norms = dict(self.controller.session.norm_set.values)
        self.plots.set_norms(norms)
        self.maxima.set_norms(norms)
        self._save_settings()

    def set_source(self, spec: workers.SourceSpec) -> None:
        self.demo_instead_of = ""  # the user chose: no automatic fallback notice any more
        if spec.camera is not None:
            self.settings.camera, self.settings.width, self.settings.height = spec.camera, spec.width or 1280, spec.height or 720
        self.banner.clear()
        self.controller.set_source(spec)
        # Each camera measures with its own calibration (or the settings' field of view).
        self.controller.use_camera(camera_assumption(self.settings.camera_hfov_deg,
                                                     stored_calibration(self.settings.data_dir, spec)))
        self.status.set_source(spec.describe())

    def _on_source_state(self, state: str, text: str) -> None:
        status_actions.show_source_state(self, state, text)

    def _on_events(self, events: list) -> None:
        self.protocol.on_events(events)
        proto = self.controller.session.protocol
        if proto is not None:
            self.protocol.show_results(proto.results(), self.controller.session.norm_set)

    def _on_protocol_changed(self) -> None:
        proto = self.controller.session.protocol
        self.protocol.set_running(self.controller.test_running)
        if proto is not None:
            self.protocol.show_state(proto.state, None)
            self.protocol.show_results(proto.results(), self.controller.session.norm_set)

    def _refresh_patients(self) -> None:
        c = self.controller
        self.patient.set_patients(c.patients(), c.patient.pseudonym if c.patient is not None else None)
        rec = c.session.recording
        if rec is not None:
            self.patient.session.setText(f"Recording session {rec.session_id} for {rec.patient_pseudonym}")
        elif c.session.last_saved_session_id is not None:
            self.patient.session.setText(f"Session {c.session.last_saved_session_id} saved")
        else:
            self.patient.session.setText("no session recording" if c.patient is None else f"patient {c.patient.pseudonym}: no session recording")

    # ----- settings and shutdown -------------------------------------------------------------------
    def _save_settings(self) -> None:
        if self.qsettings is None:
            return
        s = self.settings
        s.mirror = self.video.mirror.isChecked()
        s.show_landmarks = self.video.landmarks.isChecked()
        s.trials, s.warmups = self.protocol.trials.value(), self.protocol.warmups.value()
        s.geometry = bytes(self.saveGeometry().data())
        s.save(self.qsettings)

    def close_now(self) -> None:
        """Close without asking (a timed smoke run): the session is saved as on any close."""
        self._closing_confirmed = True
        self.close()

    def closeEvent(self, event) -> None:  # noqa: N802
        decision = close_decision(self.controller.session)
        if decision.action is Action.CONFIRM and not self._closing_confirmed and not self.confirm(decision.text):
            event.ignore()  # the test goes on
            return
        self._closing_confirmed = True  # one answer per close (Qt may send the event again on quit)
        self._save_settings()
        self.keys.remove()
        self.timer.stop()
        self.controller.shutdown()
        super().closeEvent(event)
