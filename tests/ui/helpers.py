"""Building and driving the real window in tests (offscreen), with fakes through constructors."""

from __future__ import annotations

import csv
import time
from pathlib import Path
from typing import Any

from PySide6.QtWidgets import QApplication

from app.core.angles import DIRECTIONS
from app.store.patient_fields import PatientFields
from app.ui.controller import LiveController
from app.ui.main_window import MainWindow
from app.ui.patient_dialog import NewPatient
from app.ui.settings import AppSettings
from app.ui.workers import ENDED, SourceSpec


def truth_maxima(truth_csv: Path) -> dict[str, float]:
    with open(truth_csv, newline="") as fh:
        rows = list(csv.DictReader(fh))
    out = {}
    for direction, (axis, sign) in DIRECTIONS.items():
        out[direction] = max(sign * float(r[axis]) for r in rows)
    return out


def offline_spec(video: Path) -> SourceSpec:
    """The dev video as a camera that waits for the pipeline (no frame lost: deterministic)."""
    return SourceSpec(video=video, realtime=False, lossless=True)


def build_window(
    pipeline: Any, spec: SourceSpec, store: Any = None, settings: AppSettings | None = None, choose_resume: Any = None,
    confirm: Any = None, ask_patient: Any = None, **controller_kw: Any,
) -> tuple[LiveController, MainWindow]:
    """``choose_resume``: the answer to the interrupted-sessions dialog (default: close them all),
    ``confirm``: the answer to yes/no questions (default: yes), ``ask_patient``: the new-patient
    form's answer (default: a patient with a generated ID only); never a modal dialog in tests."""
    controller = LiveController(pipeline, spec, store=store, **controller_kw)
    settings = settings or AppSettings(calibration_s=controller.calibration_s)
    window = MainWindow(
        controller, settings, demo_video=spec.video, choose_resume=choose_resume or (lambda offers: None),
        confirm=confirm or (lambda question: True),
        ask_patient=ask_patient or (lambda encrypted, locked: NewPatient(PatientFields())),
    )  # fmt: skip
    return controller, window


def wait_for(predicate, timeout_s: float) -> bool:
    app = QApplication.instance()
    end = time.monotonic() + timeout_s
    while time.monotonic() < end:
        app.processEvents()
        if predicate():
            return True
        time.sleep(0.005)
    app.processEvents()
    return predicate()


def run_to_end(controller: LiveController, timeout_s: float = 120.0) -> None:
    """Until the file has ended and every frame read has been processed and delivered."""
    def done() -> bool:
        cap = controller.capture
        return controller.capture_state == ENDED and cap is not None and controller.session.results_seen >= cap.frames_read

    assert wait_for(done, timeout_s), f"video did not finish: state {controller.capture_state}, results {controller.session.results_seen}"
    wait_for(lambda: False, 0.1)  # let the repaint timer show the last result
