"""Evaluate checkpoints on a preprocessed split: per-axis MAE, MAE by |yaw| bin, plot, comparison table.

    python -m training.evaluate --checkpoint models/saved/cervical_headpose_cnn_best.pth --data data/splits
    python -m training.evaluate --checkpoint A.pth B.pth --names CNN MLP --data data/splits --markdown table.md

MAE is reported twice: in the project's convention (what the app measures) and in FSA-Net's
reading of BIWI mapped to the project's signs (what published BIWI numbers use).
"""

from __future__ import annotations

import argparse
import logging
import sys
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import torch
from torch.utils.data import DataLoader

from app.core.view_ray import camera_angles
from app.errors import InputError
from training.checkpoint import model_from_checkpoint
from training.cli import EXIT_BAD_INPUT, attempt, setup_logging
from training.dataset import CropDataset, LandmarkDataset
from training.metrics import AXES, binned_accuracy, binned_table, fsanet_mae, mae_by_yaw_bin, mae_per_axis
from training.train import predict

log = logging.getLogger(__name__)


@dataclass
class EvalResult:
    name: str
    checkpoint: Path
    split: str
    frames: int
    mae: dict[str, float]
    mae_fsanet: dict[str, float]
    by_yaw_bin: dict[str, tuple[float, int]]
    pred: np.ndarray
    true: np.ndarray
    architecture: str
    backbone: str
    mae_camera: dict[str, float] | None = None  # renders labelled on the crop's ray: turned into the camera's axes


def evaluate_checkpoint(checkpoint: Path, data_dir: Path, split: str = "test", name: str | None = None, batch_size: int = 64) -> EvalResult:
    model, cfg, _ = model_from_checkpoint(checkpoint)
    if cfg.model.architecture == "mlp_baseline":
        dataset = LandmarkDataset(data_dir, split)
    else:
        dataset = CropDataset(data_dir, split, cfg.model.input_size, augment=False)
    if len(dataset) == 0:
        raise InputError(f"the {split} split in {data_dir} is empty")
    loader = DataLoader(dataset, batch_size=batch_size, shuffle=False, num_workers=0)
    pred, true = predict(model, loader, torch.device("cpu"))
    arrays = dataset.arrays
    fsa = fsanet_mae(pred, arrays["rotation"]) if "rotation" in arrays else {a: float("nan") for a in (*AXES, "mean")}
    return EvalResult(
        name=name or Path(checkpoint).parent.name or Path(checkpoint).stem,
        checkpoint=Path(checkpoint),
        split=split,
        frames=len(dataset),
        mae=mae_per_axis(pred, true),
        mae_fsanet=fsa,
        by_yaw_bin=mae_by_yaw_bin(pred, true),
        pred=pred,
        true=true,
        architecture=cfg.model.architecture,
        backbone=cfg.model.backbone if cfg.model.architecture == "dual_branch" else "-",
        mae_camera=camera_axes_mae(pred, arrays),
    )


def camera_axes_mae(pred: np.ndarray, arrays: dict[str, np.ndarray]) -> dict[str, float] | None:
    """MAE of ray-frame predictions turned into the camera's axes, as the app turns them
    (app.core.view_ray), against the camera-axes labels; None for splits labelled in the camera's axes."""
    if "crop_ray" not in arrays or "camera_angles" not in arrays:
        return None
    return mae_per_axis(camera_angles(pred, arrays["crop_ray"]), arrays["camera_angles"])


