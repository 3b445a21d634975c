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
    range_yaw_deg, range_pitch_deg, range_roll_deg   largest |angle| in the training split
    precision         fp32 | int8 | fp16
    quantization      int8 only: the method and its calibration crops
    parity_max_abs_diff_deg   onnxruntime vs torch (fp32) or vs the fp32 ONNX (variants)
    git_commit, date  source revision and UTC export time
    producer          "cervicam training.export_onnx"

A JSON card (``FILE.json``: the metadata plus nested details) and a Markdown card (``FILE.md``)
are written beside each ONNX file.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import logging
import subprocess
import sys
import warnings
from pathlib import Path

import numpy as np
import torch
from torch import nn

from app.core.angles import CONVENTION_TEXT
from app.core.crop import CropRule
from app.errors import InputError
from training.checkpoint import model_from_checkpoint
from training.dataset import load_split, normalize_images
from training.metrics import AXES, fsanet_mae, mae_per_axis
from training.models import DualBranchNet

log = logging.getLogger(__name__)

OUTPUT_NAMES = ("angles", "face_landmarks", "pose_landmarks")
OPSET = 17
PARITY_TOLERANCE_DEG = 1e-3
CONVENTION = CONVENTION_TEXT  # app.core.angles: the one definition, shared with the app's check
CALIBRATION_FRAMES = 200  # train crops the static int8 quantisation is calibrated on (at most)
CALIBRATION_BATCH = 8
# Checkpoints of preprocess runs that did not record their dataset (before the ``dataset`` field).
UNRECORDED_DATASET = "BIWI-format data (source not recorded by preprocess)"


class ExportWrapper(nn.Module):
    """uint8 NHWC RGB in, normalisation inside, (angles, face, pose) out."""

    def __init__(self, model: DualBranchNet) -> None:
        super().__init__()
        self.model = model

    def forward(self, image: torch.Tensor):
        out = self.model(normalize_images(image.permute(0, 3, 1, 2)))
        return out["angles"], out["face_landmarks"], out["pose_landmarks"]


def git_commit() -> str:
    repo = Path(__file__).resolve().parents[1]
    try:
        sha = subprocess.run(["git", "rev-parse", "HEAD"], cwd=repo, capture_output=True, text=True, timeout=10).stdout.strip()
        # "-dirty" when the training code differs from the commit: the model is not reproducible from it.
        dirty = subprocess.run(
            ["git", "status", "--porcelain", "--", "training"], cwd=repo, capture_output=True, text=True, timeout=10
        ).stdout.strip()
        return (sha + ("-dirty" if dirty else "")) if sha else "unknown"
    except (OSError, subprocess.SubprocessError):
        return "unknown"


def _set_metadata(onnx_path: Path, metadata: dict[str, str]) -> None:
    import onnx

    proto = onnx.load(str(onnx_path))
    del proto.metadata_props[:]
    for key, value in metadata.items():
        entry = proto.metadata_props.add()
        entry.key, entry.value = key, str(value)
    onnx.save(proto, str(onnx_path))


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


def _eval_images(data_dir: Path | None, split: str, size: int, limit: int) -> tuple[np.ndarray | None, dict | None]:
    if data_dir is None:
        return None, None
    from training.crop_cache import load_crops

    arrays = load_split(data_dir, split)
    crops = load_crops(data_dir, split, size, arrays["image_paths"], arrays["bbox"])
    n = min(len(crops), limit) if limit else len(crops)
    return np.asarray(crops[:n]), {k: (v[:n] if getattr(v, "ndim", 0) and len(v) == len(crops) else v) for k, v in arrays.items()}


