"""`python main.py models` lists usable models with their card and says why others are unusable."""

from __future__ import annotations

import json
import subprocess
import sys
import warnings
from pathlib import Path

import pytest

import main
from tests.engines.onnx_models import export_test_model

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def model_folder(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("user") / "models"
    folder.mkdir()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        export_test_model(folder / "dual_resnet18.onnx")
    (folder / "dual_resnet18.json").write_text(json.dumps({"precision": "int8"}))
    (folder / "half_written.onnx").write_bytes(b"\x08\x07")
    return folder


def test_lists_backbone_data_split_and_mae(model_folder: Path, capsys) -> None:
    assert main.main(["models", "--dir", str(model_folder)]) == 0
    out = capsys.readouterr().out
    row = next(line for line in out.splitlines() if line.startswith("dual_resnet18"))
    for text in ("int8", "colour-mean (test)", "none (test model)", "test 1.50/2.25/3.00", str(model_folder)):
        assert text in row
    assert f"unusable: {model_folder / 'half_written.onnx'}: " in out


def test_user_model_folder_comes_from_the_data_dir(model_folder: Path, capsys) -> None:
    assert main.main(["models", "--data-dir", str(model_folder.parent)]) == 0
    out = capsys.readouterr().out
    assert str(model_folder) in out.splitlines()[0]
    assert any(line.startswith("dual_resnet18") for line in out.splitlines())


def test_no_models_is_not_an_error(tmp_path: Path, capsys, monkeypatch) -> None:
    monkeypatch.setenv("CERVICAM_ORT_THREADS", "3")
    assert main.main(["models", "--dir", str(tmp_path)]) == 0
    out = capsys.readouterr().out
    assert "no models found: the app measures with the landmarks engine" in out
    assert "onnx engine device: " in out and "CPU with 3 threads" in out


def test_command_line_help_and_exit_code(tmp_path: Path) -> None:
    done = subprocess.run(
        [sys.executable, "main.py", "models", "--dir", str(tmp_path)], cwd=ROOT, capture_output=True, text=True, timeout=60
    )
    assert done.returncode == 0, done.stderr
    assert "no models found" in done.stdout
