"""Start the GUI: QApplication, settings, pipeline, store, controller, window."""

from __future__ import annotations

import argparse
import logging
import sys
from pathlib import Path

from app.ui import workers  # noqa: F401  (first: app.ui's __init__ reconciles cv2 and Qt)
from PySide6.QtWidgets import QApplication, QMessageBox

from app.errors import CervicamError
from app.ui.controller import LiveController
from app.ui.main_window import MainWindow
from app.ui.services import DEMO_VIDEO, build_pipeline, open_store_with_reason, stored_calibration
from app.ui.settings import AppSettings, default_qsettings
from app.ui.theme import configure_high_dpi
from app.ui.workers import SourceSpec

log = logging.getLogger(__name__)


def source_from_args(args: argparse.Namespace, settings: AppSettings) -> SourceSpec:
    if getattr(args, "video", None):
        return SourceSpec(video=Path(args.video), loop=bool(getattr(args, "loop", False)))
    camera = args.camera if getattr(args, "camera", None) is not None else settings.camera
    return SourceSpec(camera=camera, width=settings.width, height=settings.height)


def run_gui(args: argparse.Namespace) -> int:
    configure_high_dpi()
    app = QApplication.instance() or QApplication(sys.argv[:1])
    app.setApplicationName("cervicam")
    app.setOrganizationName("cervicam")
    qsettings = default_qsettings()
    settings = AppSettings.load(qsettings)
    for name in ("engine", "device"):
        if getattr(args, name, None):
            setattr(settings, name, getattr(args, name))
    if getattr(args, "model", None):
        settings.model = str(args.model)
    if getattr(args, "data_dir", None):
        settings.data_dir = str(args.data_dir)
    source = source_from_args(args, settings)
    calibration = stored_calibration(settings.data_dir, source)  # a measured camera beats a typed field of view
    try:
        pipeline, engine = build_pipeline(
            settings.engine, settings.model or None, settings.device, settings.calibration_s, settings.camera_hfov_deg,
            calibration,
        )
    except CervicamError as exc:
        if settings.engine == "landmarks":
            raise
        # A saved ONNX model that moved or broke must not lock the clinician out: fall back.
        QMessageBox.warning(None, "cervicam", f"{exc}\n\nUsing the landmarks engine instead.")
        pipeline, engine = build_pipeline(
            "landmarks", calibration_s=settings.calibration_s, camera_hfov_deg=settings.camera_hfov_deg,
            calibration=calibration,
        )
    store, store_problem = open_store_with_reason(settings.data_dir)
    if store_problem is not None:
        QMessageBox.warning(None, "cervicam", f"{store_problem}\n\nMeasuring works; sessions cannot be saved.")
    for notice in store.notices if store is not None else []:  # e.g. restored from a backup
        QMessageBox.warning(None, "cervicam", notice)
    from app.ui.passphrase import unlock_identities

    unlock_identities(store)  # names encrypted and no $CERVICAM_PASSPHRASE: ask
    controller = LiveController(
        pipeline, source, store=store, engine=engine,
        norm_set=settings.norm_set, calibration_s=settings.calibration_s,
    )  # fmt: skip
    controller.clinician = settings.clinician
    window = MainWindow(controller, settings, qsettings, demo_video=DEMO_VIDEO if DEMO_VIDEO.is_file() else None)
    window.show()
    from app.ui.passphrase import first_start_word

    if not getattr(args, "exit_after", None):  # a timed smoke run has nobody to answer
        first_start_word(store, settings, window)  # once: what the passphrase is for, and set it now
    window.recover_interrupted()
    controller.start()
    if getattr(args, "exit_after", None):
        from PySide6.QtCore import QTimer

        QTimer.singleShot(int(args.exit_after * 1000), window.close_now)  # a smoke run: nobody to ask
    code = app.exec()
    if store is not None:
        store.close()
    return int(code)
