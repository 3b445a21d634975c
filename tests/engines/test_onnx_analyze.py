"""`main.py analyze --engine onnx --model FILE` end to end on a short clip of the demo video."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import cv2
import numpy as np
import pytest

import main

CLIP_FRAMES = 40


@pytest.fixture(scope="module")
def short_clip(demo_video: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("clip") / "clip.mp4"
    cap = cv2.VideoCapture(str(demo_video))
    writer = None
    for _ in range(CLIP_FRAMES):
        ok, frame = cap.read()
        assert ok, "demo video too short"
        if writer is None:
            h, w = frame.shape[:2]
            writer = cv2.VideoWriter(str(out), cv2.VideoWriter_fourcc(*"mp4v"), 30.0, (w, h))
        writer.write(frame)
    writer.release()
    cap.release()
    return out


def test_analyze_with_the_onnx_engine(short_clip: Path, contract_model: Path, tmp_path: Path) -> None:
    out_csv, out_json = tmp_path / "angles.csv", tmp_path / "summary.json"
    rc = main.main([
        "analyze", str(short_clip), "--csv", str(out_csv), "--json", str(out_json),
        "--engine", "onnx", "--model", str(contract_model), "--device", "cpu", "--no-progress",
    ])
    assert rc == 0
    with open(out_csv, newline="") as fh:
        rows = list(csv.DictReader(fh))
    assert len(rows) == CLIP_FRAMES
    detected = [r for r in rows if r["detected"] == "1"]
    assert len(detected) >= 0.9 * CLIP_FRAMES
    assert {r["source"] for r in detected} == {"onnx"}
    raw = np.array([[float(r["raw_yaw_deg"]), float(r["raw_pitch_deg"]), float(r["raw_roll_deg"])] for r in detected])
    # The clip is the neutral hold: relative to the neutral, the colour model's angles barely move.
    assert np.all(np.isfinite(raw))
    assert float(np.abs(raw).max()) < 3.0
    summary = json.loads(out_json.read_text())
    assert "rotation_left" in json.dumps(summary)


def test_analyze_refuses_a_forced_cuda_without_gpu(short_clip: Path, contract_model: Path, tmp_path: Path, capsys) -> None:
    import onnxruntime

    if "CUDAExecutionProvider" in onnxruntime.get_available_providers():
        pytest.skip("this machine has CUDA")
    rc = main.main([
        "analyze", str(short_clip), "--csv", str(tmp_path / "a.csv"), "--engine", "onnx",
        "--model", str(contract_model), "--device", "cuda", "--no-progress",
    ])
    assert rc == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert err == [
        "cervicam: --device cuda was requested but onnxruntime has no CUDAExecutionProvider "
        "(install onnxruntime-gpu and a CUDA driver); use --device auto or cpu"
    ]
