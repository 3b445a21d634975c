"""Export a trained checkpoint to ONNX by the app's contract (docs/ONNX.md), with its model card and a parity check.

    python -m training.export_onnx --checkpoint models/saved/cervical_headpose_cnn_best.pth \
        --out models/cervical_headpose_resnet18.onnx [--data data/splits] [--int8] [--fp16]

``--int8`` (needs ``--data``) also writes ``FILE.int8.onnx``: static int8 quantisation (QDQ,
uint8 activations, per-channel int8 weights) calibrated on up to 200 crops of ``--data``'s train
split; its card holds the accuracy change against fp32 on the ``--split`` crops. (Dynamic int8
makes this CNN several times slower than fp32 on the CPU: its convolutions become ConvInteger.)

Graph
    input  ``image``          uint8 [N, H, W, 3] RGB face crop (H = W = ``input_size``), cut by
                              app.core.crop.CropRule(margin=crop_margin, input_size); the
                              ImageNet normalisation happens inside the graph. N is dynamic.
    output ``angles``         float32 [N, 3] yaw, pitch, roll in degrees, project convention
                              (head relative to the camera; see ``convention``).
    output ``face_landmarks`` float32 [N, 1404] the face head (468 x 3, crop frame); informative.
    output ``pose_landmarks`` float32 [N, 99]   the pose head (33 x 3, crop frame); informative.

``metadata_props`` keys (all strings)
    input_size        side of the square input crop in pixels (CropRule.input_size)
    crop_margin       crop margin as a fraction of head width per side (CropRule.margin)
    crop_square       "true": the crop is a square (CropRule.as_metadata())
    input_name / input_format / normalization   "image" / "uint8 NHWC RGB" / where it happens
    outputs           comma-separated output names, ``angles`` first
    convention        the angle convention in words (yaw+ = patient's left, pitch+ = flexion,
                      roll+ = toward the left shoulder, R = R_y(-yaw) R_x(pitch) R_z(roll), camera
                      axes x right, y down, z forward)
    angle_order       "yaw,pitch,roll"
    architecture      dual_branch
    backbone          resnet18 | resnet34 | efficientnet_b0 | mobilenet_v2
    pretrained        where the backbone's initial weights came from
    training_data     dataset (as preprocess recorded it), folder and frame count, e.g. "BIWI Kinect
                      Head Pose (data/splits), 10046 train frames" or "synthetic BIWI-format test
                      data (not BIWI) (...), 28 train frames"
    split             split protocol and seed, e.g. "subject (seed 42)"
    val_mae_yaw, val_mae_pitch, val_mae_roll, val_mae_mean       degrees, validation split
    test_mae_yaw, test_mae_pitch, test_mae_roll, test_mae_mean   degrees, test split (when --data
                      is given; else absent), plus test_mae_fsanet_mean (literature's reading)
    angle_frame       camera | crop_ray: what the angles are relative to (app.core.view_ray)
    test_mae_camera_axes_*   crop_ray renders only: the test error once turned into the camera's axes
    range_yaw_deg, range_pitch_deg, range_roll_deg   largest |angle| in the training split
    precision         fp32 | int8 | fp16
    quantization      int8 only: the method and its calibration crops
    parity_max_abs_diff_deg   onnxruntime vs torch (fp32) or vs the fp32 ONNX (variants)
    git_commit, date  source revision and UTC export time
    trained_at_commit the revision the checkpoint was trained with (train records it)
    train_identities, val_identities, test_identities   renders (training.synthesize) only: the
                      heads of each split
    data_licence, data_attribution   renders only: the heads' licence (name and copyright) and
                      attribution, which travel with any model trained on them (full licence
                      text in the cards)
    producer          "cervicam training.export_onnx"

A JSON card (``FILE.json``: the metadata plus nested details) and a Markdown card (``FILE.md``)
are written beside each ONNX file.
"""

from __future__ import annotations

import argparse
import json
import logging
import sys
import warnings
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import torch
from torch import nn

from app.core.crop import CropRule
from app.core.view_ray import camera_angles
from app.errors import InputError
from training.checkpoint import model_from_checkpoint
from training.cli import EXIT_BAD_INPUT, attempt, setup_logging
from training.config import RunConfig
from training.dataset import load_split, normalize_images
from training.metrics import binned_accuracy, fsanet_mae, mae_per_axis
from training.models import DualBranchNet
from training.onnx_card import OUTPUT_NAMES, mae_entries, model_metadata, set_metadata, write_cards
from training.onnx_quantize import STATIC_INT8, calibration_crops, convert_fp16, quantize_static_int8

