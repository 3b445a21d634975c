"""Would the trained network, as an absolute reading that cannot drift, catch the tracker's gross errors?

    python benchmarks/network_check.py LANDMARKS_DIR ONNX_DIR TRUTH_DIR [--thresholds 10,15,20,25,30]

LANDMARKS_DIR and ONNX_DIR hold ``NAME.csv`` analyses of the same videos (``benchmarks/dev_set.py
--out DIR``, the second with ``--extra "--engine onnx"``); TRUTH_DIR holds ``NAME.csv`` truths.
For each threshold T, a frame is *flagged* when the two engines' readings (each relative to its
own neutral) differ by more than T degrees on some axis: the rule "say the number is not
trustworthy when the network disagrees". Printed per threshold, over all videos: the tracker's
gross frames (off by more than 10 degrees) that are flagged (caught), its good frames (within
5 degrees) that are flagged (lost for nothing), and the share of trusted frames (quality >= the
app's TRUSTED_QUALITY and not flagged) that are gross, against the same share without the rule.
"""

from __future__ import annotations

import argparse
import csv
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from app.core.quality import TRUSTED_QUALITY  # noqa: E402
from benchmarks.score_video import AXES, GROSS_ERROR_DEG  # noqa: E402

GOOD_ERROR_DEG = 5.0


def _rows(path: Path) -> dict[int, dict[str, str]]:
    with open(path, newline="", encoding="utf-8") as fh:
        return {int(r["frame"]): r for r in csv.DictReader(fh)}


def _angles(row: dict[str, str]) -> tuple[float, float, float] | None:
    if row.get("detected") != "1" or any(row.get(a) in (None, "") for a in AXES):
        return None
    return tuple(float(row[a]) for a in AXES)


def frames_of(tracker_csv: Path, network_csv: Path, truth_csv: Path) -> list[tuple[float, float, float]]:
    """(tracker error, engines' disagreement, tracker quality) per frame where both have a pose."""
    tracker, network, truth = _rows(tracker_csv), _rows(network_csv), _rows(truth_csv)
    out = []
    for frame, t_row in truth.items():
        a = _angles(tracker.get(frame, {}))
        b = _angles(network.get(frame, {}))
        if a is None or b is None:
            continue
        true = tuple(float(t_row[x]) for x in AXES)
        error = max(abs(p - q) for p, q in zip(a, true))
        disagreement = max(abs(p - q) for p, q in zip(a, b))
        out.append((error, disagreement, float(tracker[frame].get("quality") or 0.0)))
    return out


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("landmarks", type=Path)
    p.add_argument("onnx", type=Path)
    p.add_argument("truth", type=Path)
    p.add_argument("--thresholds", default="10,15,20,25,30")
    p.add_argument("--per-video", type=float, metavar="T", help="also one row per video at threshold T")
    args = p.parse_args(argv)
    frames: list[tuple[float, float, float]] = []
    per_video = {}
    for tracker_csv in sorted(args.landmarks.glob("*.csv")):
        name = tracker_csv.stem
        network_csv, truth_csv = args.onnx / f"{name}.csv", args.truth / f"{name}.csv"
        if not (network_csv.is_file() and truth_csv.is_file()):
            continue
        rows = frames_of(tracker_csv, network_csv, truth_csv)
        per_video[name] = rows
        frames += rows
    if not frames:
        print("no video has all three CSVs", file=sys.stderr)
        return 2
    gross = [f for f in frames if f[0] > GROSS_ERROR_DEG]
    good = [f for f in frames if f[0] <= GOOD_ERROR_DEG]
    trusted = [f for f in frames if f[2] >= TRUSTED_QUALITY]
    base = sum(f[0] > GROSS_ERROR_DEG for f in trusted) / max(1, len(trusted))
    print(f"{len(per_video)} videos, {len(frames)} frames with both poses; tracker gross (> {GROSS_ERROR_DEG:.0f} deg): "
          f"{len(gross)}, good (<= {GOOD_ERROR_DEG:.0f} deg): {len(good)}")
    within = sum(f[0] <= GOOD_ERROR_DEG for f in trusted) / max(1, len(trusted))
    print(f"without the rule: {len(trusted)} trusted frames ({100 * len(trusted) / len(frames):.1f} %), "
          f"{100 * base:.2f} % of them gross, {100 * within:.1f} % within {GOOD_ERROR_DEG:.0f} deg")
    print("threshold | gross caught | good flagged | trusted left | gross among trusted | trusted within 5")
    for threshold in (float(t) for t in args.thresholds.split(",")):
        caught = sum(f[1] > threshold for f in gross) / max(1, len(gross))
        lost = sum(f[1] > threshold for f in good) / max(1, len(good))
        kept = [f for f in trusted if f[1] <= threshold]
        share = sum(f[0] > GROSS_ERROR_DEG for f in kept) / max(1, len(kept))
        within = sum(f[0] <= GOOD_ERROR_DEG for f in kept) / max(1, len(kept))
        print(f"{threshold:9.0f} | {100 * caught:11.1f} % | {100 * lost:11.1f} % | {len(kept):12d} | "
              f"{100 * share:18.2f} % | {100 * within:14.1f} %")
    if args.per_video is not None:
        t = args.per_video
        print(f"per video at {t:.0f} deg: gross caught, good flagged, gross among trusted before -> after")
        for name, rows in per_video.items():
            g = [f for f in rows if f[0] > GROSS_ERROR_DEG]
            ok = [f for f in rows if f[0] <= GOOD_ERROR_DEG]
            tr = [f for f in rows if f[2] >= TRUSTED_QUALITY]
            kept = [f for f in tr if f[1] <= t]
            before = sum(f[0] > GROSS_ERROR_DEG for f in tr) / max(1, len(tr))
            after = sum(f[0] > GROSS_ERROR_DEG for f in kept) / max(1, len(kept))
            print(f"  {name:<30} {sum(f[1] > t for f in g):4d}/{len(g):<4d} {100 * sum(f[1] > t for f in ok) / max(1, len(ok)):5.1f} %"
                  f"   {100 * before:5.2f} % -> {100 * after:5.2f} %")
    return 0


if __name__ == "__main__":
    sys.exit(main())
