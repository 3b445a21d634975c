"""Sessions a crash left 'recording' are offered at the next start (Qt-free): resumed into the
live session with the new samples after the stored ones, or closed as interrupted."""

from __future__ import annotations

import pytest

from app.core.rom import held_peak

from app.core.live_session import (
    RESUME_STEP_S,
    InterruptedSession,
    LiveSession,
    interrupted_offers,
    protocol_config,
    recover_interrupted,
)
from app.core.protocol import ProtocolConfig
from app.core.types import FrameResult, PoseSample


def result(i: int, yaw: float, calibrated: bool = True) -> FrameResult:
    """Frame ``i`` of a new stream (its times and frame indices start again at 0)."""
    s = PoseSample(i, i / 30.0, True, 0.9, yaw, 0.0, 0.0, yaw, 0.0, 0.0)
    return FrameResult(s, calibrated=calibrated)


def crashed_session(store, n: int = 90, protocol: dict | None = None) -> tuple[int, str]:
    """A session left 'recording' with ``n`` samples (a head turn up to 40° left), as after a crash."""
    patient = store.create_patient()
    session = store.start_session(patient.id, engine="landmarks", protocol=protocol)
    writer = store.open_writer(session.id, flush_interval_s=0.05)
    for i in range(n):
        yaw = 40.0 * min(i, n - 1 - i) / (n / 2)
        writer.add_sample(PoseSample(i, 5.0 + i / 30.0, True, 0.9, yaw, 0.0, 0.0, yaw, 0.0, 0.0))
    writer.close()
    return session.id, patient.pseudonym


def test_offers_list_patient_date_samples_and_last_time(store):
    sid, pseudonym = crashed_session(store)
    closed = store.start_session(store.create_patient().id)
    store.close_session(closed.id)
    (offer,) = interrupted_offers(store)
    assert (offer.session_id, offer.pseudonym, offer.samples) == (sid, pseudonym, 90)
    assert offer.last_time_s == pytest.approx(5.0 + 89 / 30.0)
    assert offer.started_at == store.get_session(sid).started_at
    assert pseudonym in offer.describe() and "90 samples" in offer.describe()


def test_resume_appends_samples_after_the_stored_ones(store):
    sid, pseudonym = crashed_session(store)
    stored_last = store.last_sample(sid)
    live = LiveSession()
    offered: list[InterruptedSession] = []

    def choose(offers):
        offered.extend(offers)
        return offers[0].session_id

    recovery = recover_interrupted(store, live, choose)
    assert [o.session_id for o in offered] == [sid]
    assert recovery.resumed.session_id == sid and recovery.closed == ()
    assert "Resuming session" in recovery.summary() and pseudonym in recovery.summary()
    assert store.get_session(sid).status == "recording"
    assert live.recording.session_id == sid and live.recording.patient_pseudonym == pseudonym
    # What was measured before the crash: the recorded (held) maximum of the 0-40-0 turn.
    n = 90
    stored = [40.0 * min(i, n - 1 - i) / (n / 2) for i in range(n)]
    assert live.maxima()["rotation_left"] == pytest.approx(held_peak([5.0 + i / 30.0 for i in range(n)], stored))
    assert 37.0 < live.maxima()["rotation_left"] < 40.0
    # The new stream starts again at time 0, frame 0: stored after the stored samples all the same.
    live.on_result(result(0, 0.0, calibrated=False))  # before the new neutral: shown, not stored
    for i in range(1, 31):
        live.on_result(result(i, 10.0))
    assert live.stop_recording() == sid
    samples = store.samples(sid)
    assert len(samples) == 90 + 30 and store.get_session(sid).status == "closed"
    times = [s.time_s for s in samples]
    frames = [s.frame_index for s in samples]
    assert times == sorted(times) and len(set(times)) == len(times)  # nothing goes backwards or collides
    assert frames == sorted(frames) and len(set(frames)) == len(frames)
    new = samples[90:]
    assert new[0].time_s == pytest.approx(stored_last.time_s + RESUME_STEP_S + 1 / 30.0)
    assert new[0].frame_index == stored_last.frame_index + 2
    assert all(s.yaw_deg == 10.0 for s in new)
    assert interrupted_offers(store) == []


