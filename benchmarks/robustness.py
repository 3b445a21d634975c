"""How well the measuring core generalises: the same video, perturbed, scored against its truth.

    python benchmarks/robustness.py [VIDEO TRUTH.csv] [--only mirror,noisy] [--jobs 2] [--hfov 62]

One recording cannot show generalisation, but it can show sensitivity. Each variant changes one
thing a real session changes (which side the patient turns first, how a movement is paced,
distance to the camera, lighting, sensor noise, frame rate, resolution), transforms the ground
truth to match, and is analysed and scored like the original. Prints per-axis MAE and the six
end-range errors per variant, then a summary over all of them. Defaults to the demo video.
"""

from __future__ import annotations

import argparse
import csv
import sys
import tempfile
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import cv2
import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from app.core.camera_model import CameraAssumption  # noqa: E402
from benchmarks.score_video import score  # noqa: E402

MIRRORED_MOVEMENT = {"rot_left": "rot_right", "rot_right": "rot_left",
                     "latflex_left": "latflex_right", "latflex_right": "latflex_left"}


@dataclass(frozen=True)
class Variant:
    name: str
    what: str
    frame: Callable[[np.ndarray, np.random.Generator], np.ndarray]
    truth: Callable[[dict[str, str]], dict[str, str]] = lambda row: row
    keep_every: int = 1  # frame stride (2 halves the frame rate)
    reencode: bool = True  # False: analyse the given file itself
    reverse: bool = False  # frames in reverse order


def _mirror_truth(row: dict[str, str]) -> dict[str, str]:
    # A mirrored image shows the patient turning and tilting the other way; pitch is unchanged.
    out = dict(row)
    out["yaw_deg"] = str(-float(row["yaw_deg"]))
    out["roll_deg"] = str(-float(row["roll_deg"]))
    out["movement"] = MIRRORED_MOVEMENT.get(row["movement"], row["movement"])
    return out


def _zoom(image: np.ndarray, factor: float) -> np.ndarray:
    # A centre crop scaled back up: a narrower lens than the analysis assumes (or a closer patient).
    h, w = image.shape[:2]
    ch, cw = int(round(h / factor)), int(round(w / factor))
    y0, x0 = (h - ch) // 2, (w - cw) // 2
    return cv2.resize(image[y0:y0 + ch, x0:x0 + cw], (w, h), interpolation=cv2.INTER_LINEAR)


def _darker(image: np.ndarray) -> np.ndarray:
    return np.clip((image.astype(np.float32) / 255.0) ** 1.6 * 255.0 * 0.7, 0, 255).astype(np.uint8)


