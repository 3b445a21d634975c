"""`main.py analyze`: outputs on the dev video, and one clear line + exit 2 on bad input."""

import csv
import json
import shutil

import pytest

import main


def _run(argv, capsys):
    code = main.main(argv)
    out, err = capsys.readouterr()
    return code, out, err


@pytest.mark.parametrize("make", ["missing", "empty", "text", "folder", "truncated"])
def test_bad_video_exits_2_with_one_line(tmp_path, capsys, demo_video, make):
    bad = tmp_path / "bad.mp4"
    if make == "empty":
        bad.write_bytes(b"")
    elif make == "text":
        bad.write_text("this is not a video\n" * 50)
    elif make == "folder":
        bad.mkdir()
    elif make == "truncated":
        data = demo_video.read_bytes()
        bad.write_bytes(data[: len(data) // 3])
    out_csv = tmp_path / "out.csv"
    code, _, err = _run(["analyze", str(bad), "--csv", str(out_csv), "--no-progress"], capsys)
    if make == "truncated" and code == 0:
        # A container OpenCV can still partly decode: the frames it had are analysed and written.
        rows = list(csv.DictReader(out_csv.open()))
        assert 0 < len(rows) < 960
        return
    assert code == 2
    lines = [line for line in err.splitlines() if line.startswith("cervicam:")]
    assert len(lines) == 1 and str(bad.name) in lines[0]
    assert "Traceback" not in err


def test_video_without_a_face_says_so_and_still_writes_the_csv(tmp_path, capsys):
    import cv2
    import numpy as np

    path = tmp_path / "wall.avi"
    writer = cv2.VideoWriter(str(path), cv2.VideoWriter_fourcc(*"MJPG"), 30, (160, 120))
    for i in range(20):
        writer.write(np.full((120, 160, 3), 90 + i, np.uint8))
    writer.release()
    out_csv = tmp_path / "out.csv"
    code, _, err = _run(["analyze", str(path), "--csv", str(out_csv), "--no-progress"], capsys)
    assert code == 2 and "no face" in err
    rows = list(csv.DictReader(out_csv.open()))
    assert len(rows) == 20 and all(r["detected"] == "0" and r["yaw_deg"] == "" for r in rows)


@pytest.mark.slow
def test_analyze_dev_video_writes_csv_and_json(tmp_path, capsys, demo_video):
    short = tmp_path / "clip.mp4"
    shutil.copy(demo_video, short)
    out_csv, out_json = tmp_path / "a.csv", tmp_path / "a.json"
    code, out, _ = _run(["analyze", str(short), "--csv", str(out_csv), "--json", str(out_json), "--no-progress"], capsys)
    assert code == 0
    rows = list(csv.DictReader(out_csv.open()))
    assert len(rows) == 960
    assert list(rows[0])[:7] == ["frame", "time_s", "yaw_deg", "pitch_deg", "roll_deg", "detected", "quality"]
    summary = json.loads(out_json.read_text())
    assert summary["detection_rate"] == 1.0
    assert 60 < summary["rotation_left"] < 80
    assert summary["extension"] > 40
    assert summary["camera_hfov_deg"] == 62.0 and summary["camera_hfov_source"].startswith("assumed")


def _clip(demo_video, path, frames):
    import cv2

    cap = cv2.VideoCapture(str(demo_video))
    writer = cv2.VideoWriter(str(path), cv2.VideoWriter_fourcc(*"MJPG"), 30, (640, 480))
    for _ in range(frames):
        ok, bgr = cap.read()
        writer.write(bgr)
    writer.release()


def test_hfov_reaches_the_tracker_and_bad_values_are_refused(tmp_path, capsys, demo_video):
    clip = tmp_path / "turn.avi"
    _clip(demo_video, clip, 100)  # neutral, then the start of the turn to the left
    yaws = {}
    for hfov in ("30", "90"):
        out, summary = tmp_path / f"{hfov}.csv", tmp_path / f"{hfov}.json"
        args = ["analyze", str(clip), "--csv", str(out), "--json", str(summary), "--hfov", hfov, "--no-progress"]
        assert _run(args, capsys)[0] == 0
        yaws[hfov] = [float(r["yaw_deg"]) for r in csv.DictReader(out.open()) if r["yaw_deg"]]
        said = json.loads(summary.read_text())
        assert said["camera_hfov_deg"] == float(hfov) and said["camera_hfov_source"] == "given"
    assert len(yaws["30"]) == len(yaws["90"]) == 100
    assert max(abs(a - b) for a, b in zip(yaws["30"], yaws["90"])) > 0.5  # perspective changes the answer
    code, _, err = _run(["analyze", str(clip), "--csv", str(tmp_path / "x.csv"), "--hfov", "5"], capsys)
    assert code == 2 and "--hfov" in err


def test_the_number_of_trackers_is_chosen_said_and_checked(tmp_path, capsys, demo_video):
    clip = tmp_path / "turn.avi"
    _clip(demo_video, clip, 100)
    for trackers in ("1", "3"):
        summary = tmp_path / f"{trackers}.json"
        args = ["analyze", str(clip), "--csv", str(tmp_path / "x.csv"), "--json", str(summary), "--trackers", trackers,
                "--no-progress"]
        assert _run(args, capsys)[0] == 0
        assert json.loads(summary.read_text())["head_trackers"] == int(trackers)
    code, _, err = _run(["analyze", str(clip), "--csv", str(tmp_path / "x.csv"), "--trackers", "0"], capsys)
    assert code == 2 and "--trackers" in err and "Traceback" not in err


def test_the_network_that_witnessed_is_named_and_none_when_each_measures_alone(tmp_path, capsys, demo_video):
    from app.engines.factory import default_model_path
    from app.model_folders import default_model_dirs

    clip = tmp_path / "turn.avi"
    _clip(demo_video, clip, 40)
    installed = default_model_path(default_model_dirs(), warn_if_several=False).stem
    for extra, named in (([], installed), (["--no-cross-check"], None)):
        summary = tmp_path / "s.json"
        args = ["analyze", str(clip), "--csv", str(tmp_path / "x.csv"), "--json", str(summary), "--trackers", "1",
                "--no-progress", *extra]
        assert _run(args, capsys)[0] == 0
        assert json.loads(summary.read_text())["witness_network"] == named
