"""Shared fixtures: one tiny BIWI-format dataset, its preprocessed splits, one trained tiny model."""

from __future__ import annotations

from pathlib import Path

import pytest
import torch

from training.config import load_config
from training.preprocess import preprocess
from training.synthetic_biwi import write_synthetic_biwi

# One intra-op thread: on a small shared machine, two threads that wait for each other make the
# element-wise optimiser steps 10x slower; the tiny models here gain nothing from a second one.
torch.set_num_threads(1)

CONFIGS = Path(__file__).resolve().parents[2] / "training" / "configs"
# Sequences 03 and 15 are the same person in BIWI (F03): the subject split must keep them together.
SEQUENCES = ("01", "02", "03", "04", "15")
FRAMES = 8
INPUT_SIZE = 64


@pytest.fixture(scope="session")
def synthetic_biwi(tmp_path_factory) -> tuple[Path, list]:
    root = tmp_path_factory.mktemp("biwi")
    truth = write_synthetic_biwi(root, sequences=SEQUENCES, frames=FRAMES, seed=3)
    return root, truth


@pytest.fixture(scope="session")
def prepared(synthetic_biwi, tmp_path_factory) -> Path:
    root, _ = synthetic_biwi
    out = tmp_path_factory.mktemp("splits")
    preprocess(root, out, split="random", seed=1, crop_size=INPUT_SIZE, show_progress=False)
    return out


def tiny_config(data_dir: Path, epochs: int = 10, **train):
    overrides = [
        f"data.dir={data_dir}", "data.num_workers=0", "data.augment=false",
        f"model.input_size={INPUT_SIZE}", "model.pretrained_cnn=false", "model.dropout=0.0",
        f"train.epochs={epochs}", "train.batch_size=8", f"train.checkpoint_every={epochs}", "train.lr=0.001", "train.device=cpu", "train.seed=0",
    ] + [f"train.{k}={v}" for k, v in train.items()]
    return load_config(CONFIGS / "dual_branch.yaml", overrides)


@pytest.fixture(scope="session")
def trained(prepared, tmp_path_factory):
    from training.train import train

    out = tmp_path_factory.mktemp("run")
    result = train(tiny_config(prepared), prepared, out, show_progress=False)
    return result
