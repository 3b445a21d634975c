"""create_engine turns --engine/--model/--device into an engine, or one clear error."""

from __future__ import annotations

import shutil
from pathlib import Path

import numpy as np
import pytest

from app.core.angles import angles_from_matrix
from app.core.crop import HeadBox
from app.core.types import Frame, HeadObservation
from app.engines import model_registry
from app.engines.factory import create_engine
from app.errors import InputError


def test_onnx_engine_from_a_model_file(contract_model: Path) -> None:
    engine = create_engine("onnx", str(contract_model), "cpu")
    assert engine.name == "onnx"
    image = np.full((80, 80, 3), 168, dtype=np.uint8)  # every channel 168: all angles (168-128)/4 = 10
    result = engine.estimate(Frame(image, 0.0, 0), HeadObservation(box=HeadBox(40.0, 40.0, 30.0)))
    np.testing.assert_allclose(angles_from_matrix(result.rotation).as_array(), [10.0, 10.0, 10.0], atol=1e-3)


def test_onnx_without_model_uses_the_registry(contract_model: Path, tmp_path: Path, monkeypatch) -> None:
    folder = tmp_path / "models"
    folder.mkdir()
    monkeypatch.setattr(model_registry, "model_dirs", lambda data_dir=None: [folder])
    with pytest.raises(InputError, match="--engine onnx needs --model FILE.onnx: no usable model in"):
        create_engine("onnx", None, "auto")
    shutil.copy(contract_model, folder / "mine.onnx")
    engine = create_engine("onnx", None, "auto")
    assert engine.info.path == folder / "mine.onnx"


def test_unknown_engine_is_refused() -> None:
    with pytest.raises(InputError, match="unknown engine 'magic'"):
        create_engine("magic", None, "auto")
