"""The landmark path: MediaPipe extraction keys, the MLP baseline and the auxiliary loss."""

from __future__ import annotations

import shutil

import numpy as np
import pytest

from training.config import load_config
from training.preprocess import preprocess
from training.synthetic_biwi import write_synthetic_biwi
from training.train import train

from .conftest import CONFIGS, INPUT_SIZE, tiny_config


def _add_landmarks(data_dir, missing_rows=(0,)):
    """Landmark vectors that are an exact function of the pose (a rotated point cloud)."""
    rng = np.random.default_rng(0)
    face_cloud, pose_cloud = rng.normal(size=(468, 3)), rng.normal(size=(33, 3))
    for split in ("train", "val", "test"):
        path = data_dir / f"biwi_cnn_{split}.npz"
        with np.load(path) as npz:
            arrays = {k: npz[k] for k in npz.files}
        rot = arrays["rotation"].astype(np.float64)
        arrays["face_landmarks"] = np.einsum("nij,kj->nki", rot, face_cloud).reshape(len(rot), -1).astype(np.float32)
        arrays["pose_landmarks"] = np.einsum("nij,kj->nki", rot, pose_cloud).reshape(len(rot), -1).astype(np.float32)
        if split == "train":
            for row in missing_rows:
                arrays["face_landmarks"][row] = np.nan
        np.savez(path, **arrays)


@pytest.fixture(scope="module")
def with_landmarks(prepared, tmp_path_factory):
    out = tmp_path_factory.mktemp("lm")
    shutil.copytree(prepared, out, dirs_exist_ok=True)
    _add_landmarks(out)
    return out


def test_mlp_baseline_learns_from_landmarks(with_landmarks, tmp_path):
    cfg = load_config(CONFIGS / "mlp_baseline.yaml", [
        f"data.dir={with_landmarks}", "train.epochs=15", "train.batch_size=8", "train.lr=0.003", "train.device=cpu", "model.dropout=0.0",
        "train.checkpoint_every=15"])
    result = train(cfg, with_landmarks, tmp_path, show_progress=False)
    losses = [h["train_loss"] for h in result.history]
    assert np.mean(losses[-3:]) < 0.5 * losses[0], losses
    from training.evaluate import evaluate_checkpoint

    ev = evaluate_checkpoint(result.best_path, with_landmarks, "test")
    assert ev.architecture == "mlp_baseline" and ev.frames > 0 and np.isfinite(ev.mae["mean"])


def test_aux_landmark_loss_trains_the_heads(with_landmarks, tmp_path):
    import torch

    from training.checkpoint import model_from_checkpoint
    from training.dataset import CropDataset

    cfg = tiny_config(with_landmarks, epochs=2, aux_landmark_weight=1.0)
    train(cfg, with_landmarks, tmp_path / "aux", show_progress=False)
    model, cfg_back, _ = model_from_checkpoint(tmp_path / "aux" / "cervical_headpose_cnn_last.pth")
    assert cfg_back.train.aux_landmark_weight == 1.0
    ds = CropDataset(with_landmarks, "train", INPUT_SIZE)
    assert ds.landmarks and not bool(ds[0]["landmark_mask"]) and bool(ds[1]["landmark_mask"])
    # With aux loss the face head moves toward the targets compared with no aux loss.
    train(tiny_config(with_landmarks, epochs=2), with_landmarks, tmp_path / "plain", show_progress=False)
    plain, _, _ = model_from_checkpoint(tmp_path / "plain" / "cervical_headpose_cnn_last.pth")
    from training.dataset import normalize_images

    batch = torch.stack([ds[i]["image"] for i in range(1, len(ds))])
    target = torch.stack([ds[i]["face_landmarks"] for i in range(1, len(ds))])
    with torch.no_grad():
        err_aux = torch.mean((model(normalize_images(batch))["face_landmarks"] - target) ** 2)
        err_plain = torch.mean((plain(normalize_images(batch))["face_landmarks"] - target) ** 2)
    assert err_aux < err_plain


def test_preprocess_landmarks_adds_keys_with_nan_where_not_found(tmp_path):
    write_synthetic_biwi(tmp_path / "db", sequences=("01", "02", "03"), frames=1, seed=2)
    preprocess(tmp_path / "db", tmp_path / "out", split="random", landmarks=True, crop_size=32, show_progress=False)
    rows = 0
    for split in ("train", "val", "test"):
        with np.load(tmp_path / "out" / f"biwi_cnn_{split}.npz") as npz:
            face, pose = npz["face_landmarks"], npz["pose_landmarks"]
            n = len(npz["angles"])
        assert face.shape == (n, 1404) and pose.shape == (n, 99) and face.dtype == np.float32
        # Each row is either all found or all NaN (MediaPipe rarely finds a face on a cartoon head).
        for row in face:
            assert np.isfinite(row).all() or np.isnan(row).all()
        rows += n
    assert rows == 3
