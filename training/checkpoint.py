"""Checkpoints that rebuild the run: weights, optimiser, epoch, metrics and the config as a plain dict.

They hold only tensors and plain Python types, so they load with ``torch.load(weights_only=True)``.
"""

from __future__ import annotations

from pathlib import Path

import torch
from torch import nn

from app.errors import InputError
from training.config import RunConfig, config_from_dict
from training.models import build_model

BEST_NAME = "cervical_headpose_cnn_best.pth"
LAST_NAME = "cervical_headpose_cnn_last.pth"


def save_checkpoint(path: Path, payload: dict) -> Path:
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(".tmp")
    torch.save(payload, tmp)
    tmp.replace(path)  # never leave a half-written checkpoint behind
    return path


def load_checkpoint(path: Path) -> dict:
    path = Path(path)
    if not path.is_file():
        raise InputError(f"checkpoint not found: {path}")
    try:
        ckpt = torch.load(path, map_location="cpu", weights_only=True)
    except Exception as exc:
        raise InputError(f"{path} is not a readable cervicam checkpoint: {exc}") from None
    if not isinstance(ckpt, dict) or "model_state" not in ckpt or "config" not in ckpt:
        raise InputError(f"{path} is not a cervicam checkpoint (no model_state/config)")
    return ckpt


def model_from_checkpoint(path: Path) -> tuple[nn.Module, RunConfig, dict]:
    """Rebuilt model in eval mode, its config and the raw checkpoint dict."""
    ckpt = load_checkpoint(path)
    cfg = config_from_dict(ckpt["config"])
    model = build_model(cfg.model)
    try:
        model.load_state_dict(ckpt["model_state"])
    except RuntimeError as exc:
        raise InputError(f"{path}: weights do not match its config: {str(exc).splitlines()[0]}") from None
    model.eval()
    return model, cfg, ckpt
