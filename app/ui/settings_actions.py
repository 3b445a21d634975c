"""Settings that change the measuring itself, applied at once: another pose engine, model or
device builds a new pipeline that the processing thread takes between two frames."""

from __future__ import annotations

import logging
from typing import Any

from app.errors import CervicamError
from app.ui import services

log = logging.getLogger(__name__)


def engine_choice(settings: Any) -> tuple[str, str, str]:
    return settings.engine, settings.model, settings.device


def apply_engine(window: Any, before: tuple[str, str, str]) -> bool:
    """Measure with the settings' engine from now on when it changed (True); the neutral is taken
    again. A model that cannot be loaded keeps the engine in use and says why (False)."""
    settings = window.settings
    if engine_choice(settings) == before:
        return False
    c = window.controller
    try:
        pipeline, engine = services.build_pipeline(
            settings.engine, settings.model or None, settings.device, settings.calibration_s, settings.camera_hfov_deg,
            services.stored_calibration(settings.data_dir, c.source),
        )  # fmt: skip
    except CervicamError as exc:
        settings.engine, settings.model, settings.device = before
        window.status.showMessage(f"Engine not changed: {exc}", 10000)
        log.warning("engine not changed: %s", exc)
        return False
    c.use_pipeline(pipeline, engine)
    window.status.set_engine(engine.label, engine.tooltip)
    window.status.showMessage(f"Measuring with {engine.label} from now on: calibrate neutral again (C)", 10000)
    return True
