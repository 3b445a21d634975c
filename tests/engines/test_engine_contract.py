"""Every pose engine the factory can build keeps the PoseEngine contract the pipeline relies on.

The pipeline (app.core.pipeline) calls ``estimate`` with a head observation that has a box, a
tracked rotation or both, treats None as "no pose", makes the rotation relative to the neutral
and compares ``quality`` with one threshold for all engines; ``reset`` comes at every new
neutral. An engine that answers a non-rotation, a quality outside [0, 1] or different numbers
for the same frame would corrupt measurements without failing anywhere else.
"""

from __future__ import annotations

import importlib
import inspect
import pkgutil
from pathlib import Path

import numpy as np
import pytest

import app.engines
from app.core.angles import HeadAngles, matrix_from_angles
from app.core.types import EngineResult, Frame, HeadBox, HeadObservation, PoseEngine
from app.engines.factory import ENGINE_NAMES, create_engine


@pytest.fixture(params=ENGINE_NAMES)
def engine(request: pytest.FixtureRequest, contract_model: Path) -> PoseEngine:
    model = contract_model if request.param == "onnx" else None
    return create_engine(request.param, model, "cpu")


def _frame() -> Frame:
    image = np.random.default_rng(7).integers(0, 256, (120, 160, 3), dtype=np.uint8)
    return Frame(image=image, timestamp=0.5, index=15)


def _head() -> HeadObservation:
    """What the head tracker hands every engine: a box and its own rigid pose."""
    return HeadObservation(
        box=HeadBox(center_x=80.0, center_y=60.0, width=45.0),
        tracked_rotation=matrix_from_angles(HeadAngles(20.0, -10.0, 5.0)),
        tracked_quality=0.7,
        tracked_source="model tracking",
    )


def _engine_classes() -> list[type]:
    """Classes in app/engines that look like pose engines (a ``name``, ``estimate`` and ``reset``)."""
    found = []
    for module_info in pkgutil.iter_modules(app.engines.__path__, "app.engines."):
        module = importlib.import_module(module_info.name)
        for _, cls in inspect.getmembers(module, inspect.isclass):
            if cls.__module__ == module.__name__ and all(hasattr(cls, a) for a in ("name", "estimate", "reset")):
                found.append(cls)
    return found


def test_every_engine_class_can_be_chosen_by_name() -> None:
    names = {cls.name for cls in _engine_classes()}
    assert names, "no engine classes found under app/engines"
    assert names == set(ENGINE_NAMES)


def test_engine_is_called_by_its_factory_name(engine: PoseEngine, request: pytest.FixtureRequest) -> None:
    assert engine.name == request.node.callspec.params["engine"]


def test_answer_is_a_rotation_with_a_quality_and_a_source(engine: PoseEngine) -> None:
    result = engine.estimate(_frame(), _head())
    assert isinstance(result, EngineResult)
    rotation = np.asarray(result.rotation)
    assert rotation.shape == (3, 3) and np.all(np.isfinite(rotation))
    np.testing.assert_allclose(rotation @ rotation.T, np.eye(3), atol=1e-6)
    assert np.linalg.det(rotation) == pytest.approx(1.0, abs=1e-6)
    assert isinstance(result.quality, float) and 0.0 <= result.quality <= 1.0
    assert isinstance(result.source, str) and result.source


def test_no_head_means_no_answer(engine: PoseEngine) -> None:
    assert engine.estimate(_frame(), HeadObservation(box=None)) is None


def test_same_frame_same_answer_also_after_reset(engine: PoseEngine) -> None:
    frame, head = _frame(), _head()
    image_before = frame.image.copy()
    first = engine.estimate(frame, head)
    second = engine.estimate(frame, head)
    assert engine.reset() is None
    after_reset = engine.estimate(frame, head)
    np.testing.assert_array_equal(frame.image, image_before)  # the frame is shared with the GUI
    for other in (second, after_reset):
        np.testing.assert_array_equal(other.rotation, first.rotation)
        assert other.quality == first.quality and other.source == first.source
