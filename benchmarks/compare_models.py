"""Exported models side by side on the same held-out crops: per-axis MAE of each ONNX file.

    python benchmarks/compare_models.py MODEL.onnx [MODEL.onnx ...] --data DIR [--split test]
        [--identities NAME,...] [--untrained-only]

Each model is run on DIR's split at its own input size (its metadata; the crops are cut by the one
crop rule). ``--untrained-only`` keeps the identities no model trained on (each card's
``train_identities``), so that models trained on different splits are compared fairly. Errors are
in the camera's axes: a model that reads angles relative to the crop's ray (``angle_frame =
crop_ray``) is turned as the app turns it, so models of either frame compare on one footing.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from app.core.view_ray import AngleFrame, camera_angles  # noqa: E402
from app.engines.model_registry import read_model_info  # noqa: E402
from training.export_onnx import eval_crops, run_onnx  # noqa: E402


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("models", nargs="+", type=Path)
    p.add_argument("--data", required=True, type=Path)
    p.add_argument("--split", default="test")
    p.add_argument("--identities", default="", help="comma-separated identities to keep (default: all)")
    p.add_argument("--untrained-only", action="store_true")
    args = p.parse_args(argv)
    infos = [read_model_info(m) for m in args.models]
    keep = {name for name in args.identities.split(",") if name}
    trained = set()
    if args.untrained_only:
        for info in infos:
            trained |= set(info.describe("train_identities", "").split(", "))
    print(f"{'model':<40} {'frames':>6}  MAE yaw/pitch/roll (mean)")
    for path, info in zip(args.models, infos):
        crops = eval_crops(args.data, args.split, info.crop_rule.input_size, 0)
        identity = crops.arrays["identity"]
        mask = np.ones(len(identity), bool)
        if keep:
            mask &= np.isin(identity, list(keep))
        if trained:
            mask &= ~np.isin(identity, list(trained))
        if not mask.any():
            print(f"{path.name}: no crops left", file=sys.stderr)
            return 2
        error = np.abs(camera_axes(run_onnx(path, crops.images[mask]), info.angle_frame, crops.arrays, mask)
                       - crops.arrays.get("camera_angles", crops.arrays["angles"])[mask]).mean(axis=0)
        print(f"{path.stem:<40} {int(mask.sum()):6d}  {error[0]:.2f}/{error[1]:.2f}/{error[2]:.2f} ({error.mean():.2f})")
    if trained or keep:
        print("identities:", ", ".join(sorted(set(identity[mask].tolist()))))
    return 0


def camera_axes(pred: np.ndarray, frame: AngleFrame, arrays: dict[str, np.ndarray], mask: np.ndarray) -> np.ndarray:
    if frame is AngleFrame.CROP_RAY:
        if "crop_ray" not in arrays:
            raise SystemExit("a crop_ray model needs renders that record each crop's ray (training.synthesize since stop 24)")
        return camera_angles(pred, arrays["crop_ray"][mask])
    return pred


if __name__ == "__main__":
    sys.exit(main())
