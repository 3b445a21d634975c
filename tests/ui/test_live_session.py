"""The window's Qt-free glue: what counts toward maxima, when the protocol learns of the neutral,
what is recorded, and the plot history."""

from __future__ import annotations

import math

import pytest

from app.core.live_history import LiveHistory
from app.core.live_session import LiveSession
from app.core.protocol import CALIBRATED, MOTION_START, PHASE_DONE, ProtocolConfig
from app.core.types import FrameResult, PoseSample


def result(i: int, yaw: float | None, calibrating=False, calibrated=True, pitch=0.0, roll=0.0) -> FrameResult:
    t = i / 30.0
    angles = (yaw, pitch, roll) if yaw is not None else (None, None, None)
    s = PoseSample(i, t, yaw is not None, 0.9 if yaw is not None else 0.0, *angles, *angles)
    return FrameResult(s, calibrating=calibrating, calibration_progress=0.5 if calibrating else 0.0, calibrated=calibrated)


def test_uncalibrated_and_calibrating_frames_never_count():
    live = LiveSession()
    live.on_result(result(0, 80.0, calibrated=False))
    live.on_result(result(1, 70.0, calibrating=True, calibrated=False))
    assert live.maxima()["rotation_left"] is None
    assert len(live.history) == 2  # but they are plotted
    live.on_result(result(2, 30.0))
    assert live.maxima()["rotation_left"] is None  # one frame is not a held position (app.core.rom.HOLD_S)
    for i in range(3, 12):
        live.on_result(result(i, 30.0))
    assert live.maxima()["rotation_left"] == 30.0


def test_protocol_starts_when_the_neutral_hold_ends():
    live = LiveSession()
    live.start_protocol(ProtocolConfig(trials=1, warmups=0, motions=("rotation_left",)))
    assert live.on_result(result(0, 0.0, calibrating=True, calibrated=False)) == []
    events = live.on_result(result(1, 0.0, calibrated=True))
    assert [e.kind for e in events] == [CALIBRATED, MOTION_START]
    # One movement to 40° and back ends the one-motion test with 40° recorded.
    i = 2
    for yaw in [5, 15, 25, 35, 40, 40, 40, 40, 40, 40, 40, 40, 40, 40, 30, 20, 10, 2, 0]:
        live.on_result(result(i, float(yaw)))
        i += 1
    assert live.protocol.phase == PHASE_DONE
    assert live.protocol.results()[0].recorded_deg == pytest.approx(40.0)


def test_recording_writes_counted_samples_events_trials_and_pain(store):
    live = LiveSession()
    live.start_protocol(ProtocolConfig(trials=1, warmups=0, motions=("flexion",)))
    patient = store.create_patient()
    sid = live.start_recording(store, patient, engine="landmarks", camera="test")
    live.on_result(result(0, 0.0, calibrating=True, calibrated=False))
    live.on_result(result(1, 0.0))
    for i, pitch in enumerate([5, 20, 35, 45, 45, 45, 45, 45, 45, 45, 45, 45, 30, 10, 0], start=2):
        live.on_result(result(i, 0.0, pitch=float(pitch)))
    assert live.stop_recording(notes="ok", pain={"flexion": 5}) == sid
    assert live.recording is None and live.last_saved_session_id == sid
    session = store.get_session(sid)
    assert (session.status, session.notes, session.pain, session.norm_set) == ("closed", "ok", {"flexion": 5}, "ama")
    assert store.sample_count(sid) == 16  # the calibrating frame is not a measurement
    assert store.recorded(sid)["flexion"] == pytest.approx(45.0)
    assert any(e.kind == "motion_done" for e in store.events(sid))


def test_history_window_and_gaps():
    h = LiveHistory(window_s=1.0)
    for i in range(60):
        h.add(PoseSample(i, i / 30.0, i % 10 != 0, 0.9, float(i), 0.0, 0.0, float(i) + 1, 0.0, 0.0) if i % 10 else PoseSample(i, i / 30.0, False, 0.0))
    data = h.arrays()
    assert data["time_s"][0] >= 59 / 30.0 - 1.0 - 1e-9 and len(data["time_s"]) == 31
    assert math.isnan(data["yaw_deg"][list(data["time_s"]).index(50 / 30.0)])  # no pose: a gap in the line
    assert data["raw_yaw_deg"][-1] == 60.0
    h.add(PoseSample(0, 0.0, True, 1.0, 1.0, 1.0, 1.0))  # a looping file goes back in time
    assert len(h) == 1
