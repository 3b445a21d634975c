"""Finding 9, the smaller ones: one colour per axis in the window and the report, a layout that
does not jump, the results table at 1024x700, the field-of-view box, Open PDF without a viewer."""

from __future__ import annotations

from app.colours import AXIS_COLORS, MOTION_COLORS
from app.core.angles import DIRECTIONS


def test_gui_and_report_colour_each_axis_the_same():
    from app.report import pdf
    from app.ui import theme

    assert theme.AXIS_COLORS is AXIS_COLORS
    assert pdf.MOTION_COLORS is MOTION_COLORS
    for direction, (axis, sign) in DIRECTIONS.items():
        if sign > 0:
            assert MOTION_COLORS[direction] == AXIS_COLORS[axis]
    source = open(pdf.__file__).read()
    for old in ("#1f77b4", "#d62728", "#2ca02c"):  # the report's own colours before
        assert old not in source


def test_up_from_not_set_goes_to_the_assumed_62(qtbot):
    from app.ui.dialogs import SettingsDialog
    from app.ui.settings import AppSettings

    dialog = SettingsDialog(AppSettings())
    qtbot.addWidget(dialog)
    box = dialog.camera_hfov
    assert box.text() == "not set (62° assumed)"
    box.stepUp()
    assert box.value() == 62.0  # before: 20
    box.setValue(20.0)
    box.stepDown()
    assert box.text() == "not set (62° assumed)" and dialog.apply().camera_hfov_deg == 0.0


def test_field_of_view_applies_without_restart(qtbot, demo_video, demo_truth):
    from tests.ui.fakes import TruthPipeline
    from tests.ui.helpers import build_window, offline_spec, wait_for

    pipeline = TruthPipeline(demo_truth)
    controller, window = build_window(pipeline, offline_spec(demo_video))
    qtbot.addWidget(window)
    controller.start()
    settings = window.settings
    settings.camera_hfov_deg = 48.0
    window.apply_settings(settings)
    assert wait_for(lambda: pipeline.camera.hfov_deg == 48.0, 5)  # before: only after a restart
    assert "calibrate neutral again" in window.status.currentMessage()
    window.close()


def test_open_pdf_without_a_viewer_says_so(qtbot, monkeypatch, tmp_path):
    from app.ui import dialogs

    pdf = tmp_path / "r.pdf"
    pdf.write_bytes(b"%PDF-1.4")
    monkeypatch.setattr(dialogs.QDesktopServices, "openUrl", staticmethod(lambda url: False))
    preview = dialogs.ReportPreview("<p>x</p>", [pdf])
    qtbot.addWidget(preview)
    assert preview.open_pdf(pdf) is False
    assert "No PDF viewer" in preview.open_problem.text() and str(pdf) in preview.open_problem.text()


def _window(qtbot, demo_video, demo_truth, store, size):
    from app.ui.settings import AppSettings
    from tests.ui.fakes import TruthPipeline
    from tests.ui.helpers import build_window, offline_spec

    controller, window = build_window(TruthPipeline(demo_truth), offline_spec(demo_video), store=store,
                                      settings=AppSettings(trials=1, warmups=0, calibration_s=1.0), calibration_s=1.0)
    qtbot.addWidget(window)
    window.resize(*size)
    window.show()
    return controller, window


def test_at_1024x700_the_results_fit_and_the_numbers_keep_their_size(qtbot, demo_video, demo_truth, store):
    from tests.ui.helpers import run_to_end, wait_for

    sizes = {}
    for size in ((1366, 768), (1024, 700)):
        controller, window = _window(qtbot, demo_video, demo_truth, store, size)
        window.start_test()
        controller.start()
        run_to_end(controller)
        wait_for(lambda: False, 0.2)
        table = window.protocol.results
        assert (window.width(), window.height()) == size  # before: the window grew past 1024x700
        assert table.rowCount() == 6 and table.verticalScrollBar().maximum() == 0, "the results table scrolls"
        readout = window.video.readout
        sizes[size] = {label.font().pointSizeF() for label in readout.labels.values()}
        for label in readout.labels.values():  # nothing cut
            assert label.fontMetrics().horizontalAdvance(label.text()) <= label.width()
        window.close_now()
        controller.patient = None
    assert sizes[(1024, 700)] == sizes[(1366, 768)]  # before: 0.8x at 1024


def test_the_layout_does_not_jump_when_the_banner_or_calibration_changes(qtbot, demo_video, demo_truth, store):
    from app.core.calibration_view import calibration_view
    from app.core.neutral_hold import HoldProblem
    from tests.ui.helpers import wait_for

    controller, window = _window(qtbot, demo_video, demo_truth, store, (1366, 768))
    wait_for(lambda: False, 0.1)

    def places():
        wait_for(lambda: False, 0.05)
        return [w.mapTo(window, w.rect().topLeft()) for w in (window.tabs, window.protocol.start_button, window.plots, window.calibration.button)]

    before = places()
    window.banner.show_disk("disk full")
    assert places() == before
    window.banner.clear()
    for view in (calibration_view(True, 0.4, False, 1.5), calibration_view(True, 0.0, False, 1.5, HoldProblem.NOT_FRONTAL),
                 calibration_view(False, 1.0, True, 1.5)):
        window.calibration.show_view(view)
        assert places() == before
    window.close_now()


def test_another_engine_applies_without_restart(qtbot, monkeypatch, demo_video, demo_truth):
    from app.errors import InputError
    from app.ui import services, settings_actions
    from app.ui.services import EngineInfo
    from tests.ui.fakes import TruthPipeline
    from tests.ui.helpers import build_window, offline_spec, wait_for

    controller, window = build_window(TruthPipeline(demo_truth), offline_spec(demo_video))
    qtbot.addWidget(window)
    controller.start()
    new = TruthPipeline(demo_truth)
    monkeypatch.setattr(services, "build_pipeline", lambda *a, **k: (new, EngineInfo("onnx", "CPU", {"model": "m"})))
    before = settings_actions.engine_choice(window.settings)
    window.settings.engine = "onnx"
    assert settings_actions.apply_engine(window, before)  # before: only at the next start
    assert wait_for(lambda: controller.processing.pipeline is new and len(new.processed) > 3, 5)
    assert window.status.engine.text() == "onnx CPU · m" and "calibrate neutral again" in window.status.currentMessage()

    def broken(*a, **k):
        raise InputError("no model file x.onnx")

    monkeypatch.setattr(services, "build_pipeline", broken)
    window.settings.model = "x.onnx"
    assert not settings_actions.apply_engine(window, ("onnx", "", "auto"))
    assert window.settings.model == "" and "Engine not changed: no model file" in window.status.currentMessage()
    assert controller.processing.pipeline is new
    window.close()
