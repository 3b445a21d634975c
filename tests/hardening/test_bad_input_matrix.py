"""Bad input through the real command lines: exit code 2, one line saying what and where, no
traceback, and nothing already stored touched. (Per-loader cases live beside each package's
tests; this matrix fills what they leave out and checks the command-line contract for all.)"""

from __future__ import annotations

import gzip
import json
import sqlite3
import warnings
from pathlib import Path

import pytest

import main
from tests.hardening.helpers import one_clear_line


def _cli(capsys, *argv) -> tuple[int, str, str]:
    code = main.main([str(a) for a in argv])
    out, err = capsys.readouterr()
    return code, out, err


def _dump(db: Path) -> list[str]:
    conn = sqlite3.connect(db)
    try:
        return list(conn.iterdump())
    finally:
        conn.close()


@pytest.fixture
def stored(tmp_path, capsys, demo_truth):
    """A data folder with one patient and one recorded session, and its exported file."""
    d = tmp_path / "d"
    pid = _cli(capsys, "patients", "--add", "--data-dir", d)[1].strip()
    assert _cli(capsys, "record", pid, "--samples-csv", demo_truth, "--data-dir", d)[0] == 0
    assert _cli(capsys, "export", pid, tmp_path / "good.cervicam", "--data-dir", d)[0] == 0
    return d, pid, tmp_path / "good.cervicam"


def _export_doc(path: Path) -> dict:
    return json.loads(gzip.decompress(path.read_bytes()))


