"""preprocess -> train a few steps (loss falls) -> evaluate -> export -> onnxruntime equals torch."""

from __future__ import annotations

import csv
import json

import numpy as np
import pytest
import torch

from training import evaluate as ev
from training.checkpoint import load_checkpoint, model_from_checkpoint
from training.export_onnx import export_onnx, run_onnx, run_torch
from training.train import train

from .conftest import INPUT_SIZE, tiny_config


def test_training_lowers_the_loss_and_writes_checkpoints(trained):
    losses = [row["train_loss"] for row in trained.history]
    assert len(losses) == 10
    # From scratch on ~30 synthetic faces the loss (about the MAE in degrees) falls by a third;
    # predicting the mean pose would leave it where it started (the poses are centred on 0).
    assert np.mean(losses[-3:]) < 0.8 * losses[0], losses
    rows = list(csv.DictReader(trained.best_path.with_name("train_log.csv").open()))
    assert [float(r["train_loss"]) for r in rows] == pytest.approx(losses)
    best = load_checkpoint(trained.best_path)  # weights_only=True inside
    assert isinstance(best["config"], dict) and best["config"]["model"]["input_size"] == INPUT_SIZE
    assert best["best_val_mae"] == pytest.approx(min(float(r["val_mae_mean"]) for r in rows))
    assert trained.best_path.name == "cervical_headpose_cnn_best.pth"
    torch.load(trained.last_path, weights_only=True)


def test_resume_continues_from_the_last_epoch(prepared, trained, tmp_path):
    import shutil

    shutil.copy(trained.last_path, tmp_path / trained.last_path.name)
    shutil.copy(trained.best_path.with_name("train_log.csv"), tmp_path / "train_log.csv")
    result = train(tiny_config(prepared, epochs=11), prepared, tmp_path, resume=tmp_path / trained.last_path.name, show_progress=False)
    assert [r["epoch"] for r in result.history] == list(range(1, 12))
    rows = list(csv.DictReader((tmp_path / "train_log.csv").open()))
    assert [int(r["epoch"]) for r in rows] == list(range(1, 12))


def test_evaluate_matches_a_direct_computation(prepared, trained, tmp_path, capsys):
    result = ev.evaluate_checkpoint(trained.best_path, prepared, "test")
    model, cfg, _ = model_from_checkpoint(trained.best_path)
    crops = np.load(prepared / "crops" / f"test_{INPUT_SIZE}.npy")
    with np.load(prepared / "biwi_cnn_test.npz") as npz:
        truth = npz["angles"]
    pred = run_torch(model, crops)
    assert result.mae["yaw"] == pytest.approx(np.abs(pred[:, 0] - truth[:, 0]).mean(), abs=1e-4)
    assert result.mae["mean"] == pytest.approx(np.abs(pred - truth).mean(), abs=1e-4)
    assert sum(n for _, n in result.by_yaw_bin.values()) == len(truth)
    md = tmp_path / "table.md"
    plot = tmp_path / "plot.png"
    rc = ev.main(["--checkpoint", str(trained.best_path), str(trained.last_path), "--names", "best", "last",
                  "--data", str(prepared), "--markdown", str(md), "--plot", str(plot)])
    assert rc == 0
    table = md.read_text().splitlines()
    assert table[0].startswith("| model |") and table[2].startswith("| best |") and table[3].startswith("| last |")
    assert f"{result.mae['mean']:.2f}" in table[2]
    assert plot.stat().st_size > 1000
    assert "abs yaw 0-30" in capsys.readouterr().out


