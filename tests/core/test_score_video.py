"""The dev-set scorer counts what issue 18 bars: frames off by more than 10 degrees, and among them
the trusted ones (confident wrong readings)."""

from __future__ import annotations

import csv
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))
from benchmarks.score_video import score  # noqa: E402

from app.core.quality import TRUSTED_QUALITY  # noqa: E402


def _write(path: Path, rows: list[dict]) -> Path:
    with path.open("w", newline="", encoding="utf-8") as fh:
        writer = csv.DictWriter(fh, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)
    return path


def test_gross_frames_and_the_trusted_among_them_are_counted(tmp_path):
    truth = [dict(frame=i, time_s=i / 30, yaw_deg=0.0, pitch_deg=0.0, roll_deg=0.0, movement="neutral")
             for i in range(6)]
    # frame: (yaw error, quality): two gross frames, one of them trusted; one frame without a pose.
    readings = {0: (0.5, 0.9), 1: (12.0, TRUSTED_QUALITY), 2: (-15.0, 0.25), 3: (9.0, 0.9), 4: (0.0, 0.9)}
    analysis = []
    for i in range(6):
        yaw, quality = readings.get(i, ("", 0.0))
        posed = i in readings
        analysis.append(dict(frame=i, time_s=i / 30, yaw_deg=yaw, pitch_deg=0.0 if posed else "",
                             roll_deg=0.0 if posed else "", detected=int(posed), quality=quality))
    s = score(_write(tmp_path / "a.csv", analysis), _write(tmp_path / "t.csv", truth))
    assert (s.gross_frames, s.trusted_gross_frames) == (2, 1)
    assert s.gross_share == 2 / 5
    assert s.trusted_within_5 == 2 / 4  # frames 0 and 4 of the trusted 0, 1, 3, 4
