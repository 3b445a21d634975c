"""create_engine turns --engine/--model/--device into an engine, or one clear error."""

from __future__ import annotations

import shutil
from pathlib import Path

import numpy as np
import pytest

from app.core.angles import angles_from_matrix
from app.core.types import Frame, HeadBox, HeadObservation
from app.engines import model_registry
from app.engines.factory import create_engine
from app.model_folders import default_model_dirs
from app.errors import InputError


def test_onnx_engine_from_a_model_file(contract_model: Path) -> None:
    engine = create_engine("onnx", str(contract_model), "cpu")
    assert engine.name == "onnx"
    image = np.full((80, 80, 3), 168, dtype=np.uint8)  # every channel 168: all angles (168-128)/4 = 10
    result = engine.estimate(Frame(image, 0.0, 0), HeadObservation(box=HeadBox(40.0, 40.0, 30.0)))
    np.testing.assert_allclose(angles_from_matrix(result.rotation).as_array(), [10.0, 10.0, 10.0], atol=1e-3)
    assert engine.check is not None  # checked against the head tracker unless asked otherwise
    assert create_engine("onnx", str(contract_model), "cpu", cross_check=False).check is None


def test_onnx_without_model_uses_the_registry(contract_model: Path, tmp_path: Path, monkeypatch) -> None:
    folder = tmp_path / "models"
    folder.mkdir()
    with pytest.raises(InputError, match="--engine onnx needs --model FILE.onnx: no usable model in"):
        create_engine("onnx", None, "auto", model_dirs=[folder])
    shutil.copy(contract_model, folder / "mine.onnx")
    engine = create_engine("onnx", None, "auto", model_dirs=[folder])
    assert engine.info.path == folder / "mine.onnx"


def test_default_model_folders_are_the_repo_and_the_user_data_folder(tmp_path: Path, monkeypatch) -> None:
    monkeypatch.setenv("CERVICAM_DATA", str(tmp_path))
    assert default_model_dirs() == [model_registry.REPO_MODELS_DIR, tmp_path / "models"]
    assert default_model_dirs(tmp_path / "other") == [model_registry.REPO_MODELS_DIR, tmp_path / "other" / "models"]


def test_onnx_without_model_looks_in_the_user_data_folder(contract_model: Path, tmp_path: Path, monkeypatch) -> None:
    monkeypatch.setenv("CERVICAM_DATA", str(tmp_path))
    (tmp_path / "models").mkdir()
    shutil.copy(contract_model, tmp_path / "models" / "user.onnx")
    repo_models = [e for e in model_registry.find_models([model_registry.REPO_MODELS_DIR]) if e.info is not None]
    expected = repo_models[0].path if repo_models else tmp_path / "models" / "user.onnx"
    assert create_engine("onnx", None, "cpu", default_model_dirs()).info.path == expected


def test_without_folders_only_the_repository_models_are_searched(contract_model: Path, tmp_path: Path, monkeypatch) -> None:
    # The engines take the folders from their caller; they never resolve the user data folder.
    monkeypatch.setenv("CERVICAM_DATA", str(tmp_path))
    (tmp_path / "models").mkdir()
    shutil.copy(contract_model, tmp_path / "models" / "user.onnx")
    repo_models = [e for e in model_registry.find_models([model_registry.REPO_MODELS_DIR]) if e.info is not None]
    if repo_models:
        assert create_engine("onnx", None, "cpu").info.path == repo_models[0].path
    else:
        with pytest.raises(InputError, match="no usable model in"):
            create_engine("onnx", None, "cpu")


def test_unknown_engine_is_refused() -> None:
    with pytest.raises(InputError, match="unknown engine 'magic'"):
        create_engine("magic", None, "auto")
