"""The measuring core on every dev video, each with its own camera's field of view, scored against its truth.

    python benchmarks/dev_set.py DEV_VIDEOS_DIR [--jobs 2] [--only NAME,NAME] [--perturb reencoded,noisy,...]
                                                [--out DIR] [--extra ARGS]

DEV_VIDEOS_DIR holds ``NAME.mp4`` + ``NAME.csv`` (truth) pairs and ``specs.json`` (per video, the
camera's ``hfov_deg``), like the project's shared dev set. Each video is analysed with
``main.py analyze --hfov`` (as a clinician who knows their camera would) and scored with
``benchmarks/score_video.py``. Prints one row per video and a summary line: worst and mean
end-range error, worst session maximum, share of frames off by more than 10 degrees, 95th
percentile frame error, per-axis MAE, the share of frames trusted and how many trusted frames are off
by more than 10 degrees (``>10° tr``: confident wrong readings), frames/s. ``--perturb`` adds, per video, copies made by
``benchmarks/robustness.py``'s variants (re-encoded, noisy, 15 frames/s, half size, ...), each with
its matching truth, as rows ``NAME+VARIANT`` (the compression noise alone moves end ranges).
"""

from __future__ import annotations

import argparse
import json
import math
import shlex
import subprocess
import sys
import tempfile
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from benchmarks.score_video import Score, score  # noqa: E402


@dataclass(frozen=True)
class VideoRun:
    name: str
    score: Score | None
    frames_per_second: float
    error: str = ""


def perturbed_copies(videos: list[Path], names: list[str], out: Path) -> list[tuple[Path, Path, str]]:
    """(video, truth, spec name) of each video's copies under the named robustness variants."""
    from benchmarks.robustness import VARIANTS, make_variant

    by_name = {v.name: v for v in VARIANTS}
    unknown = [n for n in names if n not in by_name or by_name[n].name == "zoom115"]
    if unknown:
        raise SystemExit(f"--perturb: unknown or lens-changing variant(s): {', '.join(unknown)}")
    copies = []
    for video in videos:
        for name in names:
            folder = out / f"{video.stem}+{name}"
            folder.mkdir(parents=True, exist_ok=True)
            copy, truth = make_variant(by_name[name], video, video.with_suffix(".csv"), folder)
            renamed = folder / f"{video.stem}+{name}.mp4"
            copy.rename(renamed)
            truth_renamed = folder / f"{video.stem}+{name}.csv"
            truth.rename(truth_renamed)
            copies.append((renamed, truth_renamed, video.stem))
    return copies


def camera_hfov(specs: dict, name: str) -> float | None:
    spec = specs.get(name, {})
    camera = spec.get("camera", spec)
    for key in ("hfov_deg", "horizontal_fov_deg", "hfov"):
        if key in camera:
            return float(camera[key])
    return None


def analyse(video: Path, truth: Path, hfov: float | None, out: Path, extra: list[str]) -> VideoRun:
    csv_path, json_path = out / f"{video.stem}.csv", out / f"{video.stem}.json"
    cmd = [sys.executable, str(ROOT / "main.py"), "analyze", str(video), "--csv", str(csv_path), "--json",
           str(json_path), "--no-progress", *(["--hfov", f"{hfov:g}"] if hfov else []), *extra]
    done = subprocess.run(cmd, capture_output=True, text=True)
    if done.returncode != 0 or not csv_path.exists():
        return VideoRun(video.stem, None, math.nan, (done.stderr.strip().splitlines() or ["failed"])[-1])
    summary = json.loads(json_path.read_text()) if json_path.exists() else {}
    return VideoRun(video.stem, score(csv_path, truth), float(summary.get("frames_per_second", math.nan)))