def test_resume_continues_the_stored_protocol_and_free_trials(store):
    config = ProtocolConfig(trials=2, warmups=0, motions=("rotation_left", "flexion"))
    from dataclasses import asdict

    sid, _ = crashed_session(store, protocol=asdict(config))
    assert protocol_config(store.get_session(sid).protocol) == config
    live = LiveSession()
    recover_interrupted(store, live, lambda offers: sid)
    assert live.protocol.config == config and not live.protocol.config.free_mode
    # A free measurement (no protocol stored) replays its stored samples: the turn is a trial.
    sid2, _ = crashed_session(store)
    store.close_session(sid, status="interrupted")
    live2 = LiveSession()
    recover_interrupted(store, live2, lambda offers: sid2)
    assert live2.protocol.config.free_mode
    assert [t.motion for t in live2.protocol.trials if t.kind == "trial"] == ["rotation_left"]


def test_close_marks_them_interrupted_and_keeps_the_samples(store):
    a, _ = crashed_session(store, n=30)
    b, _ = crashed_session(store, n=45)
    live = LiveSession()
    recovery = recover_interrupted(store, live, lambda offers: None)
    assert recovery.resumed is None and recovery.closed == (a, b)
    assert "2 session(s) interrupted by a crash were kept" in recovery.summary()
    assert [store.get_session(s).status for s in (a, b)] == ["interrupted", "interrupted"]
    assert (store.sample_count(a), store.sample_count(b)) == (30, 45)
    assert live.recording is None and interrupted_offers(store) == []


def test_resume_one_closes_the_others(store):
    a, _ = crashed_session(store, n=30)
    b, _ = crashed_session(store, n=45)
    live = LiveSession()
    recovery = recover_interrupted(store, live, lambda offers: b)
    assert recovery.resumed.session_id == b and recovery.closed == (a,)
    assert store.get_session(a).status == "interrupted" and store.get_session(b).status == "recording"
    live.stop_recording()


def test_nothing_interrupted_asks_nothing(store):
    asked = []
    recovery = recover_interrupted(store, LiveSession(), asked.append)
    assert recovery.resumed is None and recovery.closed == () and recovery.summary() == "" and asked == []


def test_an_answer_not_offered_is_refused(store):
    crashed_session(store)
    with pytest.raises(ValueError):
        recover_interrupted(store, LiveSession(), lambda offers: 999)


def test_the_window_asks_with_the_resume_dialog_by_default(qtbot, store, demo_truth, monkeypatch):
    """Without an injected answer the window asks through ResumeDialog (its exec answered here:
    no modal dialog in offscreen tests)."""
    from app.ui.controller import LiveController
    from app.ui.dialogs import ResumeDialog
    from app.ui.main_window import MainWindow
    from app.ui.settings import AppSettings
    from app.ui.workers import SourceSpec
    from tests.ui.fakes import NoCamera, TruthPipeline

    a, _ = crashed_session(store, n=30)
    b, pseudonym = crashed_session(store, n=45)
    shown = []

    def exec_resume(dialog):
        shown.append([dialog.table.item(r, 1).text() for r in range(dialog.table.rowCount())])
        dialog.resume_button.click()  # the selected row (the newest) is resumed
        return dialog.result()

    monkeypatch.setattr(ResumeDialog, "exec", exec_resume)
    controller = LiveController(TruthPipeline(demo_truth), SourceSpec(camera=0), store=store, capture_factory=NoCamera())
    window = MainWindow(controller, AppSettings())
    qtbot.addWidget(window)
    window.recover_interrupted()
    assert len(shown) == 1 and shown[0][1] == pseudonym
    assert controller.session.recording.session_id == b and store.get_session(a).status == "interrupted"
    assert window.patient.session.text() == f"Recording session {b} for {pseudonym}"
    dialog = ResumeDialog([InterruptedSession(7, "P-X", "2026-01-01T10:00:00", 0, None)])
    qtbot.addWidget(dialog)
    dialog.close_button.click()
    assert dialog.result() == 0  # "Close as interrupted" -> ResumeDialog.ask returns None
    window.close()
