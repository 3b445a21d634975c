"""Finding 6: status that tells the truth. Maxima belong to the session shown, the plot's 'max'
labels match the panel after a resume, Finish during the calibration does not say 'all motions
measured', and a degraded measurement is said while it happens."""

from __future__ import annotations

import re

from app.core.measurement_health import Health
from app.core.protocol import Protocol, ProtocolConfig
from app.core.types import FrameResult, PoseSample
from app.ui import status_actions
from tests.ui.fakes import TruthPipeline
from tests.ui.helpers import build_window, offline_spec, wait_for
from tests.ui.test_resume_interrupted import crashed_session


def result(i: int, yaw: float) -> FrameResult:
    return FrameResult(PoseSample(i, i / 30, True, 0.9, yaw, 0.0, 0.0), calibrated=True)


def test_maxima_do_not_carry_over_into_the_next_test(qtbot, demo_video, demo_truth, store):
    controller, window = build_window(TruthPipeline(demo_truth), offline_spec(demo_video), store=store, calibration_s=1.0)
    qtbot.addWidget(window)
    window.start_test()
    for i in range(60):  # a head turn to 50° while the first test runs
        controller.session.on_result(result(i, 50.0 * min(i, 59 - i) / 30))
    assert controller.session.maxima()["rotation_left"] > 40
    controller.protocol_action("finish")
    assert window.save_session() is not None
    window.start_test()  # the next test: a new session, new maxima
    assert all(v is None for v in controller.session.maxima().values())
    window.refresh()
    controller.frames_shown = -1
    window.maxima.set_maxima(controller.session.maxima())
    assert set(window.maxima.shown_values().values()) == {"–"}
    window.close()


def test_after_a_resume_the_plot_max_labels_match_the_panel(qtbot, demo_video, demo_truth, store):
    sid, _ = crashed_session(store)  # stored samples up to 40° rotation left
    controller, window = build_window(TruthPipeline(demo_truth), offline_spec(demo_video), store=store,
                                      choose_resume=lambda offers: sid)
    qtbot.addWidget(window)
    window.recover_interrupted()
    wait_for(lambda: False, 0.2)  # the repaint timer draws the resumed maxima
    panel = window.maxima.shown_values()["rotation_left"]
    label = window.plots.max_label_texts()["rotation_left"]
    degrees = re.match(r"(\d+)°", panel).group(1)
    assert label == f"max {degrees}°", (label, panel)  # before: 'max +0°'
    window.close()


def test_finish_during_the_calibration_does_not_say_all_motions_measured():
    protocol = Protocol(ProtocolConfig(trials=1, warmups=0))
    protocol.finish(1.0)
    state = protocol.state
    assert not state.all_measured and "All motions measured" not in state.prompt
    assert state.prompt.startswith("Test finished: nothing was measured")


def test_finish_with_some_motions_names_those_not_measured():
    protocol = Protocol(ProtocolConfig(motions=("rotation_left", "flexion"), trials=1, warmups=0))
    protocol.calibration_done(0.0)
    for i in range(90):
        protocol.feed(PoseSample(i, i / 30, True, 0.9, 40.0 * min(i, 89 - i) / 45, 0.0, 0.0))
    protocol.finish(4.0)
    assert "1 of 2 motions measured (not measured: flexion)" in protocol.state.prompt


def test_degraded_measurement_is_shown_in_status_bar_and_banner(qtbot, demo_video, demo_truth):
    controller, window = build_window(TruthPipeline(demo_truth), offline_spec(demo_video))
    qtbot.addWidget(window)
    status_actions.show_health(window, Health(("12 frames/s (under 20)",)))
    assert window.banner.kind == "degraded" and "12 frames/s" in window.banner.text.text()
    assert "degraded" in window.status.health.text() and "12 frames/s" in window.status.health.toolTip()
    status_actions.show_health(window, Health())
    assert window.banner.kind == "" and window.status.health.text() == ""
    window.close()