log = logging.getLogger(__name__)

OPSET = 17
PARITY_TOLERANCE_DEG = 1e-3


class ExportWrapper(nn.Module):
    """uint8 NHWC RGB in, normalisation inside, (angles, face, pose) out."""

    def __init__(self, model: DualBranchNet) -> None:
        super().__init__()
        self.model = model

    def forward(self, image: torch.Tensor):
        out = self.model(normalize_images(image.permute(0, 3, 1, 2)))
        return out["angles"], out["face_landmarks"], out["pose_landmarks"]


@dataclass(frozen=True)
class EvalCrops:
    """The ``--split`` crops of ``--data`` (absent without it) the exported models are measured on."""

    split: str
    images: np.ndarray | None = None
    arrays: dict | None = None

    @property
    def present(self) -> bool:
        return self.images is not None and len(self.images) > 0


def _session(path: Path):
    import onnxruntime as ort

    opts = ort.SessionOptions()
    opts.log_severity_level = 3
    return ort.InferenceSession(str(path), opts, providers=["CPUExecutionProvider"])


def run_onnx(path_or_session, images: np.ndarray, batch: int = 32) -> np.ndarray:
    """``angles`` of an exported model for uint8 [N, H, W, 3] images."""
    session = _session(path_or_session) if isinstance(path_or_session, (str, Path)) else path_or_session
    outs = [session.run(["angles"], {"image": images[i : i + batch]})[0] for i in range(0, len(images), batch)]
    return np.concatenate(outs) if outs else np.zeros((0, 3), np.float32)


@torch.no_grad()
def run_torch(model: nn.Module, images: np.ndarray, batch: int = 32) -> np.ndarray:
    wrapper = ExportWrapper(model).eval()
    outs = [wrapper(torch.from_numpy(np.ascontiguousarray(images[i : i + batch])))[0].numpy() for i in range(0, len(images), batch)]
    return np.concatenate(outs) if outs else np.zeros((0, 3), np.float32)


def eval_crops(data_dir: Path | None, split: str, size: int, limit: int) -> EvalCrops:
    if data_dir is None:
        return EvalCrops(split)
    from training.crop_cache import load_crops

    arrays = load_split(data_dir, split)
    crops = load_crops(data_dir, split, size, arrays["image_paths"], arrays["bbox"])
    n = min(len(crops), limit) if limit else len(crops)
    kept = {k: (v[:n] if getattr(v, "ndim", 0) and len(v) == len(crops) else v) for k, v in arrays.items()}
    return EvalCrops(split, np.asarray(crops[:n]), kept)


def load_image_model(checkpoint_path: Path) -> tuple[DualBranchNet, RunConfig, dict]:
    """The checkpoint's model (fp32, eval mode), refused unless it is an image model."""
    model, cfg, ckpt = model_from_checkpoint(checkpoint_path)
    if not isinstance(model, DualBranchNet):
        raise InputError(f"{checkpoint_path} is a {cfg.model.architecture} model; only image models export to the ONNX contract")
    model.float().eval()
    return model, cfg, ckpt


def write_graph(model: nn.Module, out_path: Path, size: int) -> None:
    """The ONNX graph of ``model`` behind :class:`ExportWrapper` (uint8 NHWC in, N dynamic)."""
    wrapper = ExportWrapper(model).eval()
    example = torch.zeros((2, size, size, 3), dtype=torch.uint8)
    with warnings.catch_warnings():
        # The TorchScript exporter is deprecated in favour of dynamo (needs onnxscript, not a
        # dependency); it traces this static graph exactly, which the parity check proves.
        warnings.simplefilter("ignore")
        torch.onnx.export(
            wrapper, (example,), str(out_path), dynamo=False, opset_version=OPSET,
            input_names=["image"], output_names=list(OUTPUT_NAMES),
            dynamic_axes={"image": {0: "N"}, **{name: {0: "N"} for name in OUTPUT_NAMES}},
            do_constant_folding=True,
        )  # fmt: skip


