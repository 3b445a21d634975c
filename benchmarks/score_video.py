"""Score an analysis CSV (`main.py analyze --csv`) against a ground-truth CSV.

    python benchmarks/score_video.py ANALYSIS.csv TRUTH.csv

Prints frames with a pose, per-axis MAE and, per movement, the end-range error |max estimated -
max true| on the movement's own axis. The truth CSV has `frame,yaw_deg,pitch_deg,roll_deg,movement`.
"""

from __future__ import annotations

import argparse
import csv
import math
import sys
from dataclasses import dataclass
from pathlib import Path

# Movement label in the truth CSV -> (axis, sign, name of the clinical direction).
MOVEMENTS = {
    "rot_left": ("yaw_deg", 1, "rotation_left"),
    "rot_right": ("yaw_deg", -1, "rotation_right"),
    "flexion": ("pitch_deg", 1, "flexion"),
    "extension": ("pitch_deg", -1, "extension"),
    "latflex_left": ("roll_deg", 1, "lateral_flexion_left"),
    "latflex_right": ("roll_deg", -1, "lateral_flexion_right"),
}
AXES = ("yaw_deg", "pitch_deg", "roll_deg")


@dataclass(frozen=True)
class Score:
    frames: int
    pose_rate: float
    mae: dict[str, float]
    end_range: dict[str, tuple[float, float, float]]  # direction -> (true max, estimated max, error)


def _read(path: Path) -> dict[int, dict[str, str]]:
    with open(path, newline="", encoding="utf-8") as fh:
        return {int(row["frame"]): row for row in csv.DictReader(fh)}


def _num(text: str | None) -> float | None:
    return None if text in (None, "") else float(text)


def score(analysis_csv: Path, truth_csv: Path) -> Score:
    est, truth = _read(analysis_csv), _read(truth_csv)
    frames = sorted(truth)
    with_pose = [f for f in frames if f in est and est[f].get("detected") == "1"]
    mae = {}
    for axis in AXES:
        errors = [abs(float(est[f][axis]) - float(truth[f][axis])) for f in with_pose]
        mae[axis] = sum(errors) / len(errors) if errors else math.nan
    end_range = {}
    for label, (axis, sign, direction) in MOVEMENTS.items():
        in_move = [f for f in frames if truth[f].get("movement") == label]
        if not in_move:
            continue
        true_max = max(sign * float(truth[f][axis]) for f in in_move)
        values = [sign * v for f in in_move if f in est and (v := _num(est[f].get(axis))) is not None]
        est_max = max(values) if values else math.nan
        end_range[direction] = (true_max, est_max, est_max - true_max)
    return Score(len(frames), len(with_pose) / len(frames), mae, end_range)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("analysis", type=Path)
    parser.add_argument("truth", type=Path)
    args = parser.parse_args(argv)
    s = score(args.analysis, args.truth)
    print(f"frames {s.frames}, with a pose {s.pose_rate:.1%}")
    print("MAE (deg): " + ", ".join(f"{a.split('_')[0]} {v:.2f}" for a, v in s.mae.items()))
    print(f"{'movement':24s} {'true':>6s} {'est':>6s} {'error':>6s}")
    for direction, (t, e, err) in s.end_range.items():
        print(f"{direction:24s} {t:6.1f} {e:6.1f} {err:+6.1f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
