"""Torch datasets over the preprocessed splits: cached face crops, angles, optional landmarks."""

from __future__ import annotations

import logging
from pathlib import Path

import numpy as np
import torch
from torch.utils.data import Dataset

from app.errors import InputError
from training.crop_cache import load_crops
from training.models import IMAGENET_MEAN, IMAGENET_STD
from training.preprocess import split_file

log = logging.getLogger(__name__)

REQUIRED_KEYS = ("image_paths", "angles", "subject", "bbox")


def load_split(data_dir: Path, split: str) -> dict[str, np.ndarray]:
    """The arrays of ``DATA/biwi_cnn_{split}.npz``, checked; InputError if missing or corrupt."""
    path = split_file(data_dir, split)
    if not path.is_file():
        raise InputError(f"{path} not found: run python -m training.preprocess --biwi BIWI --out {data_dir}")
    try:
        with np.load(path, allow_pickle=False) as npz:
            arrays = {k: npz[k] for k in npz.files}
    except Exception as exc:  # zipfile/ValueError/OSError on a damaged file
        raise InputError(f"{path} is not a readable npz split file: {exc}") from None
    missing = [k for k in REQUIRED_KEYS if k not in arrays]
    if missing:
        raise InputError(f"{path} lacks the key(s) {', '.join(missing)}; run training.preprocess again")
    n = len(arrays["image_paths"])
    if arrays["angles"].shape != (n, 3) or arrays["bbox"].shape != (n, 4):
        raise InputError(f"{path}: angles/bbox shapes {arrays['angles'].shape}/{arrays['bbox'].shape} do not match {n} rows")
    return arrays


def has_landmarks(arrays: dict[str, np.ndarray]) -> bool:
    return "face_landmarks" in arrays and "pose_landmarks" in arrays


def normalize_images(images_uint8_nchw: torch.Tensor) -> torch.Tensor:
    """uint8 [N,3,H,W] RGB -> float, ImageNet-normalised. The ONNX graph applies this same function."""
    mean = torch.tensor(IMAGENET_MEAN, device=images_uint8_nchw.device).view(1, 3, 1, 1)
    std = torch.tensor(IMAGENET_STD, device=images_uint8_nchw.device).view(1, 3, 1, 1)
    return (images_uint8_nchw.float() / 255.0 - mean) / std


class CropDataset(Dataset):
    """Face crops (uint8 CHW tensors) with angles; landmark targets where the split has them."""

    def __init__(self, data_dir: Path, split: str, input_size: int, augment: bool = False, seed: int = 0) -> None:
        self.arrays = load_split(data_dir, split)
        self.crops = load_crops(data_dir, split, input_size, self.arrays["image_paths"], self.arrays["bbox"])
        self.angles = self.arrays["angles"].astype(np.float32)
        self.augment = augment
        self.seed = seed
        self.landmarks = has_landmarks(self.arrays)

    def __len__(self) -> int:
        return len(self.angles)

    def __getitem__(self, i: int) -> dict[str, torch.Tensor]:
        crop = np.asarray(self.crops[i])
        if self.augment:
            crop = self._jitter(crop)
        item = {
            "image": torch.from_numpy(np.ascontiguousarray(crop.transpose(2, 0, 1))),
            "angles": torch.from_numpy(self.angles[i]),
        }
        if self.landmarks:
            face = self.arrays["face_landmarks"][i]
            pose = self.arrays["pose_landmarks"][i]
            item["face_landmarks"] = torch.from_numpy(np.nan_to_num(face).astype(np.float32))
            item["pose_landmarks"] = torch.from_numpy(np.nan_to_num(pose).astype(np.float32))
            item["landmark_mask"] = torch.tensor(bool(np.isfinite(face).all() and np.isfinite(pose).all()))
        return item

    @staticmethod
    def _jitter(crop: np.ndarray) -> np.ndarray:
        # Brightness/contrast only: geometric changes would change the true angles (a flip
        # swaps left and right, a rotation changes roll).
        # torch's generator: seeded by train.seed, and per worker by the DataLoader.
        gain = 0.8 + 0.4 * float(torch.rand(()))
        bias = -20.0 + 40.0 * float(torch.rand(()))
        return np.clip(crop.astype(np.float32) * gain + bias, 0, 255).astype(np.uint8)


class LandmarkDataset(Dataset):
    """MediaPipe landmark vectors and angles, for the MLP baseline (rows without landmarks dropped)."""

    def __init__(self, data_dir: Path, split: str) -> None:
        arrays = load_split(data_dir, split)
        if not has_landmarks(arrays):
            raise InputError(
                f"{split_file(data_dir, split)} has no landmarks: the MLP baseline needs "
                f"python -m training.preprocess ... --landmarks"
            )
        face, pose = arrays["face_landmarks"], arrays["pose_landmarks"]
        keep = np.isfinite(face).all(axis=1) & np.isfinite(pose).all(axis=1)
        self.dropped = int((~keep).sum())
        if self.dropped:
            log.info("%s: %d of %d frames have no landmarks and are left out", split, self.dropped, len(keep))
        self.face = torch.from_numpy(face[keep].astype(np.float32))
        self.pose = torch.from_numpy(pose[keep].astype(np.float32))
        self.angles = torch.from_numpy(arrays["angles"][keep].astype(np.float32))
        self.arrays = {k: (v[keep] if getattr(v, "ndim", 0) and len(v) == len(keep) else v) for k, v in arrays.items()}

    def __len__(self) -> int:
        return len(self.angles)

    def __getitem__(self, i: int) -> dict[str, torch.Tensor]:
        return {"face_landmarks": self.face[i], "pose_landmarks": self.pose[i], "angles": self.angles[i]}