def print_table(runs: list[VideoRun]) -> None:
    print(f"{'video':30s} {'pose':>6s} {'worst ER':>8s} {'mean ER':>7s} {'max sess':>8s} {'>10°':>6s} {'p95':>5s} "
          f"{'worst':>6s} {'MAE y/p/r':>15s} {'trusted':>7s} {'ok5':>6s} {'>10° tr':>7s} {'fps':>5s}")
    for run in runs:
        if run.score is None:
            print(f"{run.name:30s} failed: {run.error}")
            continue
        s = run.score
        errors = [abs(e) for _, _, e in s.end_range.values()]
        mae = "/".join(f"{v:.2f}" for v in s.mae.values())
        print(f"{run.name:30s} {s.pose_rate:6.1%} {s.worst_end_range:8.1f} {sum(errors) / len(errors):7.2f} "
              f"{s.worst_session_maximum:8.1f} {s.gross_share:6.1%} {s.p95_error:5.1f} {s.worst_error:6.1f} "
              f"{mae:>15s} {s.trusted_share:7.1%} {s.trusted_within_5:6.1%} {s.trusted_gross_frames:7d} "
              f"{run.frames_per_second:5.0f}")


def print_summary(runs: list[VideoRun]) -> None:
    scored = [r.score for r in runs if r.score is not None]
    if not scored:
        print("summary: nothing scored")
        return
    errors = [abs(e) for s in scored for _, _, e in s.end_range.values()]
    within3 = sum(e <= 3.0 for e in errors) / len(errors)
    within5 = sum(e <= 5.0 for e in errors) / len(errors)  # the bar of the onnx engine alone (docs/TRAINING.md)
    mae = [max(s.mae.values()) for s in scored]
    posed = sum(round(s.frames * s.pose_rate) for s in scored)
    gross, confident = sum(s.gross_frames for s in scored), sum(s.trusted_gross_frames for s in scored)
    print(f"summary over {len(scored)} videos ({len(errors)} movements): worst end range {max(errors):.1f}°, "
          f"mean {sum(errors) / len(errors):.2f}°, {within3:.0%} within 3°, {within5:.0%} within 5°; worst session maximum "
          f"{max(s.worst_session_maximum for s in scored):.1f}°; frames off > 10° up to "
          f"{max(s.gross_share for s in scored):.1%}; p95 frame error up to {max(s.p95_error for s in scored):.1f}°; "
          f"worst per-axis MAE {max(mae):.2f}°; pose on {min(s.pose_rate for s in scored):.1%}+ of frames; trusted "
          f"frames within 5°: {min(s.trusted_within_5 for s in scored):.1%} at worst; in all {gross} of {posed} frames "
          f"off > 10° ({gross / max(1, posed):.2%}), {confident} of them trusted")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("videos", type=Path, help="folder of NAME.mp4 + NAME.csv and specs.json")
    parser.add_argument("--jobs", type=int, default=2)
    parser.add_argument("--only", help="comma-separated video names")
    parser.add_argument("--perturb", help="comma-separated robustness variants to add per video (e.g. reencoded,noisy)")
    parser.add_argument("--out", type=Path, help="keep the analysis CSV/JSON here")
    parser.add_argument("--extra", default="", help="more analyze arguments, quoted")
    args = parser.parse_args(argv)
    specs_path = args.videos / "specs.json"
    specs = json.loads(specs_path.read_text()) if specs_path.exists() else {}
    videos = sorted(p for p in args.videos.glob("*.mp4") if (p.with_suffix(".csv")).exists())
    if args.only:
        wanted = set(args.only.split(","))
        unknown = wanted - {v.stem for v in videos}
        if unknown:
            parser.error(f"--only: no such video(s): {', '.join(sorted(unknown))}")
        videos = [v for v in videos if v.stem in wanted]
    if not videos:
        parser.error(f"{args.videos}: no NAME.mp4 with its NAME.csv truth")
    out = args.out or Path(tempfile.mkdtemp(prefix="cervicam-devset-"))
    out.mkdir(parents=True, exist_ok=True)
    extra = shlex.split(args.extra)
    jobs = [(v, v.with_suffix(".csv"), v.stem) for v in videos]
    if args.perturb:
        jobs += perturbed_copies(videos, args.perturb.split(","), out)
    with ThreadPoolExecutor(max_workers=max(1, args.jobs)) as pool:
        runs = list(pool.map(lambda j: analyse(j[0], j[1], camera_hfov(specs, j[2]), out, extra), jobs))
    print_table(runs)
    print_summary(runs)
    return 0


if __name__ == "__main__":
    sys.exit(main())