def check_parity(model: nn.Module, out_path: Path, size: int, frames: int, crops: EvalCrops) -> tuple[np.ndarray, float]:
    """Random images (and real crops when given) through torch and onnxruntime: the images and the
    largest difference; InputError above PARITY_TOLERANCE_DEG (the export is not trusted)."""
    rng = np.random.default_rng(0)
    images = rng.integers(0, 256, size=(frames, size, size, 3), dtype=np.uint8)
    if crops.present:
        images = np.concatenate([images, crops.images[:frames]])
    parity = float(np.abs(run_torch(model, images) - run_onnx(out_path, images)).max())
    print(f"Parity onnxruntime vs torch on {len(images)} crops: max abs diff {parity:.2e} deg")
    if not parity <= PARITY_TOLERANCE_DEG:
        raise InputError(f"ONNX export differs from torch by {parity:.3g} deg (> {PARITY_TOLERANCE_DEG}); not trusted")
    return images, parity


def accuracy_entries(pred: np.ndarray, crops: EvalCrops) -> dict[str, str]:
    """``{split}_mae_*`` (and the FSA-Net reading's mean, and the frame count) of ``pred``."""
    split, arrays = crops.split, crops.arrays
    entries = mae_entries(f"{split}_mae", mae_per_axis(pred, arrays["angles"]))
    if "rotation" in arrays:
        entries[f"{split}_mae_fsanet_mean"] = f"{fsanet_mae(pred, arrays['rotation'])['mean']:.4f}"
    entries[f"{split}_frames"] = str(len(crops.images))
    entries.update(camera_axes_entries(pred, crops))
    return entries


def camera_axes_entries(pred: np.ndarray, crops: EvalCrops) -> dict[str, str]:
    """``{split}_mae_camera_axes_*``: for renders labelled on the crop's ray, the error once the
    app has turned the angles into the camera's axes (app.core.view_ray); else nothing."""
    arrays = crops.arrays
    if "crop_ray" not in arrays or "camera_angles" not in arrays:
        return {}
    turned = camera_angles(pred, arrays["crop_ray"][: len(pred)])
    return mae_entries(f"{crops.split}_mae_camera_axes", mae_per_axis(turned, arrays["camera_angles"][: len(pred)]))


def data_licence_details(ckpt: dict) -> dict:
    """The full licence text of rendered heads (training.synthesize's record), for the card."""
    from training.synthesize import SETTINGS_FILE

    path = Path(str(ckpt.get("data_dir", ""))) / SETTINGS_FILE
    try:
        text = json.loads(path.read_text(encoding="utf-8")).get("heads", {}).get("licence", "")
    except (OSError, ValueError):
        return {}
    return {"data_licence_text": text} if text else {}


def write_variant(
    precision: str, make: Callable[[Path, Path], object], fp32_path: Path, metadata: dict[str, str],
    details: dict, parity_images: np.ndarray, crops: EvalCrops,
) -> Path:  # fmt: skip
    """``FILE.<precision>.onnx`` made from the fp32 file, compared with it, with its own cards."""
    path = fp32_path.with_name(f"{fp32_path.stem}.{precision}.onnx")
    make(fp32_path, path)
    meta = dict(metadata, precision=precision)
    images = crops.images if crops.present else parity_images
    variant_pred, reference = run_onnx(path, images), run_onnx(fp32_path, images)
    meta["parity_max_abs_diff_deg"] = f"{float(np.abs(variant_pred - reference).max()):.3e}"
    meta["parity_reference"] = "fp32 ONNX"
    change = ""
    if crops.present:
        split, truth = crops.split, crops.arrays["angles"]
        mae_v, mae_f = mae_per_axis(variant_pred, truth), mae_per_axis(reference, truth)
        meta.update(mae_entries(f"{split}_mae", mae_v))
        meta.update(camera_axes_entries(variant_pred, crops))
        meta[f"{split}_mae_change_vs_fp32"] = f"{mae_v['mean'] - mae_f['mean']:+.4f}"
        details["accuracy_vs_fp32"] = {"fp32": mae_f, precision: mae_v, "frames": int(len(crops.images)), "split": split}
        details.update(accuracy_by_bin=binned_accuracy(variant_pred, truth), accuracy_split=split)
        change = f" | {split} MAE change {meta[f'{split}_mae_change_vs_fp32']} deg"
    else:
        details["accuracy_vs_fp32"] = "not measured (pass --data to measure on real crops)"
    print(f"{precision}: {path} | max abs diff vs fp32 {meta['parity_max_abs_diff_deg']} deg{change}")
    set_metadata(path, meta)
    write_cards(path, meta, details)
    return path


