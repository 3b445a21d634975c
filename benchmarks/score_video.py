"""Score an analysis CSV (`main.py analyze --csv`) against a ground-truth CSV.

    python benchmarks/score_video.py ANALYSIS.csv TRUTH.csv

Prints frames with a pose, per-axis MAE and, per movement, the end-range error |max estimated -
max true| on the movement's own axis (the estimate is the app's recorded maximum: held for
0.25 s, app.core.rom); then the frame-level figures that show gross errors: the
share of frames off by more than 10 degrees on some axis, the 95th percentile of the per-frame
error (the worst axis of each frame), the worst frame, and the session maxima (each direction's
largest value over the whole video, as the window's maxima panel and ``analyze --json`` report
it) against the truth's. The truth CSV has `frame,yaw_deg,pitch_deg,roll_deg,movement`.
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


ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from app.core.quality import TRUSTED_QUALITY  # noqa: E402
from app.core.rom import held_peak  # noqa: E402

GROSS_ERROR_DEG = 10.0


@dataclass(frozen=True)
class Score:
    frames: int
    pose_rate: float
    mae: dict[str, float]
    end_range: dict[str, tuple[float, float, float]]  # direction -> (true max, estimated max, error)
    gross_share: float = math.nan  # of frames with a pose, off by more than GROSS_ERROR_DEG on some axis
    p95_error: float = math.nan  # 95th percentile of each frame's worst-axis error
    worst_error: float = math.nan
    worst_frame: int = -1
    session_maxima: dict[str, tuple[float, float, float]] | None = None  # direction -> (true, estimated, error)
    trusted_share: float = math.nan  # of frames with a pose, at app.core.quality.TRUSTED_QUALITY or above
    trusted_within_5: float = math.nan  # of those, within 5 degrees on every axis
    gross_frames: int = 0  # frames with a pose off by more than GROSS_ERROR_DEG on some axis
    trusted_gross_frames: int = 0  # ... of them trusted: confident wrong readings, which issue 18 forbids

    @property
    def worst_end_range(self) -> float:
        return max((abs(e) for _, _, e in self.end_range.values() if not math.isnan(e)), default=math.nan)

    @property
    def worst_session_maximum(self) -> float:
        values = [abs(e) for _, _, e in (self.session_maxima or {}).values() if not math.isnan(e)]
        return max(values, default=math.nan)


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
        est_max = _recorded_maximum(est, in_move, axis, sign)
        end_range[direction] = (true_max, est_max, est_max - true_max)
    frame_errors = [max(abs(float(est[f][a]) - float(truth[f][a])) for a in AXES) for f in with_pose]
    worst = max(range(len(frame_errors)), key=frame_errors.__getitem__, default=None)
    gross = sum(e > GROSS_ERROR_DEG for e in frame_errors) / len(frame_errors) if frame_errors else math.nan
    trusted = [e for f, e in zip(with_pose, frame_errors) if float(est[f].get("quality") or 0.0) >= TRUSTED_QUALITY]
    return Score(len(frames), len(with_pose) / len(frames), mae, end_range, gross,
                 _percentile(frame_errors, 95), frame_errors[worst] if worst is not None else math.nan,
                 with_pose[worst] if worst is not None else -1, _session_maxima(est, truth, with_pose),
                 len(trusted) / len(frame_errors) if frame_errors else math.nan,
                 sum(e <= 5.0 for e in trusted) / len(trusted) if trusted else math.nan,
                 sum(e > GROSS_ERROR_DEG for e in frame_errors), sum(e > GROSS_ERROR_DEG for e in trusted))


def _session_maxima(est, truth, with_pose) -> dict[str, tuple[float, float, float]]:
    out = {}
    for label, (axis, sign, direction) in MOVEMENTS.items():
        true_max = max(sign * float(row[axis]) for row in truth.values())
        est_max = _recorded_maximum(est, sorted(est), axis, sign)
        out[direction] = (true_max, est_max, est_max - true_max)
    return out


def _recorded_maximum(est, frames, axis: str, sign: int) -> float:
    """The app's one definition of a maximum (app.core.rom.held_peak) over these frames of the analysis."""
    times, values = [], []
    for f in frames:
        row = est.get(f)
        if row is None:
            continue
        v = _num(row.get(axis)) if row.get("detected") == "1" else None
        times.append(float(row["time_s"]))
        values.append(None if v is None else sign * v)
    peak = held_peak(times, values)
    return math.nan if peak is None else peak


def _percentile(values: list[float], q: float) -> float:
    if not values:
        return math.nan
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(math.ceil(q / 100 * len(ordered))) - 1)]


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
    print(f"frames off > {GROSS_ERROR_DEG:g}°: {s.gross_share:.1%} ({s.gross_frames}, {s.trusted_gross_frames} of them "
          f"trusted); per-frame error p95 {s.p95_error:.1f}°, worst {s.worst_error:.1f}° (frame {s.worst_frame})")
    print(f"trusted (quality >= {TRUSTED_QUALITY:g}): {s.trusted_share:.1%} of frames, {s.trusted_within_5:.1%} of them "
          "within 5°")
    print("session maxima (whole video): " + ", ".join(
        f"{d} {e:.1f} ({err:+.1f})" for d, (_, e, err) in (s.session_maxima or {}).items()))
    return 0


if __name__ == "__main__":
    sys.exit(main())