def _mae_entries(prefix: str, mae: dict[str, float]) -> dict[str, str]:
    return {f"{prefix}_{k}": f"{v:.4f}" for k, v in mae.items()}


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
    model, cfg, ckpt = model_from_checkpoint(checkpoint_path)
    if not isinstance(model, DualBranchNet):
        raise InputError(f"{checkpoint_path} is a {cfg.model.architecture} model; only image models export to the ONNX contract")
    model.float().eval()
    out_path = Path(out_path)
    if out_path.suffix != ".onnx":
        raise InputError(f"--out must end in .onnx, not {out_path.name}")
    out_path.parent.mkdir(parents=True, exist_ok=True)
    size = cfg.model.input_size
    calibration = calibration_crops(Path(data_dir), size) if int8 else None
    rule = CropRule(margin=float(ckpt.get("crop_margin", CropRule().margin)), input_size=size)

    wrapper = ExportWrapper(model).eval()
    example = torch.zeros((2, size, size, 3), dtype=torch.uint8)
    with warnings.catch_warnings():
        # The TorchScript exporter is deprecated in favour of dynamo (needs onnxscript, not a
        # dependency); it traces this static graph exactly, which the parity check below proves.
        warnings.simplefilter("ignore")
        torch.onnx.export(
            wrapper, (example,), str(out_path), dynamo=False, opset_version=OPSET,
            input_names=["image"], output_names=list(OUTPUT_NAMES),
            dynamic_axes={"image": {0: "N"}, **{name: {0: "N"} for name in OUTPUT_NAMES}},
            do_constant_folding=True,
        )

    rng = np.random.default_rng(0)
    parity_images = rng.integers(0, 256, size=(parity_frames, size, size, 3), dtype=np.uint8)
    eval_images, eval_arrays = _eval_images(data_dir, split, size, max_eval_frames)
    if eval_images is not None and len(eval_images):
        parity_images = np.concatenate([parity_images, eval_images[:parity_frames]])
    torch_angles = run_torch(model, parity_images)
    onnx_angles = run_onnx(out_path, parity_images)
    parity = float(np.abs(torch_angles - onnx_angles).max())
    print(f"Parity onnxruntime vs torch on {len(parity_images)} crops: max abs diff {parity:.2e} deg")
    if not parity <= PARITY_TOLERANCE_DEG:
        raise InputError(f"ONNX export differs from torch by {parity:.3g} deg (> {PARITY_TOLERANCE_DEG}); not trusted")

    train_rows = int(ckpt.get("train_frames", 0))
    history = ckpt.get("history", [])
    val = ckpt.get("val_mae", {})
    metadata: dict[str, str] = {
        **rule.as_metadata(),
        "input_name": "image",
        "input_format": "uint8 NHWC RGB",
        "normalization": "ImageNet mean/std inside the graph",
        "outputs": ",".join(OUTPUT_NAMES),
        "convention": CONVENTION,
        "angle_order": "yaw,pitch,roll",
        "architecture": cfg.model.architecture,
        "backbone": cfg.model.backbone,
        "pretrained": str(ckpt.get("weights_source", "unknown")),
        "training_data": f"{training_dataset(ckpt)} ({ckpt.get('data_dir', '?')}), {train_rows} train frames",
        "split": f"{ckpt.get('split_protocol', 'unknown')} (seed {cfg.train.seed})",
        "epochs_trained": str(len(history)),
        **_mae_entries("val_mae", val),
        "precision": "fp32",
        "parity_max_abs_diff_deg": f"{parity:.3e}",
        "git_commit": git_commit(),
        "date": dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds"),
        "producer": "cervicam training.export_onnx",
    }
    ranges = _training_ranges(ckpt)
    if ranges is not None:
        metadata.update({f"range_{a}_deg": f"{r:.1f}" for a, r in zip(AXES, ranges)})
    fp32_pred = None
    if eval_images is not None and len(eval_images):
        fp32_pred = run_onnx(out_path, eval_images)
        metadata.update(_mae_entries(f"{split}_mae", mae_per_axis(fp32_pred, eval_arrays["angles"])))
        if "rotation" in eval_arrays:
            metadata[f"{split}_mae_fsanet_mean"] = f"{fsanet_mae(fp32_pred, eval_arrays['rotation'])['mean']:.4f}"
        metadata[f"{split}_frames"] = str(len(eval_images))
    _set_metadata(out_path, metadata)
    write_cards(out_path, metadata, {"checkpoint": str(checkpoint_path), "config": ckpt["config"]})

    if int8 or fp16:
        variants = []
        if int8:
            variants.append(("int8", lambda src, dst: quantize_static_int8(src, dst, calibration)))
        if fp16:
            variants.append(("fp16", _convert_fp16))
        for precision, make in variants:
            path = out_path.with_name(f"{out_path.stem}.{precision}.onnx")
            make(out_path, path)
            meta = dict(metadata, precision=precision)
            if precision == "int8":
                meta["quantization"] = f"{STATIC_INT8}, calibrated on {len(calibration)} train-split crops of {data_dir}"
            diff_images = parity_images if eval_images is None or not len(eval_images) else eval_images
            variant_pred = run_onnx(path, diff_images)
            reference = run_onnx(out_path, diff_images)
            meta["parity_max_abs_diff_deg"] = f"{float(np.abs(variant_pred - reference).max()):.3e}"
            meta["parity_reference"] = "fp32 ONNX"
            details = {"checkpoint": str(checkpoint_path), "variant_of": out_path.name}
            if fp32_pred is not None:
                mae_v = mae_per_axis(variant_pred, eval_arrays["angles"])
                mae_f = mae_per_axis(fp32_pred, eval_arrays["angles"])
                meta.update(_mae_entries(f"{split}_mae", mae_v))
                meta[f"{split}_mae_change_vs_fp32"] = f"{mae_v['mean'] - mae_f['mean']:+.4f}"
                details["accuracy_vs_fp32"] = {"fp32": mae_f, precision: mae_v, "frames": int(len(eval_images)), "split": split}
            else:
                details["accuracy_vs_fp32"] = "not measured (pass --data to measure on real crops)"
            print(f"{precision}: {path} | max abs diff vs fp32 {meta['parity_max_abs_diff_deg']} deg"
                  + (f" | {split} MAE change {meta[f'{split}_mae_change_vs_fp32']} deg" if fp32_pred is not None else ""))
            _set_metadata(path, meta)
            write_cards(path, meta, details)
    return out_path


