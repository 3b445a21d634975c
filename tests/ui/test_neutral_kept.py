"""Finding 1: Start test, New patient and choosing a patient never take the neutral again.

Before, each of them reset the pipeline or started a neutral hold wherever the head was: an
upright head then read 'flexion 42°'. With a neutral in use, the test starts at once."""

from __future__ import annotations

import pytest

from app.core.protocol import PHASE_MOTION
from app.store.patient_fields import PatientFields
from app.ui.patient_dialog import NewPatient
from tests.ui.fakes import TruthPipeline
from tests.ui.helpers import build_window, offline_spec, wait_for


class CountingPipeline(TruthPipeline):
    def __init__(self, *a, **kw):
        super().__init__(*a, **kw)
        self.calibrations = 0
        self.resets = 0

    def start_calibration(self, duration_s: float | None = None, *, hold=None) -> None:
        self.calibrations += 1
        super().start_calibration(duration_s, hold=hold)

    def reset(self) -> None:
        self.resets += 1
        super().reset()


@pytest.fixture
def calibrated(qtbot, demo_video, demo_truth, store):
    pipeline = CountingPipeline(demo_truth, delay_s=0.004)
    controller, window = build_window(pipeline, offline_spec(demo_video), store=store, calibration_s=1.0)
    qtbot.addWidget(window)
    window.show()
    assert controller.new_patient(PatientFields(name="Ann First")) is not None
    controller.calibrate()
    controller.start()
    assert wait_for(lambda: controller.session.calibrated, 20)
    # Frame ~90 onwards: the head is turning to rotation left (truth 50-72°).
    assert wait_for(lambda: controller.session.results_seen >= 95, 20)
    yield controller, window, pipeline
    window.close()


def test_start_test_keeps_the_neutral_and_starts_at_once(calibrated):
    controller, window, pipeline = calibrated
    window.start_test()
    assert pipeline.calibrations == 1 and pipeline.resets == 0
    assert controller.session.protocol.phase == PHASE_MOTION  # no second hold: the first motion is on
    assert "Calibrated" in window.calibration.state.text() or wait_for(lambda: "Calibrated" in window.calibration.state.text(), 2)


def test_new_and_chosen_patients_keep_the_neutral(calibrated):
    controller, window, pipeline = calibrated
    window.ask_patient = lambda encrypted, locked: NewPatient(PatientFields(name="Bob Second"))
    assert window.new_patient()
    first = controller.store.list_patients()[0].pseudonym
    window.patient.patient_selected.emit(first)
    assert controller.patient.pseudonym == first
    assert pipeline.calibrations == 1 and pipeline.resets == 0
    wait_for(lambda: False, 0.3)
    assert controller.session.calibrated
    # Angles stay relative to the first neutral: the truth, not a zero made of the current pose.
    last = controller.session.last_result.sample
    truth = pipeline.truth[last.frame_index][0]
    assert last.yaw_deg == pytest.approx(truth, abs=1e-6)


def test_start_without_a_neutral_begins_with_the_hold(qtbot, demo_video, demo_truth, store):
    pipeline = CountingPipeline(demo_truth)
    controller, window = build_window(pipeline, offline_spec(demo_video), store=store)
    qtbot.addWidget(window)
    window.start_test()  # no patient: the form (answered) first, then the hold
    assert controller.patient is not None
    controller.start()
    assert wait_for(lambda: pipeline.calibrations == 1, 5)
    assert controller.session.waits_for_neutral
    window.close()


def test_start_during_a_running_hold_keeps_that_hold(qtbot, demo_video, demo_truth, store):
    pipeline = CountingPipeline(demo_truth, delay_s=0.01)
    controller, window = build_window(pipeline, offline_spec(demo_video), store=store, calibration_s=3.0)
    qtbot.addWidget(window)
    assert controller.new_patient(PatientFields()) is not None
    controller.calibrate()
    controller.start()
    assert wait_for(lambda: controller.session.calibrating, 10)
    window.start_test()
    wait_for(lambda: False, 0.2)
    assert pipeline.calibrations == 1  # the hold in progress was not started again
    window.close()
