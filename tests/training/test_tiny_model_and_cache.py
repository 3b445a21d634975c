from __future__ import annotations

import numpy as np
import onnx

from app.core.crop import crop_box
from training.crop_cache import read_rgb
from training.dataset import CropDataset


def test_build_tiny_onnx_gives_a_contract_model(tmp_path):
    from training.tiny_model import build_tiny_onnx

    path = build_tiny_onnx(tmp_path, input_size=32)
    meta = {p.key: p.value for p in onnx.load(str(path)).metadata_props}
    assert meta["input_size"] == "32" and meta["backbone"] == "resnet18"
    assert path.with_suffix(".json").is_file() and path.with_suffix(".md").is_file()


def test_crops_at_a_new_size_are_cached_from_the_pngs(prepared, tmp_path):
    import shutil

    shutil.copytree(prepared, tmp_path / "d")
    ds = CropDataset(tmp_path / "d", "test", 40)
    assert (tmp_path / "d" / "crops" / "test_40.npy").is_file()
    first = ds[0]["image"].numpy().transpose(1, 2, 0)
    image = read_rgb(ds.arrays["image_paths"][0])
    expected = crop_box(image, tuple(int(v) for v in ds.arrays["bbox"][0]), 40)
    assert np.array_equal(first, expected)