def _training_ranges(ckpt: dict) -> tuple[float, float, float] | None:
    data_dir = ckpt.get("data_dir")
    try:
        angles = load_split(Path(data_dir), "train")["angles"] if data_dir else None
    except InputError:
        return None
    if angles is None or not len(angles):
        return None
    return tuple(float(v) for v in np.abs(angles).max(axis=0))


def training_dataset(ckpt: dict) -> str:
    """What the model was trained on: the checkpoint's ``dataset``, else its split folder's, else
    UNRECORDED_DATASET (never "BIWI" by default: synthetic data must not pass for BIWI)."""
    name = str(ckpt.get("dataset") or "").strip()
    if not name and ckpt.get("data_dir"):
        try:
            name = str(load_split(Path(ckpt["data_dir"]), "train").get("dataset", "")).strip()
        except InputError:
            name = ""
    if not name and not ckpt.get("data_dir"):
        return "unknown (the checkpoint records no training data)"
    return name or UNRECORDED_DATASET


def calibration_crops(data_dir: Path, size: int, limit: int = CALIBRATION_FRAMES) -> np.ndarray:
    """Up to ``limit`` train-split crops of ``data_dir`` (uint8 [N, size, size, 3], spread evenly
    over the split so every subject contributes), the calibration set of the static int8 model."""
    from training.crop_cache import load_crops

    arrays = load_split(data_dir, "train")
    if not len(arrays["image_paths"]):
        raise InputError(f"{data_dir}: the train split is empty; int8 calibration needs its crops")
    crops = load_crops(data_dir, "train", size, arrays["image_paths"], arrays["bbox"])
    idx = np.unique(np.linspace(0, len(crops) - 1, min(limit, len(crops))).round().astype(int))
    return np.ascontiguousarray(np.asarray(crops)[idx])


STATIC_INT8 = "static QDQ, uint8 activations, per-channel int8 weights"


