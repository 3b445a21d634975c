"""Wires the threads and the Qt-free session together; the window's panels only show its state.

Owns: the latest-wins slot, the capture and processing workers, the :class:`LiveSession`, the
rate meter and the store. Everything the clinician does (calibrate, start/next/redo, save,
export) arrives here as a method call from a button or shortcut.
"""

from __future__ import annotations

import logging
import time
from pathlib import Path
from typing import Any, Callable

import numpy as np
from PySide6.QtCore import QObject, Signal

from app.core.latest import LatestSlot, RateMeter, RateStats
from app.core.calibration_view import CalibrationView, calibration_view
from app.core.live_session import ChooseResume, LiveSession, Recovery, recover_interrupted
from app.core.measurement_health import Health, HealthMonitor
from app.core.neutral_hold import DEFAULT_HOLD_S, NeutralHold
from app.core.norms import DEFAULT_NORM_SET
from app.core.protocol import PROTOCOL_DONE, ProtocolConfig, ProtocolEvent
from app.core.types import Frame, FrameResult
from app.errors import CervicamError
from app.store.patient_fields import PatientFields
from app.store.patient_list import labelled
from app.ui import workers
from app.ui.services import EngineInfo, ReportWriter, export_report
from app.ui.workers import CaptureWorker, CapturedFrame, ProcessingWorker, SourceSpec

log = logging.getLogger(__name__)


