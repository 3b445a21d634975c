"""The model registry refuses files that break the ONNX contract, with one clear message, and reads cards."""

from __future__ import annotations

import json
import shutil
import warnings
from pathlib import Path

import pytest

from app.engines.model_registry import find_models, read_model_info
from app.errors import InputError
from tests.engines.onnx_models import CONTRACT_METADATA, export_test_model


def _export(path: Path, **kwargs) -> Path:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return export_test_model(path, **kwargs)


def test_reads_crop_rule_and_metadata(contract_model: Path) -> None:
    info = read_model_info(contract_model)
    assert info.crop_rule.input_size == 32
    assert info.crop_rule.margin == pytest.approx(0.25)
    assert info.describe("backbone") == "colour-mean (test)"
    assert info.dynamic_batch is True
    assert info.mae_summary() == "test 1.50/2.25/3.00"


def test_not_onnx_is_refused(tmp_path: Path) -> None:
    fake = tmp_path / "model.onnx"
    fake.write_text("this is not a protobuf at all\n")
    with pytest.raises(InputError, match="not a usable ONNX model"):
        read_model_info(fake)
    other = tmp_path / "model.pt"
    other.write_bytes(b"\x80\x02")
    with pytest.raises(InputError, match="not an ONNX model file"):
        read_model_info(other)


def test_missing_file_is_refused(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="not found"):
        read_model_info(tmp_path / "absent.onnx")


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"input_dtype": "float32"}, "expected tensor\\(uint8\\)"),
        ({"input_name": "input"}, "exactly one input named 'image'"),
        ({"output_name": "pose"}, "none named 'angles'"),
        ({"nchw": True}, "expected \\[N, H, W, 3\\]"),
    ],
)
def test_wrong_tensors_are_refused(tmp_path: Path, kwargs: dict, message: str) -> None:
    path = _export(tmp_path / "bad.onnx", **kwargs)
    with pytest.raises(InputError, match=message):
        read_model_info(path)


@pytest.mark.parametrize("missing", ["input_size", "crop_margin", "convention"])
def test_missing_metadata_is_refused_not_guessed(tmp_path: Path, missing: str) -> None:
    metadata = {k: v for k, v in CONTRACT_METADATA.items() if k != missing}
    # A fixed 32x32 input would let a guesser find input_size; the registry must still refuse.
    path = _export(tmp_path / "nometa.onnx", metadata=metadata, fixed_size=32)
    with pytest.raises(InputError, match=f"lacks the metadata.*{missing}"):
        read_model_info(path)


def test_input_size_must_match_a_fixed_input(tmp_path: Path) -> None:
    path = _export(tmp_path / "mismatch.onnx", metadata={**CONTRACT_METADATA, "input_size": "64"}, fixed_size=32)
    with pytest.raises(InputError, match="input tensor is 32x32 but its metadata says input_size 64"):
        read_model_info(path)


def test_extra_named_outputs_are_allowed(tmp_path: Path) -> None:
    info = read_model_info(_export(tmp_path / "extra.onnx", extra_output=True))
    assert info.output_name == "angles"


def test_find_models_lists_good_and_bad_with_card(tmp_path: Path, contract_model: Path) -> None:
    folder = tmp_path / "models"
    folder.mkdir()
    good = folder / "good.onnx"
    shutil.copy(contract_model, good)
    (folder / "good.json").write_text(json.dumps({"data": {"train": "BIWI"}, "int8_mae_change_deg": 0.4}))
    (folder / "broken.onnx").write_bytes(b"\x00\x01garbage")
    (folder / "notes.txt").write_text("ignored")
    entries = find_models([folder, tmp_path / "absent"])
    assert [e.path.name for e in entries] == ["broken.onnx", "good.onnx"]
    broken, good_entry = entries
    assert broken.info is None and "not a usable ONNX model" in broken.problem
    assert good_entry.info is not None
    assert good_entry.info.describe("data_train") == "BIWI"
    assert good_entry.info.describe("int8_mae_change_deg") == "0.4"


def test_another_angle_convention_is_refused(tmp_path: Path) -> None:
    metadata = {**CONTRACT_METADATA, "convention": "hopenet: pitch, yaw, roll from BIWI rows"}
    path = _export(tmp_path / "hopenet.onnx", metadata=metadata)
    with pytest.raises(InputError, match="another angle convention"):
        read_model_info(path)


def test_an_unknown_angle_frame_is_refused(tmp_path: Path) -> None:
    """The app turns a model's angles into the camera's axes from what ``angle_frame`` says: a frame
    it does not know is refused, never taken for the camera's."""
    path = _export(tmp_path / "frame.onnx", metadata={**CONTRACT_METADATA, "angle_frame": "head_centre"})
    with pytest.raises(InputError, match="head_centre"):
        read_model_info(path)
    assert read_model_info(_export(tmp_path / "plain.onnx")).angle_frame.value == "camera"
