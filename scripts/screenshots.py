"""Screenshots of the real window on the dev video: live, guided test mid-trial, results, report, no camera.

    QT_QPA_PLATFORM=offscreen .venv/bin/python scripts/screenshots.py [--out docs/screenshots]
        [--size 1366x768] [--engine landmarks]

The real measuring pipeline runs on assets/demo_clinic.mp4 (played as a camera that waits for the
pipeline, so the pictures are of chosen frames); the window is grabbed at those frames. A
temporary session store is used, so nothing lands in the user's data folder. Also prints the
status bar's frames/s and latency of a real-time pass (the figures a user sees).
"""

from __future__ import annotations

import argparse
import logging
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "scripts"))
os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

import app.ui  # noqa: E402,F401  (cv2/Qt reconciliation first)
from PySide6.QtWidgets import QApplication  # noqa: E402

from app.store.patient_fields import PatientFields  # noqa: E402
from app.ui.controller import LiveController  # noqa: E402
from app.ui.main_window import MainWindow  # noqa: E402
from app.ui.services import DEMO_VIDEO, build_pipeline  # noqa: E402
from app.ui.settings import AppSettings  # noqa: E402
from app.ui.workers import ENDED, SourceSpec, open_capture  # noqa: E402
from window_driving import PauseAt, at_frame, play_to_end, pump, wait_until  # noqa: E402

log = logging.getLogger("screenshots")


def grab(widget, path: Path) -> None:
    widget.grab().save(str(path))
    log.warning("wrote %s", path)


def make_window(pipeline, spec, store, size, settings: AppSettings, engine):
    controller = LiveController(pipeline, spec, store=store, engine=engine, calibration_s=settings.calibration_s)
    window = MainWindow(controller, settings, demo_video=DEMO_VIDEO)
    window.resize(*size)
    window.show()
    return controller, window


def guided_run(out: Path, size, engine_name: str, store) -> None:
    """Guided test: mid-trial (rotation right at end range), results at the end, report preview."""
    inner, engine = build_pipeline(engine_name, calibration_s=1.5)
    mid_trial, end = 290, 959  # rotation right holds its end range around frames 270-300
    gate = PauseAt(inner, {mid_trial, end})
    settings = AppSettings(trials=1, warmups=0, calibration_s=1.5, mirror=True)
    controller, window = make_window(gate, SourceSpec(video=DEMO_VIDEO, realtime=False, lossless=True), store, size, settings, engine)
    controller.new_patient(PatientFields(name="Demo Patient", birth_year=1962, sex="F"))
    window.patient.notes.setPlainText("Neck pain after a fall two weeks ago; dev video demo")
    window.start_test()
    controller.start()
    at_frame(controller, window, gate, mid_trial, settle_s=0.15)
    grab(window, out / "guided_test_mid_trial.png")
    gate.release()
    at_frame(controller, window, gate, end, settle_s=0.15)
    play_to_end(controller, window, gate, settle_s=2.5)  # past the rate meter's window: the pause is not a latency
    grab(window, out / "results.png")
    window.patient.pain["rotation_right"].setValue(3)
    window.patient.pain["flexion"].setValue(2)
    sid = window.save_session()
    report = Path(tempfile.mkdtemp()) / f"cervicam_session_{sid}.pdf"
    window.export_report(report)
    preview = window.preview
    preview.resize(760, min(size[1], 900))
    pump(0.3)
    grab(preview, out / "report_preview.png")
    preview.close()
    window.close_now()  # unattended: nobody to answer "close mid-test?"


def no_camera(out: Path, size, store) -> None:
    class NoCam:
        def isOpened(self) -> bool:  # noqa: N802
            return False

        def release(self) -> None:
            pass

    inner, engine = build_pipeline("landmarks")
    controller = LiveController(inner, SourceSpec(camera=0), store=store, engine=engine, capture_factory=lambda s: open_capture(s) if s.is_file else NoCam(), retry_s=0.2)
    window = MainWindow(controller, AppSettings(), demo_video=DEMO_VIDEO)
    window.resize(*size)
    window.show()
    controller.start()
    wait_until(lambda: window.banner.kind == "demo", 10)
    pump(1.5)
    grab(window, out / "no_camera.png")
    window.close_now()  # unattended: nobody to answer "close mid-test?"


def realtime_run(out: Path | None, size, engine_name: str) -> dict[str, float]:
    """Play the dev video at 30 fps like a camera (free measuring, landmarks shown).

    Grabs live.png near rotation left's end range with the status bar as it is at that moment,
    and returns the status bar's figures sampled every 0.5 s over the whole video.
    """
    pipeline, engine = build_pipeline(engine_name, calibration_s=1.5)
    controller = LiveController(pipeline, SourceSpec(video=DEMO_VIDEO, realtime=True), engine=engine, calibration_s=1.5)
    window = MainWindow(controller, AppSettings(calibration_s=1.5, show_landmarks=True), demo_video=DEMO_VIDEO)
    window.resize(*size)
    window.show()
    controller.calibrate()
    controller.start()
    samples = []
    t0 = time.monotonic()
    grabbed = out is None
    while controller.capture_state != ENDED and time.monotonic() - t0 < 120:
        pump(0.1)
        if len(samples) < (time.monotonic() - t0) / 0.5:
            samples.append(controller.stats())
        frame = controller.latest_frame
        if not grabbed and frame is not None and frame.index >= 140:
            window.status.set_stats(controller.stats())
            grab(window, out / "live.png")
            grabbed = True
    pump(0.3)
    steady = samples[4:-1] or samples
    figures = {
        "processed": controller.session.results_seen,
        "read": controller.capture.frames_read if controller.capture else 0,
        "dropped": controller.slot.dropped_count,
        "fps_median": statistics.median(s.fps for s in steady),
        "latency_median_ms": statistics.median(s.latency_ms for s in steady),
        "latency_p95_max_ms": max(s.latency_p95_ms for s in steady),
    }
    window.close_now()  # unattended: nobody to answer "close mid-test?"
    return figures


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=ROOT / "docs" / "screenshots")
    parser.add_argument("--size", default="1366x768", help="window size WxH (the smallest screen the GUI targets)")
    parser.add_argument("--engine", default="landmarks")
    parser.add_argument("--no-timing", action="store_true", help="skip the real-time pass (live.png, fps/latency)")
    parser.add_argument("--timing-only", action="store_true", help="only the real-time pass, no pictures")
    args = parser.parse_args()
    logging.basicConfig(level=logging.WARNING, format="%(message)s")
    size = tuple(int(v) for v in args.size.lower().split("x"))
    args.out.mkdir(parents=True, exist_ok=True)
    app = QApplication.instance() or QApplication(sys.argv[:1])
    from app.store import open_store

    if args.timing_only:
        figures = realtime_run(None, size, args.engine)
        print("real-time pass on the dev video:", ", ".join(f"{k} {v:.1f}" if isinstance(v, float) else f"{k} {v}" for k, v in figures.items()))
        return 0
    with tempfile.TemporaryDirectory() as tmp:
        store = open_store(tmp)
        guided_run(args.out, size, args.engine, store)
        no_camera(args.out, size, store)
        store.close()
    if not args.no_timing:
        figures = realtime_run(args.out, size, args.engine)
        print("real-time pass on the dev video:", ", ".join(f"{k} {v:.1f}" if isinstance(v, float) else f"{k} {v}" for k, v in figures.items()))
    del app
    return 0


if __name__ == "__main__":
    sys.exit(main())
