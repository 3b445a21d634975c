"""What the window is built from (pipeline, store, report writer, demo video), made in one place.

The window takes these through its constructor; tests pass fakes or temporary stores instead.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable

from app.errors import CervicamError

log = logging.getLogger(__name__)

ROOT = Path(__file__).resolve().parents[2]
DEMO_VIDEO = ROOT / "assets" / "demo_clinic.mp4"


@dataclass
class EngineInfo:
    """What the status bar says about the pose engine."""

    name: str = "landmarks"
    provider: str = "CPU"
    model_card: dict[str, Any] = field(default_factory=dict)

    @property
    def label(self) -> str:
        if self.name == "onnx":
            model = self.model_card.get("model")
            return f"onnx {self.provider}" + (f" · {model}" if model else "")
        return self.name

    @property
    def tooltip(self) -> str:
        if not self.model_card:
            return "MediaPipe face mesh, rigid alignment to the patient's own neutral"
        return "\n".join(f"{k}: {v}" for k, v in self.model_card.items())


def build_pipeline(
    engine: str = "landmarks",
    model: str | Path | None = None,
    device: str = "auto",
    calibration_s: float = 1.5,  # app.core.neutral_hold.DEFAULT_HOLD_S
    camera_hfov_deg: float | None = None,
    calibration: Any | None = None,
) -> tuple[Any, EngineInfo]:
    """The measuring pipeline with the chosen engine (imports deferred: they are heavy)."""
    from app.core.pipeline import MeasurementPipeline
    from app.core.tracker_ensemble import head_tracker
    from app.engines.factory import create_engine, witness_network
    from app.model_folders import default_model_dirs

    eng = create_engine(engine, Path(model) if model else None, device, default_model_dirs())
    info = EngineInfo(engine, "CPU", {})
    model_info = getattr(eng, "info", None)
    if model_info is not None:  # onnx: say which model, where it runs and how good it is
        info.provider = str(getattr(eng, "device", "cpu")).upper()
        info.model_card = {
            "model": model_info.name,
            "backbone": model_info.describe("backbone"),
            "precision": model_info.precision,
            "MAE (yaw/pitch/roll °)": model_info.mae_summary(),
            "file": str(model_info.path),
        }
    camera = camera_assumption(camera_hfov_deg, calibration)
    # One tracker live (three would halve the frame rate), with the installed network as the mesh's witness.
    tracker = head_tracker(camera, members=1, network=witness_network(eng))
    return MeasurementPipeline(engine=eng, tracker=tracker, calibration_seconds=calibration_s), info


def camera_assumption(hfov_setting: float | None, calibration: Any | None = None) -> Any:
    """The camera to measure with: its calibration when measured, else the settings' field of view, else assumed."""
    from app.core.camera_model import CameraAssumption

    if calibration is not None:
        return CameraAssumption.measured(calibration)
    try:
        return CameraAssumption.from_user(hfov_setting or None)  # 0: not set
    except ValueError as exc:  # only a hand-edited settings file gets here; the dialog keeps to the range
        log.warning("camera field of view from the settings ignored: %s", exc)
        return CameraAssumption.from_user(None)


def calibration_store(data_dir: str | Path | None) -> Any:
    """Where this computer keeps its cameras' calibrations (the data folder)."""
    from app.calibration.storage import CalibrationStore
    from app.store.paths import resolve_data_dir

    return CalibrationStore(resolve_data_dir(data_dir or None))


def stored_calibration(data_dir: str | Path | None, source: Any) -> Any | None:
    """The newest calibration of the camera ``source`` captures from (None for a video file or an uncalibrated camera)."""
    if getattr(source, "is_file", True):
        return None
    return calibration_store(data_dir).find(source.describe())


def export_report(store: Any, session_id: int, pdf_path: Path, csv_path: Path | None = None, norm_set: str | None = None) -> list[Path]:
    """PDF (+ trials CSV) of a stored session through the report module; returns files written."""
    from app.report import report_data_from_store, write_pdf, write_trials_csv

    data = report_data_from_store(store, session_id, norm_set=norm_set)
    write_pdf(data, pdf_path)
    written = [Path(pdf_path)]
    if csv_path is not None:
        write_trials_csv(data, csv_path)
        written.append(Path(csv_path))
    return written


ReportWriter = Callable[..., list[Path]]


def report_page_images(store: Any, session_id: int, norm_set: str | None = None, dpi: int = 72) -> list[bytes]:
    """The report's pages as PNG bytes, drawn by the same code as the PDF (for the preview).

    Uses ``app.report.pdf.report_figures(data)`` when the report module offers it, else its page
    builders; returns [] if neither exists (the preview then shows the HTML summary only).
    """
    import io

    from app.report import pdf, report_data_from_store

    data = report_data_from_store(store, session_id, norm_set=norm_set)
    make = getattr(pdf, "report_figures", None)
    if make is not None:
        figures = list(make(data))
    else:
        builders = [getattr(pdf, name, None) for name in ("_page_results", "_page_time_and_trend")]
        if not all(builders):
            return []
        figures = [b(data) for b in builders]
    pages = []
    for fig in figures:
        buf = io.BytesIO()
        fig.savefig(buf, format="png", dpi=dpi)
        pages.append(buf.getvalue())
    return pages


def open_store_or_none(data_dir: str | Path | None) -> Any | None:
    """The session store, or None (the window still measures; saving is then disabled)."""
    return open_store_with_reason(data_dir)[0]


def open_store_with_reason(data_dir: str | Path | None, passphrase: str | None = None) -> tuple[Any | None, str | None]:
    """(store, None), or (None, why) so the window can tell the user (folder in use by another
    cervicam, wrong passphrase, damaged database without backup)."""
    from app.store import open_store

    try:
        return open_store(data_dir or None, passphrase=passphrase), None
    except CervicamError as exc:
        log.error("session store unavailable: %s", exc)
        return None, str(exc)