class LiveController(QObject):
    source_state = Signal(str, str)  # capture state, message
    events = Signal(list)  # protocol events of one frame
    protocol_changed = Signal()  # test started / finished
    session_changed = Signal()  # recording started / saved, patient changed
    message = Signal(str)  # one line for the status bar
    report_written = Signal(list)  # paths

    def __init__(
        self,
        pipeline: Any,
        source: SourceSpec,
        store: Any | None = None,
        engine: EngineInfo | None = None,
        norm_set: str = DEFAULT_NORM_SET,
        calibration_s: float = DEFAULT_HOLD_S,
        capture_factory: Callable[[SourceSpec], Any] = workers.open_capture,
        report_writer: ReportWriter = export_report,
        retry_s: float = 1.0,
        parent: QObject | None = None,
    ) -> None:
        super().__init__(parent)
        self.pipeline = pipeline
        self.source = source
        self.store = store
        self.engine = engine or EngineInfo()
        self.calibration_s = calibration_s
        self.capture_factory = capture_factory
        self.report_writer = report_writer
        self.retry_s = retry_s
        self.session = LiveSession(norm_set)
        self.meter = RateMeter()
        self.health = HealthMonitor()
        self.slot: LatestSlot[CapturedFrame] = LatestSlot()
        self.capture: CaptureWorker | None = None
        self.processing = ProcessingWorker(pipeline, self.slot)
        self.processing.result_ready.connect(self._on_result)
        self.processing.failed.connect(self.message)
        self.latest_frame: Frame | None = None
        self.latest_result: FrameResult | None = None
        self.patient: Any | None = None
        self.capture_state = workers.OPENING
        self.capture_message = ""
        self.frames_shown = 0
        self.clinician = ""  # on every session started (and so on its report)
        self.hold: NeutralHold | None = None  # the neutral hold running (or last run)

    # ----- threads -------------------------------------------------------------------------------
    def start(self) -> None:
        if not self.processing.isRunning():
            self.processing.start()
        self._start_capture()

    def _start_capture(self) -> None:
        self.capture = CaptureWorker(self.source, self.slot, self.capture_factory, self.retry_s)
        self.capture.state_changed.connect(self._on_source_state)
        self.capture.start()

    def set_source(self, spec: SourceSpec) -> None:
        """Switch camera/file; the session (maxima, test, recording) is kept."""
        self._stop_capture()
        self.source = spec
        self.slot.reset_counts()
        self._start_capture()

    def _stop_capture(self) -> None:
        if self.capture is not None:
            self.capture.stop()
            if not self.capture.wait(3000):
                log.warning("capture thread did not stop in time")
            self.capture = None

    def shutdown(self) -> None:
        self._stop_capture()
        self.slot.close()
        self.processing.stop()
        self.processing.wait(5000)
        if self.session.recording is not None:
            # Closing the window mid-session keeps what was measured: save it, don't drop it.
            try:
                self.session.stop_recording()
            except CervicamError as exc:  # disk still full: put the samples anywhere they fit
                self._rescue_unsaved(exc)

    def _rescue_unsaved(self, exc: CervicamError) -> None:
        import tempfile

        from app.store.resilient_writer import rescue_pending

        rec = self.session.recording
        folders = [Path.home(), Path(tempfile.gettempdir())]
        saved = rescue_pending(rec.writer, folders) if rec is not None else None
        if saved is not None:
            log.error("%s; the unsaved samples were written to %s (load them with load_pending)", exc, saved)
            try:
                rec.writer.close()  # nothing left in memory: stops its thread
            except CervicamError:
                pass
        else:
            log.error("%s; the unsaved samples could not be written anywhere", exc)
        self.session.recording = None  # stays 'recording' in the store: offered as interrupted next start

    def _on_source_state(self, state: str, text: str) -> None:
        self.capture_state, self.capture_message = state, text
        self.source_state.emit(state, text)

    # ----- results -------------------------------------------------------------------------------
    def _on_result(self, result: FrameResult, frame: Frame, captured_at: float) -> None:
        # Latency as the clinician experiences it: from the camera read to this GUI-thread update.
        self.meter.add(time.monotonic() - captured_at)
        self.latest_frame, self.latest_result = frame, result
        self.health.add(result.sample.time_s, result.sample.quality, result.sample.detected)
        events = self.session.on_result(result)
        if events:
            self.events.emit(events)
            if any(e.kind == PROTOCOL_DONE for e in events):
                self.protocol_changed.emit()

    def stats(self) -> RateStats:
        return self.meter.stats(dropped=self.slot.dropped_count)

    def judge_health(self) -> Health:
        """Degraded now? (frame rate only counts when frames come at the camera's pace)"""
        live = not self.source.is_file or self.source.realtime
        return self.health.judge(self.stats(), time.monotonic(), live=live)

    def latest_image(self) -> np.ndarray | None:
        return None if self.latest_frame is None else self.latest_frame.image

    # ----- calibration and test ----------------------------------------------------------------
    def calibrate(self) -> None:
        """A neutral hold, only when the clinician asks (or a test starts without a neutral):
        it counts only frontal, still frames with the face in view (app.core.neutral_hold).
        With a patient chosen, measuring starts here: the session is recorded from now on."""
        hold = NeutralHold(self.calibration_s)
        self.hold = hold
        self.processing.submit(lambda p: p.start_calibration(hold=hold))
        if self.store is not None and self.patient is not None and self.session.recording is None:
            self._start_recording()  # measuring begins: the free measurement is recorded

    def calibration_view(self) -> CalibrationView:
        r = self.latest_result
        s = self.session
        problem = self.hold.problem if self.hold is not None and r is not None and r.calibrating else None
        progress = r.calibration_progress if r is not None else 0.0
        calibrating = r.calibrating if r is not None else False
        calibrated = r.calibrated if r is not None else False
        return calibration_view(calibrating, progress, calibrated, self.calibration_s, problem, s.neutral_set_at, s.neutral_check.reading)

    def start_test(self, trials: int, warmups: int) -> bool:
        """Start the guided test for the chosen patient; False (nothing started) without one
        while sessions are stored. The neutral in use is kept; without one the test begins
        with the neutral hold."""
        if self.store is not None and self.patient is None:
            self.message.emit("Choose or create a patient first (Patient && session tab)")
            return False
        config = ProtocolConfig(trials=trials, warmups=warmups, max_trials=max(6, trials))
        events = self.session.start_protocol(config)
        if self.store is not None and self.session.recording is None:
            self._start_recording()
        if self.session.waits_for_neutral and not self.session.calibrating:
            self.calibrate()  # (a hold already running goes on: its progress is kept)
        if events:
            self.events.emit(events)
        self.protocol_changed.emit()
        return True

    def protocol_action(self, name: str) -> list[ProtocolEvent]:
        events = self.session.protocol_action(name)
        if events:
            self.events.emit(events)
        if name == "finish" or any(e.kind == PROTOCOL_DONE for e in events):
            self.protocol_changed.emit()
        return events

    @property
    def test_running(self) -> bool:
        return self.session.guided

    def use_pipeline(self, pipeline: Any, engine: EngineInfo) -> None:
        """Another engine (model, device) from the next frame on; it needs its own neutral."""
        self.pipeline, self.engine = pipeline, engine
        self.hold = None
        self.processing.use_pipeline(pipeline)

    def use_camera(self, camera: Any) -> bool:
        """Measure with this camera from now on (the neutral is measured again); nothing (False)
        when it is the one in use."""
        current = getattr(self.pipeline, "camera", None)
        if current is not None and (current, current.calibration) == (camera, camera.calibration):
            return False
        self.processing.submit(lambda p: p.set_camera(camera))
        return True

    def reset_maxima(self) -> None:
        self.session.reset_maxima()

    # ----- patient, session, report --------------------------------------------------------------
    def recover_interrupted(self, choose: ChooseResume) -> Recovery:
        """Sessions a crash left 'recording' are offered (``choose``): one resumed, the rest closed
        as interrupted; their samples are kept either way (see app.core.live_session)."""
        if self.store is None:
            return Recovery()
        recovery = recover_interrupted(self.store, self.session, choose)
        if recovery.resumed is not None:
            self.patient = self.store.get_patient(recovery.resumed.pseudonym)
            self.protocol_changed.emit()
            self.session_changed.emit()
        return recovery

    def patients(self) -> list[tuple[str, str]]:
        """(pseudonym, label with the name when known), newest first."""
        return labelled(self.store.list_patients()) if self.store is not None else []

    def new_patient(self, fields: PatientFields | None = None) -> str | None:
        """Create the patient of the form (``fields`` checked again by the store) and choose it;
        None, with the reason as a message, when the store refuses."""
        if self.store is None:
            return None
        f = fields or PatientFields()
        try:
            pseudonym = self.store.create_patient(f.pseudonym, f.name, f.birth_year, f.age_band, f.sex).pseudonym
        except CervicamError as exc:
            self.message.emit(f"Patient not created: {exc}")
            return None
        self.select_patient(pseudonym)
        return pseudonym

    def select_patient(self, pseudonym: str) -> None:
        """Measure ``pseudonym`` from the next test on: the previous session is saved; nothing is
        recorded until a test starts (looking at a patient's history opens no session)."""
        if self.store is None or (self.patient is not None and self.patient.pseudonym == pseudonym):
            return
        if self.session.recording is not None:
            self.save_session()
        self.patient = self.store.get_patient(pseudonym)
        # Another person: new maxima. The neutral stays (never taken from wherever the head is
        # now); the calibration panel's re-check says when it should be taken again.
        self.session.reset_maxima()
        self.session.protocol = None
        self.protocol_changed.emit()
        self.session_changed.emit()

    def _start_recording(self) -> None:
        self.session.start_recording(
            self.store,
            self.patient,
            clinician=self.clinician,
            engine=self.engine.label,
            model_card=self.engine.model_card,
            camera=self._describe_camera(),
        )
        self.session_changed.emit()

    def _describe_camera(self) -> str:
        # Flexion and extension depend on the assumed lens: the session (and its report) says which.
        camera = getattr(self.pipeline, "camera", None)  # test doubles have none
        source = self.source.describe()
        return source if camera is None else camera.describe(source)

    def save_session(self, notes: str | None = None, pain: dict[str, int] | None = None) -> int | None:
        """Close the recorded session (starting one from the free measurement if none)."""
        if self.store is None:
            self.message.emit("No session store: nothing saved")
            return None
        if self.session.recording is None:
            if self.patient is None:
                self.message.emit("Choose or create a patient first: nothing saved")
                return None
            self._start_recording()
        try:
            sid = self.session.stop_recording(notes=notes, pain=pain)
        except CervicamError as exc:  # samples still in memory: the session stays open, save again later
            self.message.emit(f"Session not saved yet: {exc}")
            return None
        self.session_changed.emit()
        self.message.emit(f"Session {sid} saved")
        return sid

    def export_report(self, pdf_path: Path, session_id: int | None = None) -> list[Path]:
        sid = session_id or self.session.last_saved_session_id
        if sid is None or self.store is None:
            self.message.emit("Save a session first")
            return []
        csv_path = Path(pdf_path).with_suffix(".csv")
        paths = self.report_writer(self.store, sid, Path(pdf_path), csv_path, norm_set=self.session.norm_set.key)
        self.report_written.emit(paths)
        self.message.emit("Report written: " + ", ".join(str(p) for p in paths))
        return paths