IMPORT_CASES = {
    "empty file": lambda good: b"",
    "truncated gzip": lambda good: good.read_bytes()[: len(good.read_bytes()) // 2],
    "random bytes": lambda good: bytes(range(256)) * 20,
    "json list": lambda good: b"[1, 2, 3]",
    "newer schema": lambda good: gzip.compress(json.dumps({**_export_doc(good), "schema_version": 99}).encode()),
    "schema as text": lambda good: gzip.compress(json.dumps({**_export_doc(good), "schema_version": "2"}).encode()),
    "wrong columns": lambda good: gzip.compress(
        json.dumps({**_export_doc(good), "columns": {**_export_doc(good)["columns"], "samples": ["x"]}}).encode()
    ),
    "sessions not a list": lambda good: gzip.compress(json.dumps({**_export_doc(good), "sessions": 5}).encode()),
    "sample row too short": lambda good: gzip.compress(
        json.dumps(
            {
                **_export_doc(good),
                "patient": {**_export_doc(good)["patient"], "pseudonym": "P-NEWONE"},
                "sessions": [
                    {**s, "uid": "new-uid", "samples": s["samples"][:5] + [[1, 2]]} for s in _export_doc(good)["sessions"]
                ],
            }
        ).encode()
    ),
}


@pytest.mark.parametrize("case", list(IMPORT_CASES))
def test_bad_patient_import_file(stored, tmp_path, capsys, case):
    d, pid, good = stored
    bad = tmp_path / "bad.cervicam"
    bad.write_bytes(IMPORT_CASES[case](good))
    before = _dump(d / "cervicam.sqlite3")
    code, _, err = _cli(capsys, "import", bad, "--data-dir", d)
    assert code == 2
    line = one_clear_line(err)
    assert "bad.cervicam" in line  # says where
    assert _dump(d / "cervicam.sqlite3") == before  # nothing stored touched


def test_same_import_through_a_fresh_process(stored, tmp_path):
    from tests.hardening.helpers import run_main

    d, _, good = stored
    bad = tmp_path / "newer.cervicam"
    bad.write_bytes(IMPORT_CASES["newer schema"](good))
    done = run_main("import", str(bad), "--data-dir", str(d))
    assert done.returncode == 2 and "newer cervicam" in one_clear_line(done.stderr)


@pytest.mark.parametrize(
    "content, where",
    [
        ("frame,time_s,yaw_deg\n1,abc,3\n", "samples.csv"),
        ("not,a,samples,file\n", "samples.csv"),
        ("", "samples.csv"),
        ("\x00\x01\x02garbage", "samples.csv"),
    ],
)
def test_bad_samples_csv_for_record(stored, tmp_path, capsys, content, where):
    d, pid, _ = stored
    csv = tmp_path / "samples.csv"
    csv.write_text(content)
    before = _dump(d / "cervicam.sqlite3")
    code, _, err = _cli(capsys, "record", pid, "--samples-csv", csv, "--data-dir", d)
    assert code == 2 and where in one_clear_line(err)
    assert _dump(d / "cervicam.sqlite3") == before


@pytest.mark.parametrize(
    "argv, message",
    [
        (["video", "1", "--store", "{tmp}/none.mp4", "--consent"], "video file not found"),
        (["video", "1", "--extract", "{tmp}/out.mp4"], "has no stored video"),
        (["video", "99", "--extract", "{tmp}/out.mp4"], "no session 99"),
        (["delete-patient", "P-NOBODY", "--yes"], "no patient 'P-NOBODY'"),
        (["delete-patient", "{pid}"], "add --yes"),
        (["report", "1", "--pdf", "{tmp}/missing-folder/r.pdf"], "does not exist"),
        (["export", "{pid}", "{tmp}/missing-folder/p.cervicam"], "does not exist"),
    ],
)
def test_bad_store_commands(stored, tmp_path, capsys, argv, message):
    d, pid, _ = stored
    argv = [a.replace("{tmp}", str(tmp_path)).replace("{pid}", pid) for a in argv]
    before = _dump(d / "cervicam.sqlite3")
    code, _, err = _cli(capsys, *argv, "--data-dir", d)
    assert code == 2 and message in one_clear_line(err)
    after = [line for line in _dump(d / "cervicam.sqlite3") if "audit_log" not in line]
    assert after == [line for line in before if "audit_log" not in line]


# ----- ONNX models through `analyze --engine onnx` -------------------------------------------------
@pytest.fixture(scope="module")
def bad_models(tmp_path_factory):
    from tests.engines.onnx_models import CONTRACT_METADATA, export_test_model

    folder = tmp_path_factory.mktemp("bad_models")
    (folder / "garbage.onnx").write_bytes(b"\x08\x07garbage that protobuf will not parse" * 10)
    (folder / "empty.onnx").write_bytes(b"")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        export_test_model(folder / "wrong_inputs.onnx", input_name="input")
        export_test_model(folder / "nchw.onnx", nchw=True)
        export_test_model(
            folder / "no_metadata.onnx", metadata={k: v for k, v in CONTRACT_METADATA.items() if k != "convention"}
        )
    return folder


@pytest.mark.parametrize(
    "model, message",
    [
        ("garbage.onnx", "not a usable ONNX model"),
        ("empty.onnx", "empty.onnx"),
        ("wrong_inputs.onnx", "input named 'image'"),
        ("nchw.onnx", "[N, H, W, 3]"),
        ("no_metadata.onnx", "lacks the metadata"),
        ("missing.onnx", "not found"),
    ],
)
def test_bad_onnx_model_for_analyze(bad_models, demo_video, tmp_path, capsys, model, message):
    out = tmp_path / "out.csv"
    code, _, err = _cli(capsys, "analyze", demo_video, "--csv", out, "--engine", "onnx", "--model", bad_models / model, "--no-progress")
    assert code == 2
    line = one_clear_line(err)
    assert message in line and model in line
    assert not out.exists()  # refused before any frame was measured


# ----- training command lines ------------------------------------------------------------------
@pytest.mark.parametrize(
    "yaml_text, message",
    [
        ("train:\n  lr: fast\n", "train.lr"),
        ("train:\n  epochs: [1, 2]\n", "train.epochs"),
        ("model:\n  backbone: 7\n", "model.backbone"),
        ("train:\n  learning_rate: 0.1\n", "unknown config key 'train.learning_rate'"),
        ("colour: blue\n", "unknown config key 'colour'"),
        ("train: {lr: 0.1\n", "bad.yaml"),
        ("- just\n- a list\n", "bad.yaml"),
    ],
)
def test_bad_training_config(tmp_path, capsys, yaml_text, message):
    from training.train import main as train_main

    bad = tmp_path / "bad.yaml"
    bad.write_text(yaml_text)
    assert train_main(["--config", str(bad), "--data", str(tmp_path), "--out", str(tmp_path / "run")]) == 2
    err = capsys.readouterr().err
    lines = [line for line in err.splitlines() if line.strip()]
    assert len(lines) == 1 and "Traceback" not in err, err
    assert message in lines[0]
    assert not (tmp_path / "run").exists()


@pytest.mark.parametrize("damage", ["all_poses_malformed", "missing_rgb_cal", "rgb_cal_garbage", "no_folder"])
def test_bad_biwi_folder_for_preprocess(tmp_path, capsys, damage):
    from training import preprocess
    from training.synthetic_biwi import write_synthetic_biwi

    write_synthetic_biwi(tmp_path / "db", sequences=("01", "02"), frames=2, seed=1)
    seq = tmp_path / "db" / "hpdb" / "02"
    where = "02"
    if damage == "all_poses_malformed":
        for pose in (tmp_path / "db" / "hpdb").rglob("*_pose.txt"):
            pose.write_text("0.1 0.2 nan-ish\n")
        where = "no readable frames"
    elif damage == "missing_rgb_cal":
        (seq / "rgb.cal").unlink()
    elif damage == "rgb_cal_garbage":
        (seq / "rgb.cal").write_text("focal: big\n")
    biwi = tmp_path / ("nowhere" if damage == "no_folder" else "db")
    where = "nowhere" if damage == "no_folder" else where
    code = preprocess.main(["--biwi", str(biwi), "--out", str(tmp_path / "out")])
    err = capsys.readouterr().err
    assert code == 2
    # tqdm's progress bar shares stderr; the message is the one line that is not a bar.
    lines = [line for line in err.replace("\r", "\n").splitlines() if line.strip() and "BIWI frames" not in line]
    assert len(lines) == 1 and "Traceback" not in err, err
    assert where in lines[0]

