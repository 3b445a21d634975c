"""Read BIWI as distributed, crop the heads, split, and write ``OUT/biwi_cnn_{train,val,test}.npz``.

    python -m training.preprocess --biwi /data/kinect_head_pose_db --out data/splits \
        [--split subject|random] [--seed 42] [--landmarks] [--crop-size 224] [--margin 0.25]

Each npz holds ``image_paths`` (str), ``angles`` (float32 [N,3] yaw, pitch, roll in degrees,
app.core.angles convention), ``subject`` (int person id), ``sequence`` (str), ``frame_index`` (int),
``bbox`` (int [N,4] crop box x0,y0,x1,y1 in the RGB image), ``rotation`` (float32 [N,3,3] BIWI's
matrix, for the literature's FSA-Net reading), ``center_mm``, ``crop_margin``, ``split_protocol``,
``split_seed``, ``dataset`` (training.biwi.BIWI_DATASET, or SYNTHETIC_DATASET for the renders of
training.synthetic_biwi, told by their marker file), and with ``--landmarks`` ``face_landmarks``
[N,1404] and ``pose_landmarks`` [N,99] (crop frame, NaN where MediaPipe found nothing). Crops are
cached in ``OUT/crops/``.
"""

from __future__ import annotations

import argparse
import logging
import sys
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
from tqdm import tqdm

from app.core.crop import CropRule, crop_box
from app.errors import InputError
from training.biwi import biwi_rotation_to_angles, dataset_name, find_hpdb, head_box, list_frames, list_sequences, read_calibration, read_pose
from training.cli import EXIT_BAD_INPUT, attempt, setup_logging
from training.crop_cache import cache_path, read_rgb
from training.splits import SPLIT_NAMES, random_split, subject_split

log = logging.getLogger(__name__)


@dataclass
class PreprocessResult:
    total: int
    counts: dict[str, int]
    skipped: Counter = field(default_factory=Counter)
    out_dir: Path = Path(".")


def split_file(out_dir: Path, split: str) -> Path:
    return Path(out_dir) / f"biwi_cnn_{split}.npz"


def preprocess(
    biwi: Path,
    out_dir: Path,
    split: str = "subject",
    seed: int = 42,
    landmarks: bool = False,
    crop_size: int = 224,
    margin: float = 0.25,
    show_progress: bool = True,
) -> PreprocessResult:
    """Collect every readable frame, crop it, split it and write the npz files and crop caches."""
    if split not in ("subject", "random"):
        raise InputError(f"--split must be 'subject' or 'random', not {split!r}")
    if crop_size < 16:
        raise InputError(f"--crop-size must be at least 16, not {crop_size}")
    hpdb = find_hpdb(biwi)
    dataset = dataset_name(hpdb)
    rule = CropRule(margin=margin, input_size=crop_size)
    calibrations = {seq.name: read_calibration(seq / "rgb.cal") for seq in list_sequences(hpdb)}
    frames = list_frames(hpdb)
    if not frames:
        raise InputError(f"no frame_XXXXX_rgb.png files under {hpdb}")
    out_dir = Path(out_dir)
    tmp_path = fresh_crop_folder(out_dir, crop_size)
    all_crops = np.lib.format.open_memmap(tmp_path, mode="w+", dtype=np.uint8, shape=(len(frames), crop_size, crop_size, 3))
    rows, skipped = collect_rows(frames, calibrations, rule, all_crops, landmarks, show_progress)
    all_crops.flush()
    if not rows:
        tmp_path.unlink(missing_ok=True)
        raise InputError(f"no readable frames under {hpdb} (skipped: {dict(skipped)})")
    subjects = np.array([r["subject"] for r in rows])
    parts = subject_split(subjects, seed) if split == "subject" else random_split(len(rows), seed)
    provenance = {
        "crop_margin": np.float32(margin), "split_protocol": np.array(split),
        "split_seed": np.int64(seed), "dataset": np.array(dataset),
    }  # fmt: skip
    counts = {}
    for name in SPLIT_NAMES:
        chosen = [rows[j] for j in parts[name]]
        counts[name] = len(chosen)
        np.savez(split_file(out_dir, name), **split_arrays(chosen, provenance, landmarks))
        write_crop_cache(out_dir, name, crop_size, all_crops, np.array([r["row"] for r in chosen], dtype=np.int64))
    del all_crops
    tmp_path.unlink(missing_ok=True)
    return PreprocessResult(total=len(rows), counts=counts, skipped=skipped, out_dir=out_dir)


def fresh_crop_folder(out_dir: Path, crop_size: int) -> Path:
    """``OUT/crops/`` without an earlier run's caches; the path of the all-frames scratch array."""
    (out_dir / "crops").mkdir(parents=True, exist_ok=True)
    for stale in (out_dir / "crops").glob("*.npy"):  # caches of an earlier split would not match
        stale.unlink()
    return out_dir / "crops" / f"all_{crop_size}.tmp.npy"


def collect_rows(
    frames: list, calibrations: dict, rule: CropRule, all_crops: np.ndarray, landmarks: bool, show_progress: bool
) -> tuple[list[dict], Counter]:
    """Every readable frame's row (its crop goes to ``all_crops[row]``) and why the others were skipped."""
    extractor = None
    if landmarks:
        from training.landmarks import LandmarkExtractor

        extractor = LandmarkExtractor()
    skipped: Counter = Counter()
    rows: list[dict] = []
    for i, frame in enumerate(tqdm(frames, desc="BIWI frames", disable=not show_progress)):
        row = frame_row(i, frame, calibrations[frame.sequence], rule, all_crops, extractor, skipped)
        if row is not None:
            rows.append(row)
    if extractor is not None:
        extractor.close()
    return rows, skipped