def export_onnx(
    checkpoint_path: Path,
    out_path: Path,
    data_dir: Path | None = None,
    split: str = "test",
    int8: bool = False,
    fp16: bool = False,
    max_eval_frames: int = 0,
    parity_frames: int = 8,
) -> Path:
    """Write the ONNX model, its JSON/Markdown cards and optional int8/fp16 variants; return the path.

    ``data_dir`` (a preprocessed split folder) adds test MAE to the metadata, real crops to the
    parity check, and the accuracy of the variants; ``int8`` needs it (calibration crops of its
    train split). Raises InputError if parity exceeds 1e-3 deg or ``int8`` lacks ``data_dir``.
    """
    if int8 and data_dir is None:
        raise InputError(
            "--int8 needs --data DIR (a preprocessed split folder): static int8 quantisation is "
            "calibrated on the crops of its train split"
        )
    model, cfg, ckpt = load_image_model(checkpoint_path)
    out_path = Path(out_path)
    if out_path.suffix != ".onnx":
        raise InputError(f"--out must end in .onnx, not {out_path.name}")
    out_path.parent.mkdir(parents=True, exist_ok=True)
    size = cfg.model.input_size
    calibration = calibration_crops(Path(data_dir), size) if int8 else None
    rule = CropRule(margin=float(ckpt.get("crop_margin", CropRule().margin)), input_size=size)
    write_graph(model, out_path, size)
    crops = eval_crops(data_dir, split, size, max_eval_frames)
    parity_images, parity = check_parity(model, out_path, size, parity_frames, crops)
    metadata = model_metadata(rule, cfg, ckpt, parity)
    card_details = {"checkpoint": str(checkpoint_path), "config": ckpt["config"], **data_licence_details(ckpt)}
    if crops.present:
        pred = run_onnx(out_path, crops.images)
        metadata.update(accuracy_entries(pred, crops))
        card_details.update(accuracy_by_bin=binned_accuracy(pred, crops.arrays["angles"]), accuracy_split=crops.split)
    set_metadata(out_path, metadata)
    write_cards(out_path, metadata, card_details)
    variants: list[tuple[str, Callable[[Path, Path], object], dict[str, str]]] = []
    if int8:
        note = f"{STATIC_INT8}, calibrated on {len(calibration)} train-split crops of {data_dir}"
        variants.append(("int8", lambda src, dst: quantize_static_int8(src, dst, calibration), {"quantization": note}))
    if fp16:
        variants.append(("fp16", convert_fp16, {}))
    for precision, make, extra in variants:
        details = {"checkpoint": str(checkpoint_path), "variant_of": out_path.name, **data_licence_details(ckpt)}
        write_variant(precision, make, out_path, {**metadata, **extra}, details, parity_images, crops)
    return out_path


def build_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="python -m training.export_onnx", description=__doc__.split("\n")[0])
    p.add_argument("--checkpoint", required=True, type=Path)
    p.add_argument("--out", required=True, type=Path, help="FILE.onnx")
    p.add_argument("--data", type=Path, help="preprocessed split folder: test MAE, real parity crops, variant accuracy")
    p.add_argument("--split", default="test", choices=("train", "val", "test"))
    p.add_argument("--max-frames", type=int, default=0, help="limit the evaluation frames (0 = all)")
    p.add_argument("--int8", action="store_true",
                   help="also write FILE.int8.onnx: static int8, calibrated on --data's train crops (needs --data)")
    p.add_argument("--fp16", action="store_true", help="also write FILE.fp16.onnx (fp16 weights, fp32/uint8 I/O)")
    return p


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    setup_logging(logging.WARNING)
    path = attempt("export_onnx", lambda: export_onnx(args.checkpoint, args.out, args.data, args.split, args.int8, args.fp16, args.max_frames))
    if path is None:
        return EXIT_BAD_INPUT
    print(f"Wrote {path}, {path.with_suffix('.json').name}, {path.with_suffix('.md').name}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