def format_report(r: EvalResult) -> str:
    lines = [
        f"{r.name} ({r.architecture}, {r.backbone}) on {r.split}: {r.frames} frames",
        "  MAE (deg)      yaw    pitch  roll   mean",
        f"  project      {r.mae['yaw']:6.2f} {r.mae['pitch']:6.2f} {r.mae['roll']:6.2f} {r.mae['mean']:6.2f}",
        f"  FSA-Net      {r.mae_fsanet['yaw']:6.2f} {r.mae_fsanet['pitch']:6.2f} {r.mae_fsanet['roll']:6.2f} {r.mae_fsanet['mean']:6.2f}",
        "  mean MAE by |yaw|:",
    ]
    if r.mae_camera is not None:
        m = r.mae_camera
        lines.insert(4, f"  camera axes  {m['yaw']:6.2f} {m['pitch']:6.2f} {m['roll']:6.2f} {m['mean']:6.2f}"
                        "   (turned from the crop's ray as the app does)")
    for label, (value, n) in r.by_yaw_bin.items():
        lines.append(f"    {label:<12} {value:6.2f}  ({n} frames)")
    lines.append("  MAE per axis by angle bin:")
    lines += ["    " + line for line in binned_table(binned_accuracy(r.pred, r.true))]
    return "\n".join(lines)


def markdown_table(results: list[EvalResult]) -> str:
    """One comparison table, one row per checkpoint."""
    bins = list(results[0].by_yaw_bin) if results else []
    head = ["model", "architecture", "backbone", "frames", "yaw", "pitch", "roll", "mean", "mean (FSA-Net reading)", *bins]
    rows = ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
    for r in results:
        cells = [r.name, r.architecture, r.backbone, str(r.frames)]
        cells += [f"{r.mae[a]:.2f}" for a in (*AXES, "mean")]
        cells.append(f"{r.mae_fsanet['mean']:.2f}")
        cells += [f"{r.by_yaw_bin[b][0]:.2f}" for b in bins]
        rows.append("| " + " | ".join(cells) + " |")
    return "\n".join(rows) + "\n\nMAE in degrees on the " + (results[0].split if results else "?") + " split; |yaw| columns: mean of the three axes.\n"


def write_plot(results: list[EvalResult], path: Path) -> Path:
    """Absolute error against true yaw per axis, one colour per checkpoint."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, axes = plt.subplots(1, 3, figsize=(13, 4), sharey=True)
    for r in results:
        err = np.abs((r.pred - r.true + 180.0) % 360.0 - 180.0)
        for i, axis in enumerate(AXES):
            axes[i].scatter(r.true[:, 0], err[:, i], s=4, alpha=0.5, label=f"{r.name} ({r.mae[axis]:.2f})")
    for i, axis in enumerate(AXES):
        axes[i].set_title(f"{axis} error")
        axes[i].set_xlabel("true yaw (deg, + = patient's left)")
        axes[i].legend(fontsize=7)
    axes[0].set_ylabel("absolute error (deg)")
    fig.tight_layout()
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path, dpi=110)
    plt.close(fig)
    return path


def build_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="python -m training.evaluate", description=__doc__.split("\n")[0])
    p.add_argument("--checkpoint", nargs="+", required=True, type=Path)
    p.add_argument("--names", nargs="+", help="row names for the checkpoints (default: their folder names)")
    p.add_argument("--data", required=True, type=Path)
    p.add_argument("--split", default="test", choices=("train", "val", "test"))
    p.add_argument("--plot", type=Path, help="error plot PNG (default: beside the first checkpoint)")
    p.add_argument("--markdown", type=Path, help="also write the comparison table to this file")
    return p


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    setup_logging(logging.WARNING)
    if args.names and len(args.names) != len(args.checkpoint):
        print("evaluate: --names needs one name per checkpoint", file=sys.stderr)
        return EXIT_BAD_INPUT
    names = args.names or [None] * len(args.checkpoint)
    results = attempt("evaluate", lambda: [evaluate_checkpoint(c, args.data, args.split, n) for c, n in zip(args.checkpoint, names)])
    if results is None:
        return EXIT_BAD_INPUT
    for r in results:
        print(format_report(r))
    table = markdown_table(results)
    if len(results) > 1:
        print()
        print(table)
    if args.markdown:
        args.markdown.parent.mkdir(parents=True, exist_ok=True)
        args.markdown.write_text(table, encoding="utf-8")
        print(f"Wrote {args.markdown}")
    plot = write_plot(results, args.plot or args.checkpoint[0].with_name(f"eval_{args.split}.png"))
    print(f"Wrote {plot}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
