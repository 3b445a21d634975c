"""Finding 3 of issue 17: a kill -9 after all six motions were measured (not saved) keeps every
trial and result: ``sessions`` and ``report`` show them, and a resume restores them. Sessions
crashed before trials were stored as they completed get them back from their stored samples."""

from __future__ import annotations

import csv
import signal
import sys
import time
from dataclasses import asdict

import pytest

from app.core.angles import DIRECTIONS
from app.core.live_session import LiveSession, keep_interrupted_results
from app.core.protocol import PHASE_DONE, ProtocolConfig
from app.core.safe_actions import Action, close_decision, redo_decision
from app.core.types import FrameResult
from app.store import open_store
from tests.core import crash_recorder
from tests.core.crash_recorder import GUIDED_PEAKS, guided_stream
from tests.hardening.helpers import run_main



@pytest.fixture
def store(tmp_path):
    with open_store(tmp_path / "data") as s:
        yield s


def _guided_then_kill(data) -> None:
    with crash_recorder.running(data, "guided", rate=300.0) as (proc, lines):
        deadline = time.time() + 60
        while "PROTOCOL_DONE" not in lines:
            assert proc.poll() is None and time.time() < deadline, proc.stderr.read() if proc.poll() is not None else "slow"
            time.sleep(0.05)
        time.sleep(0.1)  # a moment later, before anyone saves
        crash_recorder.sigkill(proc)
    assert proc.returncode == -signal.SIGKILL


def _values(sessions_stdout: str) -> list[str]:
    return sessions_stdout.strip().splitlines()[1].split()[-6:]


@pytest.mark.skipif(sys.platform == "win32", reason="SIGKILL is POSIX")
def test_kill_after_six_motions_keeps_results_in_sessions_report_and_resume(tmp_path):
    data = tmp_path / "data"
    _guided_then_kill(data)
    with open_store(data) as store:
        (session,) = store.interrupted_sessions()
        pseudonym = store.get_patient(session.patient_id).pseudonym
        recorded = store.recorded(session.id)  # read only: nothing repaired them after the kill
    assert recorded == pytest.approx(GUIDED_PEAKS, abs=1.0)

    done = run_main("sessions", pseudonym, "--data-dir", str(data))
    assert done.returncode == 0, done.stderr
    assert [int(v) for v in _values(done.stdout)] == pytest.approx([GUIDED_PEAKS[d] for d in DIRECTIONS], abs=1)

    out = tmp_path / "r.csv"
    done = run_main("report", str(session.id), "--csv", str(out), "--data-dir", str(data))
    assert done.returncode == 0, done.stderr
    with open(out, newline="") as f:
        motions = {row["motion"] for row in csv.DictReader(f)}
    assert set(DIRECTIONS) <= motions

    with open_store(data) as store:  # the next start resumes it: the test's results are all there
        live = LiveSession()
        live.resume_recording(store, session.id)
        results = {r.motion: r.recorded_deg for r in live.protocol.results()}
        assert results == pytest.approx(GUIDED_PEAKS, abs=1.0)
        assert all(live.maxima()[d] is not None for d in DIRECTIONS)
        live.stop_recording()


