"""Build a pose engine by name (``--engine``), the one place the CLI and the GUI turn a choice into an engine."""

from __future__ import annotations

import logging
import os
from collections.abc import Sequence
from pathlib import Path

from app.core.types import PoseEngine
from app.engines.choices import ENGINE_NAMES, Device, EngineName
from app.errors import InputError

log = logging.getLogger(__name__)


def create_engine(
    name: str,
    model_path: str | os.PathLike[str] | None,
    device: str = Device.AUTO,
    model_dirs: Sequence[Path] | None = None,
    cross_check: bool = True,
) -> PoseEngine:
    """The engine called ``name``; ``model_path``/``device``/``model_dirs`` choose the network (that
    of ``onnx``, or the one that checks ``landmarks``).

    ``cross_check`` (app.engines.tracker_check): the onnx engine's readings are checked against
    the head tracker's, and the landmarks engine's against the network's (``model_path``, else
    the first usable model in ``model_dirs``; none installed: no check, said in the log). False
    measures each alone.

    ``onnx`` without ``model_path`` uses the first usable model found in ``model_dirs`` and says
    which; with none found it refuses. The caller passes the folders (the CLI and the GUI:
    ``app.model_folders.default_model_dirs()``, which adds the user's model folder); without
    them only the repository's ``models/`` is searched.
    """
    if name == EngineName.ONNX:
        return create_onnx_engine(model_path, device, model_dirs, cross_check)
    if name == EngineName.LANDMARKS:
        return _create_landmarks_engine(model_path, device, model_dirs, cross_check)
    raise InputError(f"unknown engine {name!r}: choose one of {', '.join(ENGINE_NAMES)}")


def create_onnx_engine(
    model_path: str | os.PathLike[str] | None, device: str = Device.AUTO, model_dirs: Sequence[Path] | None = None,
    cross_check: bool = True, warn_if_several: bool = True,
) -> PoseEngine:
    from app.engines.model_registry import REPO_MODELS_DIR
    from app.engines.onnx_engine import OnnxEngine
    from app.engines.onnx_session import SessionConfig
    from app.engines.tracker_check import DEFAULT_LIMIT_DEG

    if model_path is None:
        model_path = default_model_path([REPO_MODELS_DIR] if model_dirs is None else model_dirs, warn_if_several)
    return OnnxEngine(model_path, SessionConfig(device=device), tracker_check_deg=DEFAULT_LIMIT_DEG if cross_check else None)


def default_model_path(dirs: Sequence[Path], warn_if_several: bool = True) -> Path:
    """First usable model in ``dirs``, or InputError saying where models are looked for.

    With several, a warning names the one used (``--engine onnx``: the user may have meant
    another); the landmarks engine's check takes the first without one (``warn_if_several``).
    """
    from app.engines.model_registry import find_models

    entries = find_models(list(dirs))
    usable = [entry for entry in entries if entry.info is not None]
    if not usable:
        folders = " or ".join(str(d) for d in dirs)
        found = f" ({len(entries)} unusable .onnx file(s); see `python main.py models`)" if entries else ""
        raise InputError(f"--engine onnx needs --model FILE.onnx: no usable model in {folders}{found}")
    if len(usable) > 1 and warn_if_several:
        log.warning("several models found; using %s (choose one with --model)", usable[0].path)
    else:
        log.info("using model %s", usable[0].path)
    return usable[0].path


def _create_landmarks_engine(
    model_path: str | os.PathLike[str] | None, device: str, model_dirs: Sequence[Path] | None, cross_check: bool
) -> PoseEngine:
    # The landmarks engine belongs to the measuring core (app/engines/landmarks_engine.py).
    try:
        from app.engines.landmarks_engine import LandmarksEngine  # type: ignore[import-not-found]
    except ImportError as exc:
        raise InputError("the landmarks engine is not available in this build") from exc
    if not cross_check:
        return LandmarksEngine()
    try:
        network = create_onnx_engine(model_path, device, model_dirs, cross_check=False, warn_if_several=False)
    except (InputError, ImportError, OSError) as exc:  # the tracker measures without it
        if model_path is not None:
            raise  # a model the user named must work
        log.info("no network to check the tracker against (%s): its readings are not cross-checked", exc)
        return LandmarksEngine()
    log.info("the tracker's readings are checked against %s", network.info.name)
    return LandmarksEngine(network)


def witness_network(engine: PoseEngine) -> PoseEngine | None:
    """The network that checks a ``landmarks`` engine, unchecked itself: the head tracker's witness for
    the face mesh (app.core.network_referee); None for other engines and where none is installed."""
    return getattr(engine, "network", None) if engine.name == EngineName.LANDMARKS else None
