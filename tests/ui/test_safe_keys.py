"""Finding 7 of issue 17: once the test is finished a stray R does not discard a stored trial
without a yes; after saving it does nothing; closing the window mid-test asks first."""

from __future__ import annotations

import pytest
from PySide6.QtCore import Qt
from PySide6.QtTest import QTest

from app.core.live_session import LiveSession
from app.core.protocol import PHASE_DONE, PHASE_MOTION, ProtocolConfig
from app.core.safe_actions import Action, close_decision, redo_decision
from app.core.types import FrameResult
from app.ui.workers import SourceSpec
from tests.core.crash_recorder import guided_stream
from tests.ui.fakes import NoCamera, TruthPipeline
from tests.ui.helpers import build_window


def _measure(session: LiveSession, until_phase: str, motions_done: int = 6) -> None:
    """Feed the six-motion stream (one trial each) until the test is in ``until_phase``."""
    for i, sample in enumerate(guided_stream()):
        session.on_result(FrameResult(sample, calibrating=i == 0, calibrated=i > 0))
        done = sum(1 for t in session.protocol.trials if not t.discarded)
        if session.protocol.phase == until_phase and (until_phase == PHASE_DONE or done >= motions_done):
            return
    raise AssertionError("the stream ended first")


def _live(store) -> LiveSession:
    session = LiveSession()
    session.start_protocol(ProtocolConfig(trials=1, warmups=0))
    session.start_recording(store, store.create_patient())
    return session


def test_redo_at_once_during_the_test_asked_after_it_refused_once_saved(store):
    session = LiveSession()
    assert redo_decision(session).action is Action.REFUSE  # nothing measured
    session = _live(store)
    _measure(session, PHASE_MOTION, motions_done=2)
    assert redo_decision(session).action is Action.NOW  # hands-free during the test
    _measure(session, PHASE_DONE)
    asked = redo_decision(session)
    assert asked.action is Action.CONFIRM
    assert asked.text.startswith("The test is finished. Discard lateral flexion right trial 1 (35°)")
    session.stop_recording()
    assert redo_decision(session).action is Action.REFUSE


def test_closing_asks_only_mid_test(store):
    session = _live(store)
    assert close_decision(session).action is Action.CONFIRM  # started, still calibrating: mid-test already
    assert close_decision(LiveSession()).action is Action.NOW  # no test at all
    _measure(session, PHASE_MOTION, motions_done=1)
    question = close_decision(session)
    assert question.action is Action.CONFIRM and "1 trials measured" in question.text
    _measure(session, PHASE_DONE)
    assert close_decision(session).action is Action.NOW
    session.stop_recording()


@pytest.fixture
def window_with(qtbot, store, demo_truth):
    def make(answers: list[bool]):
        asked: list[str] = []

        def confirm(question: str) -> bool:
            asked.append(question)
            return answers.pop(0)

        controller, window = build_window(
            TruthPipeline(demo_truth), SourceSpec(camera=0), store=store, capture_factory=NoCamera(), confirm=confirm
        )  # fmt: skip
        qtbot.addWidget(window)  # closed by pytest-qt after the test (nothing left to ask then)
        window.show()
        return controller, window, asked

    return make


def test_a_stray_r_after_the_test_keeps_the_stored_trial_unless_confirmed(window_with, store):
    controller, window, asked = window_with([False, True, True])  # the last: closing once the motion reopened
    controller.session.start_protocol(ProtocolConfig(trials=1, warmups=0))
    controller.patient = store.create_patient()
    sid = controller.session.start_recording(store, controller.patient)
    _measure(controller.session, PHASE_DONE)
    window.activateWindow()
    QTest.keyClick(window, Qt.Key.Key_R)  # the stray key: answered "No"
    assert len(asked) == 1 and "The test is finished" in asked[0]
    assert not any(t.discarded for t in controller.session.protocol.trials)
    assert not any(t.discarded for t in store.trials(sid))
    QTest.keyClick(window, Qt.Key.Key_R)  # meant this time: "Yes"
    assert sum(t.discarded for t in store.trials(sid)) == 1
    assert controller.test_running  # the motion is reopened, to be measured again


def test_a_saved_session_is_never_changed_by_r(window_with, store):
    controller, window, asked = window_with([])
    controller.session.start_protocol(ProtocolConfig(trials=1, warmups=0))
    controller.patient = store.create_patient()
    sid = controller.session.start_recording(store, controller.patient)
    _measure(controller.session, PHASE_DONE)
    assert window.save_session() == sid
    QTest.keyClick(window, Qt.Key.Key_R)
    assert asked == [] and not any(t.discarded for t in store.trials(sid))
    assert "saved" in window.status.currentMessage()


def test_closing_mid_test_asks_and_no_keeps_the_window_open(window_with, store):
    controller, window, asked = window_with([False, True])
    controller.session.start_protocol(ProtocolConfig(trials=1, warmups=0))
    controller.patient = store.create_patient()
    sid = controller.session.start_recording(store, controller.patient)
    _measure(controller.session, PHASE_MOTION, motions_done=2)
    window.close()
    assert len(asked) == 1 and "guided test is in progress" in asked[0]
    assert window.isVisible() and controller.session.recording is not None  # the test goes on
    window.close()
    assert len(asked) == 2 and not window.isVisible()
    assert store.get_session(sid).status == "closed" and len(store.trials(sid)) == 2  # saved on close