def test_export_follows_the_contract_and_matches_torch(prepared, trained, tmp_path, capsys):
    import onnx
    import onnxruntime as ort

    out = export_onnx(trained.best_path, tmp_path / "pose.onnx", data_dir=prepared, int8=True)
    proto = onnx.load(str(out))
    meta = {p.key: p.value for p in proto.metadata_props}
    for key in ("input_size", "crop_margin", "crop_square", "convention", "backbone", "training_data", "split",
                "val_mae_yaw", "val_mae_pitch", "val_mae_roll", "test_mae_yaw", "git_commit", "date", "precision"):
        assert meta.get(key), key
    assert meta["input_size"] == str(INPUT_SIZE) and meta["crop_square"] == "true" and meta["precision"] == "fp32"
    session = ort.InferenceSession(str(out), providers=["CPUExecutionProvider"])
    (inp,) = session.get_inputs()
    assert inp.name == "image" and inp.type == "tensor(uint8)" and inp.shape[1:] == [INPUT_SIZE, INPUT_SIZE, 3]
    assert isinstance(inp.shape[0], str)  # dynamic batch
    outs = {o.name: o for o in session.get_outputs()}
    assert outs["angles"].type == "tensor(float)" and outs["angles"].shape[1] == 3
    assert set(outs) == {"angles", "face_landmarks", "pose_landmarks"}

    model, _, _ = model_from_checkpoint(trained.best_path)
    crops = np.load(prepared / "crops" / f"test_{INPUT_SIZE}.npy")
    with np.load(prepared / "biwi_cnn_test.npz") as npz:
        truth = npz["angles"]
    rng = np.random.default_rng(7)
    images = np.concatenate([crops, rng.integers(0, 256, (5, INPUT_SIZE, INPUT_SIZE, 3), dtype=np.uint8)])
    diff = np.abs(run_onnx(session, images) - run_torch(model, images)).max()
    assert diff < 1e-3
    assert run_onnx(session, images[:1]).shape == (1, 3)  # batch of one works too

    card = json.loads((tmp_path / "pose.json").read_text())
    assert card["input_size"] == str(INPUT_SIZE) and float(card["parity_max_abs_diff_deg"]) < 1e-3
    assert "pose.onnx" in (tmp_path / "pose.md").read_text()
    int8_card = json.loads((tmp_path / "pose.int8.json").read_text())
    acc = int8_card["details"]["accuracy_vs_fp32"]
    assert int8_card["precision"] == "int8" and acc["frames"] == len(crops)
    assert float(int8_card["test_mae_change_vs_fp32"]) == pytest.approx(acc["int8"]["mean"] - acc["fp32"]["mean"], abs=1e-3)
    int8_meta = {p.key: p.value for p in onnx.load(str(tmp_path / "pose.int8.onnx")).metadata_props}
    assert int8_meta["precision"] == "int8" and int8_meta["crop_margin"] == meta["crop_margin"]
    assert int8_meta["test_mae_change_vs_fp32"] == int8_card["test_mae_change_vs_fp32"]
    # Static QDQ, calibrated on the train crops: int8 convolutions, no ConvInteger (dynamic int8).
    n_train = len(np.load(prepared / "crops" / f"train_{INPUT_SIZE}.npy"))
    assert int8_meta["quantization"].startswith("static QDQ") and f"calibrated on {n_train} " in int8_meta["quantization"]
    ops = {node.op_type for node in onnx.load(str(tmp_path / "pose.int8.onnx")).graph.node}
    assert "QuantizeLinear" in ops and "DequantizeLinear" in ops and "ConvInteger" not in ops
    int8_pred = run_onnx(str(tmp_path / "pose.int8.onnx"), crops)
    assert float(int8_card["test_mae_mean"]) == pytest.approx(np.abs(int8_pred - truth).mean(), abs=1e-3)

    # Trained on synthetic_biwi's renders: the cards and `main.py models` say so, never "BIWI Kinect".
    from training.biwi import SYNTHETIC_DATASET

    for m in (meta, int8_meta):
        assert m["training_data"].startswith(SYNTHETIC_DATASET) and "Kinect" not in m["training_data"]
    import main as app_main

    assert app_main.main(["models", "--dir", str(tmp_path)]) == 0
    rows = [line for line in capsys.readouterr().out.splitlines() if line.startswith("pose")]
    assert len(rows) == 2 and all(SYNTHETIC_DATASET in row and "Kinect" not in row for row in rows)


def test_int8_without_data_is_refused_before_anything_is_written(trained, tmp_path, capsys):
    from training.export_onnx import main

    rc = main(["--checkpoint", str(trained.best_path), "--out", str(tmp_path / "x.onnx"), "--int8"])
    assert rc == 2
    err = capsys.readouterr().err
    assert "--int8 needs --data" in err and "calibrated" in err and "Traceback" not in err
    assert list(tmp_path.iterdir()) == []


def test_export_cli_rejects_bad_inputs(tmp_path, capsys):
    from training.export_onnx import main

    (tmp_path / "bad.pth").write_bytes(b"not a checkpoint")
    assert main(["--checkpoint", str(tmp_path / "bad.pth"), "--out", str(tmp_path / "x.onnx")]) == 2
    assert "not a readable cervicam checkpoint" in capsys.readouterr().err


def test_training_data_is_what_preprocess_recorded_never_biwi_by_default(prepared, trained, tmp_path):
    from training.biwi import BIWI_DATASET, SYNTHETIC_DATASET
    from training.onnx_card import UNRECORDED_DATASET, training_dataset

    assert load_checkpoint(trained.best_path)["dataset"] == SYNTHETIC_DATASET  # train carries it over
    assert training_dataset({"dataset": BIWI_DATASET, "data_dir": str(prepared)}) == BIWI_DATASET
    assert training_dataset({"data_dir": str(prepared)}) == SYNTHETIC_DATASET  # older checkpoint, split folder tells
    with np.load(prepared / "biwi_cnn_train.npz") as npz:  # a split written before preprocess recorded it
        np.savez(tmp_path / "biwi_cnn_train.npz", **{k: npz[k] for k in npz.files if k != "dataset"})
    assert training_dataset({"data_dir": str(tmp_path)}) == UNRECORDED_DATASET
    assert training_dataset({"data_dir": str(tmp_path / "gone")}) == UNRECORDED_DATASET
    assert training_dataset({}).startswith("unknown")
    assert "BIWI Kinect" not in UNRECORDED_DATASET