def frame_row(i: int, frame, calibration, rule: CropRule, all_crops: np.ndarray, extractor, skipped: Counter) -> dict | None:
    """One frame's labels and crop box (its crop written to ``all_crops[i]``), or None, counted in
    ``skipped``: a bad pose file, an unreadable image or a head not in front of the camera."""
    try:
        pose = read_pose(frame.pose_path)
    except InputError as exc:
        skipped["bad or missing pose.txt"] += 1
        log.warning("skipping frame: %s", exc)
        return None
    image = read_rgb(frame.rgb_path)
    if image is None:
        skipped["missing or unreadable png"] += 1
        log.warning("skipping frame: cannot read %s", frame.rgb_path)
        return None
    try:
        box = rule.box(head_box(calibration, pose.center_mm))
    except InputError as exc:
        skipped["head not in front of the camera"] += 1
        log.warning("skipping frame %s: %s", frame.rgb_path, exc)
        return None
    all_crops[i] = crop_box(image, box, rule.input_size)
    row = {
        "row": i,
        "image_path": str(frame.rgb_path.resolve()),
        "angles": biwi_rotation_to_angles(pose.rotation).as_array(),
        "subject": frame.subject,
        "sequence": frame.sequence,
        "frame_index": frame.index,
        "bbox": box,
        "rotation": pose.rotation,
        "center_mm": pose.center_mm,
    }
    if extractor is not None:
        row["face_landmarks"], row["pose_landmarks"] = extractor(image, box)
    return row


def split_arrays(chosen: list[dict], provenance: dict[str, np.ndarray], landmarks: bool) -> dict[str, np.ndarray]:
    """One split's npz arrays (the module docstring lists them): per frame, then ``provenance``."""
    arrays = {
        "image_paths": np.array([r["image_path"] for r in chosen], dtype=str),
        "angles": np.array([r["angles"] for r in chosen], dtype=np.float32).reshape(-1, 3),
        "subject": np.array([r["subject"] for r in chosen], dtype=np.int64),
        "sequence": np.array([r["sequence"] for r in chosen], dtype=str),
        "frame_index": np.array([r["frame_index"] for r in chosen], dtype=np.int64),
        "bbox": np.array([r["bbox"] for r in chosen], dtype=np.int64).reshape(-1, 4),
        "rotation": np.array([r["rotation"] for r in chosen], dtype=np.float32).reshape(-1, 3, 3),
        "center_mm": np.array([r["center_mm"] for r in chosen], dtype=np.float32).reshape(-1, 3),
        **provenance,
    }
    if landmarks:
        arrays["face_landmarks"] = np.array([r["face_landmarks"] for r in chosen], dtype=np.float32).reshape(-1, 1404)
        arrays["pose_landmarks"] = np.array([r["pose_landmarks"] for r in chosen], dtype=np.float32).reshape(-1, 99)
    return arrays


def write_crop_cache(out_dir: Path, split: str, crop_size: int, all_crops: np.ndarray, crop_rows: np.ndarray) -> None:
    """The split's crops, in its row order, as ``OUT/crops/<split>_<size>.npy``."""
    cache = np.lib.format.open_memmap(
        cache_path(out_dir, split, crop_size), mode="w+", dtype=np.uint8, shape=(len(crop_rows), crop_size, crop_size, 3)
    )
    for start in range(0, len(crop_rows), 1024):  # chunks: BIWI's train split is 1.5 GB at 224 px
        cache[start : start + 1024] = all_crops[crop_rows[start : start + 1024]]
    cache.flush()
    del cache


def build_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="python -m training.preprocess", description=__doc__.split("\n")[0])
    p.add_argument("--biwi", required=True, type=Path, help="the BIWI 'hpdb' folder or its parent")
    p.add_argument("--out", type=Path, default=Path("data/splits"), help="output folder (default data/splits)")
    p.add_argument("--split", choices=("subject", "random"), default="subject",
                   help="subject: by person, nobody in two splits (default); random: the guide's 75/5/20 frame split")
    p.add_argument("--seed", type=int, default=42)
    p.add_argument("--landmarks", action="store_true", help="also extract MediaPipe face/pose landmarks")
    p.add_argument("--crop-size", type=int, default=224, help="side of the cached crops (default 224)")
    p.add_argument("--margin", type=float, default=CropRule().margin, help="crop margin, fraction of head width per side")
    p.add_argument("-v", "--verbose", action="store_true")
    return p


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    setup_logging(logging.INFO if args.verbose else logging.ERROR)
    result = attempt("preprocess", lambda: preprocess(args.biwi, args.out, args.split, args.seed, args.landmarks, args.crop_size, args.margin))
    if result is None:
        return EXIT_BAD_INPUT
    print(f"Total samples collected: {result.total}")
    c = result.counts
    print(f"Train: {c['train']} | Val: {c['val']} | Test: {c['test']}")
    if result.skipped:
        detail = ", ".join(f"{n} {why}" for why, n in sorted(result.skipped.items()))
        print(f"Skipped {sum(result.skipped.values())} frames: {detail}")
    print(f"Wrote {', '.join(str(split_file(args.out, s)) for s in SPLIT_NAMES)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
