"""The model that ships in models/: small enough for the repository, honest about its data, found
by the app without --model, and run by the onnx engine on the demo video."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

import main
from app.engines.factory import create_engine
from app.engines.model_registry import REPO_MODELS_DIR, find_models

MAX_MODEL_BYTES = 25 * 1024 * 1024
MIN_HELD_OUT_IDENTITIES = 5


@pytest.fixture(scope="module")
def shipped():
    entries = [e for e in find_models([REPO_MODELS_DIR]) if e.info is not None]
    assert entries, f"no usable model in {REPO_MODELS_DIR}"
    return entries


def test_every_shipped_model_is_small_and_says_what_it_was_trained_on(shipped):
    assert sum(entry.path.stat().st_size for entry in shipped) <= MAX_MODEL_BYTES  # all of them together
    for entry in shipped:
        assert entry.path.stat().st_size <= MAX_MODEL_BYTES, entry.path
        meta = entry.info.metadata
        assert "renders of textured 3D heads" in meta["training_data"]
        assert "BIWI" not in meta["training_data"]
        assert meta["data_licence"].startswith("MIT License") and "Tiffany Do" in meta["data_licence"]
        assert "VALID" in meta["data_attribution"]
        held_out = set(meta["test_identities"].split(", "))
        trained = set(meta["train_identities"].split(", "))
        assert len(held_out) >= MIN_HELD_OUT_IDENTITIES and not held_out & trained
        for axis in ("yaw", "pitch", "roll"):
            assert float(meta[f"test_mae_{axis}"]) > 0.0
        assert entry.path.with_suffix(".md").is_file() and entry.path.with_suffix(".json").is_file()


def test_the_app_finds_it_without_a_model_argument(shipped, capsys):
    engine = create_engine("onnx", None, "cpu")
    assert Path(engine.info.path).parent == REPO_MODELS_DIR
    crops = np.zeros((2, engine.crop_rule.input_size, engine.crop_rule.input_size, 3), np.uint8)
    assert engine.predict_crops(crops).shape == (2, 3)
    assert main.main(["models", "--dir", str(REPO_MODELS_DIR)]) == 0
    assert shipped[0].path.stem in capsys.readouterr().out
