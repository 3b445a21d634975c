"""A tiny exported model, end to end through the real pipeline, for other components' tests.

    from training.tiny_model import build_tiny_onnx
    onnx_path = build_tiny_onnx(tmp_path)   # ~10 s on a laptop CPU; needs torch

Synthetic BIWI-format data -> preprocess -> a few ResNet18 steps (no ImageNet download) ->
export_onnx. The model follows the ONNX contract and carries full metadata and a card; its
angles are not accurate (it has seen a few dozen cartoon heads).
"""

from __future__ import annotations

from pathlib import Path

from training.config import load_config
from training.export_onnx import export_onnx
from training.preprocess import preprocess
from training.synthetic_biwi import write_synthetic_biwi
from training.train import train

CONFIG = Path(__file__).resolve().parent / "configs" / "dual_branch.yaml"


def build_tiny_onnx(
    workdir: Path, input_size: int = 64, epochs: int = 1, frames: int = 4, backbone: str = "resnet18", seed: int = 0
) -> Path:
    """Write ``workdir/tiny.onnx`` (+ ``tiny.json``, ``tiny.md``) and return its path."""
    workdir = Path(workdir)
    write_synthetic_biwi(workdir / "biwi", sequences=("01", "02", "03"), frames=frames, seed=seed)
    data = workdir / "splits"
    preprocess(workdir / "biwi", data, split="random", seed=seed, crop_size=input_size, show_progress=False)
    cfg = load_config(CONFIG, [
        f"data.dir={data}", "data.num_workers=0", "data.augment=false", f"model.backbone={backbone}",
        f"model.input_size={input_size}", "model.pretrained_cnn=false", f"train.epochs={epochs}",
        "train.batch_size=4", "train.device=cpu", f"train.seed={seed}",
    ])
    result = train(cfg, data, workdir / "run", show_progress=False)
    return export_onnx(result.best_path, workdir / "tiny.onnx", data_dir=data)