def test_trials_are_stored_as_they_complete(store):
    live = LiveSession()
    live.start_protocol(ProtocolConfig(trials=1, warmups=0))
    sid = live.start_recording(store, store.create_patient())
    stored_after: list[int] = []
    for i, sample in enumerate(guided_stream()):
        live.on_result(FrameResult(sample, calibrating=i == 0, calibrated=i > 0))
        if i % 30 == 0:
            stored_after.append(len(store.trials(sid)))
        if live.protocol.phase == PHASE_DONE:
            break
    assert store.recorded(sid) == pytest.approx(GUIDED_PEAKS, abs=1.0)  # before any save
    assert stored_after == sorted(stored_after) and 0 < stored_after[len(stored_after) // 2] < 6  # one by one
    assert live.protocol_action("redo_trial")  # a discarded trial is stored as discarded at once
    assert sum(t.discarded for t in store.trials(sid)) == 1
    live.stop_recording()


def test_a_session_crashed_without_stored_results_gets_them_from_its_samples(tmp_path):
    # As an older cervicam left it: samples stored, trials only in memory when it was killed.
    data = tmp_path / "data"
    with open_store(data) as store:
        patient = store.create_patient()
        session = store.start_session(patient.id, protocol=asdict(ProtocolConfig(trials=1, warmups=0)))
        writer = store.open_writer(session.id, flush_interval_s=0.05)
        for i, sample in enumerate(guided_stream()):
            if i > 0:  # the first frame is the neutral hold: not a measurement
                writer.add_sample(sample)
            if i > 700:
                break
        writer.close()
        assert store.recorded(session.id) == {d: None for d in DIRECTIONS}
    done = run_main("sessions", patient.pseudonym, "--data-dir", str(data))
    assert done.returncode == 0, done.stderr
    assert [int(v) for v in _values(done.stdout)] == pytest.approx([GUIDED_PEAKS[d] for d in DIRECTIONS], abs=1)
    with open_store(data) as store:
        assert keep_interrupted_results(store, session.id) == 0  # done once, not again
        assert store.recorded(session.id) == pytest.approx(GUIDED_PEAKS, abs=1.0)


def test_a_disk_that_refuses_the_trials_does_not_stop_the_test_and_they_are_stored_later(store, monkeypatch):
    from app.errors import CervicamError

    live = LiveSession()
    live.start_protocol(ProtocolConfig(trials=1, warmups=0))
    sid = live.start_recording(store, store.create_patient())
    real_save = store.save_trials
    full = {"on": True}

    def save_trials(*args, **kw):
        if full["on"]:
            raise CervicamError("the disk holding the data folder is full: nothing was saved")
        return real_save(*args, **kw)

    monkeypatch.setattr(store, "save_trials", save_trials)
    stream = iter(enumerate(guided_stream()))
    for i, sample in stream:
        live.on_result(FrameResult(sample, calibrating=i == 0, calibrated=i > 0))
        if len(live.protocol.trials) == 2:
            break
    assert live.trials_warning is not None and "full" in live.trials_warning  # said, not raised
    full["on"] = False
    for _ in range(45):  # a second and a half later: retried on its own
        i, sample = next(stream)
        live.on_result(FrameResult(sample, calibrated=True))
    assert live.trials_warning is None and len(store.trials(sid)) == 2
    live.stop_recording()


@pytest.mark.skipif(sys.platform == "win32", reason="SIGKILL is POSIX")
def test_the_window_resumed_after_the_kill_shows_every_result(tmp_path, qtbot, demo_truth):
    import app.ui  # noqa: F401
    from app.ui.workers import SourceSpec
    from tests.ui.fakes import NoCamera, TruthPipeline
    from tests.ui.helpers import build_window

    data = tmp_path / "data"
    _guided_then_kill(data)
    with open_store(data) as store:
        controller, window = build_window(
            TruthPipeline(demo_truth), SourceSpec(camera=0), store=store, capture_factory=NoCamera(),
            choose_resume=lambda offers: offers[0].session_id,  # the clinician answers "Resume"
        )  # fmt: skip
        qtbot.addWidget(window)
        window.recover_interrupted()  # what app.ui.app.run_gui does at start
        table = window.protocol.results
        shown = {table.item(r, 0).text(): table.item(r, 2).text() for r in range(table.rowCount())}
        assert len(shown) == 6 and all(text.endswith("°)") for text in shown.values()), shown
        assert shown["rotation left"].startswith("70°"), shown
        assert all(v is not None for v in controller.session.maxima().values())
        assert redo_decision(controller.session).action is Action.CONFIRM  # the test is over: R asks
        assert close_decision(controller.session).action is Action.NOW  # and closing need not
        window.close()
