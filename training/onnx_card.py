"""What an exported model says about itself: ONNX ``metadata_props`` and the JSON/Markdown cards.

The keys are listed in training.export_onnx's docstring (the contract of docs/ONNX.md).
"""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import numpy as np

from app.core.angles import CONVENTION_TEXT
from app.core.crop import CropRule
from app.core.view_ray import AngleFrame
from app.errors import InputError
from training.config import RunConfig
from training.dataset import load_split
from training.metrics import AXES, binned_table
from training.revision import git_commit

OUTPUT_NAMES = ("angles", "face_landmarks", "pose_landmarks")
CONVENTION = CONVENTION_TEXT  # app.core.angles: the one definition, shared with the app's check
# Checkpoints of preprocess runs that did not record their dataset (before the ``dataset`` field).
UNRECORDED_DATASET = "BIWI-format data (source not recorded by preprocess)"


def mae_entries(prefix: str, mae: dict[str, float]) -> dict[str, str]:
    return {f"{prefix}_{k}": f"{v:.4f}" for k, v in mae.items()}


def model_metadata(rule: CropRule, cfg: RunConfig, ckpt: dict, parity: float) -> dict[str, str]:
    """The fp32 model's metadata from its checkpoint: contract, provenance, validation MAE, ranges."""
    train_rows = int(ckpt.get("train_frames", 0))
    metadata: dict[str, str] = {
        **rule.as_metadata(),
        "input_name": "image",
        "input_format": "uint8 NHWC RGB",
        "normalization": "ImageNet mean/std inside the graph",
        "outputs": ",".join(OUTPUT_NAMES),
        "convention": CONVENTION,
        "angle_order": "yaw,pitch,roll",
        "angle_frame": str(ckpt.get("angle_frame", AngleFrame.CAMERA.value)),
        "architecture": cfg.model.architecture,
        "backbone": cfg.model.backbone,
        "pretrained": str(ckpt.get("weights_source", "unknown")),
        "training_data": f"{training_dataset(ckpt)} ({ckpt.get('data_dir', '?')}), {train_rows} train frames",
        "split": f"{ckpt.get('split_protocol', 'unknown')} (seed {cfg.train.seed})",
        "epochs_trained": str(len(ckpt.get("history", []))),
        **mae_entries("val_mae", ckpt.get("val_mae", {})),
        "precision": "fp32",
        "parity_max_abs_diff_deg": f"{parity:.3e}",
        "git_commit": git_commit(),
        "trained_at_commit": str(ckpt.get("git_commit") or "not recorded by the checkpoint"),
        "date": dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds"),
        "producer": "cervicam training.export_onnx",
    }
    metadata.update(renders_provenance(ckpt.get("data_dir")))
    ranges = training_ranges(ckpt)
    if ranges is not None:
        metadata.update({f"range_{a}_deg": f"{r:.1f}" for a, r in zip(AXES, ranges)})
    return metadata


def renders_provenance(data_dir: str | Path | None) -> dict[str, str]:
    """For renders of training.synthesize: which identities each split holds, and the licence and
    attribution of the heads (they must travel with any model trained on renders of them)."""
    from training.synthesize import SETTINGS_FILE

    path = Path(data_dir) / SETTINGS_FILE if data_dir else None
    if path is None or not path.is_file():
        return {}
    try:
        settings = json.loads(path.read_text(encoding="utf-8"))
    except ValueError:
        return {}
    out = {f"{split}_identities": ", ".join(names) for split, names in settings.get("splits", {}).items()}
    heads = settings.get("heads", {})
    licence = [line.strip() for line in str(heads.get("licence", "")).splitlines() if line.strip()]
    if licence:
        # The licence's name and copyright lines (its full text goes into the card's details).
        head = licence[: next((i + 1 for i, line in enumerate(licence) if line.lower().startswith("copyright")), 1)]
        out["data_licence"] = "; ".join(head[:3])
    if heads.get("attribution"):
        out["data_attribution"] = " ".join(str(heads["attribution"]).split())
    return out


def training_ranges(ckpt: dict) -> tuple[float, float, float] | None:
    """The largest |yaw|, |pitch|, |roll| of the training split, when its folder is still there."""
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


def set_metadata(onnx_path: Path, metadata: dict[str, str]) -> None:
    """Replace the file's ``metadata_props`` by ``metadata`` (values as strings)."""
    import onnx

    proto = onnx.load(str(onnx_path))
    del proto.metadata_props[:]
    for key, value in metadata.items():
        entry = proto.metadata_props.add()
        entry.key, entry.value = key, str(value)
    onnx.save(proto, str(onnx_path))


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
    bins = details.get("accuracy_by_bin")
    if bins:
        lines += ["", f"## Held-out accuracy by angle bin (MAE, degrees; {details.get('accuracy_split', 'test')} split)", ""]
        lines += binned_table(bins)
    if details.get("data_licence_text"):
        lines += ["", "## Licence of the training data", "", "```", str(details["data_licence_text"]), "```"]
    md_path = onnx_path.with_suffix(".md")
    md_path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return json_path, md_path