def quantize_static_int8(src: Path, dst: Path, calibration: np.ndarray, batch: int = CALIBRATION_BATCH) -> Path:
    """Static int8 (QDQ, uint8 activations, per-channel int8 weights) of ``src``, calibrated (min/max)
    on ``calibration`` (uint8 [N, H, W, 3] crops, as the ``image`` input); written to ``dst``.

    Dynamic int8 only quantises MatMul well; a CNN's convolutions become ConvInteger, which
    onnxruntime runs far slower than fp32. Static QDQ lets it fuse into int8 convolutions (VNNI).
    The metadata (crop rule, convention, ...) is kept, ``precision`` becomes ``int8``.
    """
    from onnxruntime.quantization import CalibrationDataReader, QuantFormat, QuantType, quantize_static
    from onnxruntime.quantization.shape_inference import quant_pre_process

    src, dst = Path(src), Path(dst)
    if calibration is None or not len(calibration):
        raise InputError("static int8 quantisation needs calibration crops; none were given")

    class Crops(CalibrationDataReader):
        def __init__(self) -> None:
            self._it = iter([{"image": np.ascontiguousarray(calibration[i : i + batch], dtype=np.uint8)}
                             for i in range(0, len(calibration), batch)])

        def get_next(self):
            return next(self._it, None)

    pre = dst.with_name(dst.stem + ".pre.onnx")
    # The quantiser's chatter (e.g. about the uint8 input, rightly not quantised) goes to the root logger.
    root = logging.getLogger()
    level = root.level
    root.setLevel(logging.ERROR)
    try:
        quant_pre_process(str(src), str(pre))
        quantize_static(
            str(pre), str(dst), Crops(), quant_format=QuantFormat.QDQ,
            activation_type=QuantType.QUInt8, weight_type=QuantType.QInt8, per_channel=True,
        )
    finally:
        root.setLevel(level)
        pre.unlink(missing_ok=True)
    import onnx

    meta = {p.key: p.value for p in onnx.load(str(src), load_external_data=False).metadata_props}
    meta["precision"] = "int8"
    meta["quantization"] = f"{STATIC_INT8}, calibrated on {len(calibration)} crops"
    _set_metadata(dst, meta)
    return dst


def _convert_fp16(src: Path, dst: Path) -> None:
    import onnx
    from onnxruntime.transformers.float16 import convert_float_to_float16

    proto = convert_float_to_float16(onnx.load(str(src)), keep_io_types=True)
    onnx.save(proto, str(dst))


def write_cards(onnx_path: Path, metadata: dict[str, str], details: dict) -> tuple[Path, Path]:
    """``FILE.json`` (metadata + details) and ``FILE.md`` beside the model."""
    json_path = onnx_path.with_suffix(".json")
    json_path.write_text(json.dumps({**metadata, "details": details}, indent=2, default=str), encoding="utf-8")
    lines = [f"# {onnx_path.name}", "", "Head-pose model for cervicam (ONNX contract of cervicam's docs/ONNX.md).", ""]
    lines += ["| key | value |", "|---|---|"] + [f"| {k} | {v} |" for k, v in metadata.items()]
    acc = details.get("accuracy_vs_fp32")
    if isinstance(acc, dict):
        precision = metadata["precision"]
        lines += ["", f"## Accuracy of the {precision} variant vs fp32 ({acc['frames']} {acc['split']} frames)", "",
                  "| precision | yaw | pitch | roll | mean |", "|---|---|---|---|---|"]
        for name in ("fp32", precision):
            m = acc[name]
            lines.append(f"| {name} | {m['yaw']:.3f} | {m['pitch']:.3f} | {m['roll']:.3f} | {m['mean']:.3f} |")
    elif acc:
        lines += ["", f"Accuracy vs fp32: {acc}"]
    md_path = onnx_path.with_suffix(".md")
    md_path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return json_path, md_path


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
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s")
    try:
        path = export_onnx(args.checkpoint, args.out, args.data, args.split, args.int8, args.fp16, args.max_frames)
    except InputError as exc:
        print(f"export_onnx: {exc}", file=sys.stderr)
        return 2
    print(f"Wrote {path}, {path.with_suffix('.json').name}, {path.with_suffix('.md').name}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