def _noisy(image: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    return np.clip(image.astype(np.int16) + rng.normal(0, 8, image.shape).astype(np.int16), 0, 255).astype(np.uint8)


def _half_size(image: np.ndarray) -> np.ndarray:
    h, w = image.shape[:2]
    return cv2.resize(image, (w // 2, h // 2), interpolation=cv2.INTER_AREA)


VARIANTS = (
    Variant("original", "the file as given", lambda f, _: f, reencode=False),
    Variant("reencoded", "decoded and written again (mp4v): compression noise only", lambda f, _: f),
    Variant("mirror", "left-right mirrored (the other side first)", lambda f, _: np.ascontiguousarray(f[:, ::-1]),
            _mirror_truth),
    Variant("zoom115", "centre crop x1.15 (narrower lens than assumed)", lambda f, _: _zoom(f, 1.15)),
    Variant("darker", "gamma 1.6, 70% exposure", lambda f, _: _darker(f)),
    Variant("noisy", "sensor noise sigma 8", _noisy),
    Variant("fps15", "every other frame (15 frames/s)", lambda f, _: f, keep_every=2),
    Variant("half_size", "half resolution (patient twice as far)", lambda f, _: _half_size(f)),
    Variant("reversed", "played backwards (each movement returns first)", lambda f, _: f, reverse=True),
)


def make_variant(variant: Variant, video: Path, truth: Path, out_dir: Path) -> tuple[Path, Path]:
    """Write the perturbed video (mp4v) and its truth CSV; returns their paths."""
    if not variant.reencode:
        return video, truth
    with open(truth, newline="", encoding="utf-8") as fh:
        truth_rows = list(csv.DictReader(fh))
    if not truth_rows:
        raise SystemExit(f"{truth} holds no rows")
    rows = {int(r["frame"]): r for r in truth_rows}  # by frame number: a truth may start late or skip frames
    cap = cv2.VideoCapture(str(video))
    fps = cap.get(cv2.CAP_PROP_FPS) or 30.0
    rng = np.random.default_rng(0)
    out_video, out_truth = out_dir / f"{variant.name}.mp4", out_dir / f"{variant.name}.csv"
    kept: list[int] = []
    images: list[np.ndarray] = []
    index = 0
    while True:
        ok, frame = cap.read()
        if not ok:
            break
        if index % variant.keep_every == 0:
            images.append(variant.frame(frame, rng))
            kept.append(index)
        index += 1
    cap.release()
    if not images:
        raise SystemExit(f"cannot read {video}")
    if variant.reverse:
        images.reverse()
        kept.reverse()
    writer = cv2.VideoWriter(str(out_video), cv2.VideoWriter_fourcc(*"mp4v"), fps / variant.keep_every,
                             (images[0].shape[1], images[0].shape[0]))
    if not writer.isOpened():
        raise SystemExit(f"cannot write {out_video} (mp4v)")
    for image in images:
        writer.write(image)
    writer.release()
    with open(out_truth, "w", newline="", encoding="utf-8") as fh:
        out = csv.DictWriter(fh, fieldnames=list(truth_rows[0].keys()))
        out.writeheader()
        for new_index, old_index in enumerate(kept):
            if old_index not in rows:
                continue  # a frame without truth is analysed but not scored
            row = variant.truth(dict(rows[old_index]))
            row["frame"] = str(new_index)
            row["time_s"] = f"{new_index * variant.keep_every / fps:.4f}"
            out.writerow(row)
    return out_video, out_truth


def analyse_and_score(args: tuple[str, Path, Path, CameraAssumption, Path]):
    from app.core.offline_analysis import analyze_video
    from app.core.pipeline import MeasurementPipeline
    from app.core.sample_csv import write_samples_csv
    from app.core.tracker_ensemble import head_tracker
    from app.engines.choices import EngineName
    from app.engines.factory import create_engine, witness_network

    name, video, truth, camera, out = args
    engine = create_engine(EngineName.LANDMARKS, None)  # as `analyze` measures: three trackers, the network's witness
    pipeline = MeasurementPipeline(engine, tracker=head_tracker(camera, network=witness_network(engine)))
    result = analyze_video(video, pipeline)
    write_samples_csv(result.samples, out)
    return name, score(out, truth)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("video", nargs="?", type=Path, default=ROOT / "assets" / "demo_clinic.mp4")
    parser.add_argument("truth", nargs="?", type=Path, default=ROOT / "assets" / "demo_clinic_truth.csv")
    parser.add_argument("--only", help="comma-separated variant names: " + ",".join(v.name for v in VARIANTS))
    parser.add_argument("--jobs", type=int, default=2)
    parser.add_argument("--hfov", type=float, default=None, help="assumed horizontal field of view, degrees")
    args = parser.parse_args(argv)
    try:
        camera = CameraAssumption.from_user(args.hfov)
    except ValueError as exc:
        parser.error(f"--hfov: {exc}")
    names = set(args.only.split(",")) if args.only else {v.name for v in VARIANTS}
    if unknown := names - {v.name for v in VARIANTS}:
        parser.error(f"unknown variant(s): {', '.join(sorted(unknown))}")
    for path in (args.video, args.truth):
        if not path.is_file():
            parser.error(f"{path}: no such file")
    wanted = [v for v in VARIANTS if v.name in names]
    with tempfile.TemporaryDirectory(prefix="cervicam_robustness_") as tmp:
        jobs = [(v.name, *make_variant(v, args.video, args.truth, Path(tmp)), camera, Path(tmp) / f"{v.name}.out.csv")
                for v in wanted]
        with ProcessPoolExecutor(max_workers=max(1, args.jobs)) as pool:
            results = dict(pool.map(analyse_and_score, jobs))
    directions = ("rotation_left", "rotation_right", "flexion", "extension",
                  "lateral_flexion_left", "lateral_flexion_right")
    print(f"{'variant':10s} {'pose':>6s} {'MAE yaw':>8s} {'pitch':>6s} {'roll':>6s}  end-range error: "
          "rot L, rot R, flex, ext, latflex L, latflex R")
    worst = 0.0
    by_direction: dict[str, list[float]] = {d: [] for d in directions}
    all_errors: list[float] = []
    all_mae: list[float] = []
    for v in wanted:
        s = results[v.name]
        errors = [s.end_range[d][2] if d in s.end_range else float("nan") for d in directions]  # keep the columns
        seen = [abs(e) for e in errors if not np.isnan(e)]
        for d, e in zip(directions, errors):
            if not np.isnan(e):
                by_direction[d].append(e)
        worst = max([worst] + seen)
        all_errors += seen
        all_mae += list(s.mae.values())
        print(f"{v.name:10s} {s.pose_rate:6.1%} {s.mae['yaw_deg']:8.2f} {s.mae['pitch_deg']:6.2f} "
              f"{s.mae['roll_deg']:6.2f}  " + " ".join(f"{e:+6.1f}" for e in errors) + f"   ({v.what})")
    # A bias (all variants off the same way) and a spread (each off its own way) need different fixes.
    print("per direction, mean signed error (bias) and spread (sd) over variants: " + ", ".join(
        f"{d} {np.mean(v):+.1f} sd {np.std(v):.1f}" for d, v in by_direction.items() if v))
    print(f"over all variants: worst end-range error {worst:.1f} deg, mean |end-range error| "
          f"{np.mean(all_errors):.2f} deg, {np.mean(np.array(all_errors) <= 3.0):.0%} within 3 deg, "
          f"mean per-axis MAE {np.mean(all_mae):.2f} deg")
    return 0


if __name__ == "__main__":
    sys.exit(main())
