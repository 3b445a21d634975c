"""preprocess on a BIWI-format folder: outputs, truth, split by person, bad frames, bad folders."""

from __future__ import annotations

import shutil

import numpy as np
import pytest

from app.core.crop import CropRule
from training import preprocess as prep
from training.synthetic_biwi import expected_head_box, write_synthetic_biwi

from .conftest import FRAMES, INPUT_SIZE, SEQUENCES


def _load(out, split):
    with np.load(out / f"biwi_cnn_{split}.npz") as npz:
        return {k: npz[k] for k in npz.files}


def test_outputs_hold_truth_for_every_frame(synthetic_biwi, prepared):
    _, truth = synthetic_biwi
    by_key = {(t.sequence, t.index): t for t in truth}
    seen = 0
    for split in ("train", "val", "test"):
        d = _load(prepared, split)
        n = len(d["image_paths"])
        assert d["angles"].dtype == np.float32 and d["angles"].shape == (n, 3)
        assert d["bbox"].shape == (n, 4) and np.issubdtype(d["bbox"].dtype, np.integer)
        assert d["subject"].shape == (n,)
        crops = np.load(prepared / "crops" / f"{split}_{INPUT_SIZE}.npy")
        assert crops.shape == (n, INPUT_SIZE, INPUT_SIZE, 3)
        for i in range(n):
            t = by_key[(str(d["sequence"][i]), int(d["frame_index"][i]))]
            assert d["angles"][i] == pytest.approx(t.angles.as_array(), abs=1e-3)
            assert tuple(d["bbox"][i]) == CropRule(input_size=INPUT_SIZE).box(expected_head_box(t.center_mm))
            assert str(d["image_paths"][i]).endswith(f"{t.sequence}/frame_{t.index:05d}_rgb.png")
        # The head (not background) fills the crop centre: it differs from the grey noise.
        assert crops[:, INPUT_SIZE // 2, INPUT_SIZE // 2].std() > 0 or n <= 1
        seen += n
    assert seen == len(SEQUENCES) * FRAMES


def test_cli_subject_split_keeps_people_apart(synthetic_biwi, tmp_path, capsys):
    root, _ = synthetic_biwi
    assert prep.main(["--biwi", str(root), "--out", str(tmp_path), "--crop-size", "32"]) == 0
    printed = capsys.readouterr().out
    total = len(SEQUENCES) * FRAMES
    assert f"Total samples collected: {total}" in printed
    parts = {s: _load(tmp_path, s) for s in ("train", "val", "test")}
    counts = {s: len(parts[s]["angles"]) for s in parts}
    assert f"Train: {counts['train']} | Val: {counts['val']} | Test: {counts['test']}" in printed
    assert sum(counts.values()) == total
    seqs = {s: set(parts[s]["sequence"].tolist()) for s in parts}
    people = {s: set(parts[s]["subject"].tolist()) for s in parts}
    assert not (people["train"] & people["val"]) and not (people["train"] & people["test"]) and not (people["val"] & people["test"])
    # 03 and 15 are one person: wherever 03 went, 15 went too.
    home = [s for s in seqs if "03" in seqs[s]]
    assert len(home) == 1 and "15" in seqs[home[0]]


def test_bad_frames_are_skipped_and_counted(tmp_path, capsys):
    write_synthetic_biwi(tmp_path / "db", sequences=("01", "02", "03"), frames=4, seed=5)
    seq = tmp_path / "db" / "hpdb" / "01"
    (seq / "frame_00003_rgb.png").unlink()  # missing PNG
    (seq / "frame_00004_rgb.png").write_bytes(b"not a png")  # undecodable PNG
    (tmp_path / "db" / "hpdb" / "02" / "frame_00003_pose.txt").write_text("1 2\n")  # malformed pose
    rc = prep.main(["--biwi", str(tmp_path / "db"), "--out", str(tmp_path / "out"), "--split", "random", "--crop-size", "32"])
    out = capsys.readouterr().out
    assert rc == 0
    assert "Total samples collected: 9" in out
    assert "Skipped 3 frames: 1 bad or missing pose.txt, 2 missing or unreadable png" in out
    n = sum(len(_load(tmp_path / "out", s)["angles"]) for s in ("train", "val", "test"))
    assert n == 9


def test_missing_rgb_cal_is_a_clear_error_with_exit_code_2(tmp_path, capsys):
    write_synthetic_biwi(tmp_path / "db", sequences=("01", "02"), frames=2, seed=1)
    (tmp_path / "db" / "hpdb" / "02" / "rgb.cal").unlink()
    rc = prep.main(["--biwi", str(tmp_path / "db"), "--out", str(tmp_path / "out")])
    err = capsys.readouterr().err
    assert rc == 2
    assert "missing calibration file" in err and "02" in err and "Traceback" not in err


def test_folder_without_sequences_is_rejected(tmp_path, capsys):
    assert prep.main(["--biwi", str(tmp_path), "--out", str(tmp_path / "o")]) == 2
    assert "no BIWI sequence folders" in capsys.readouterr().err


def test_corrupt_split_file_is_a_clear_error(prepared, tmp_path):
    from app.errors import InputError
    from training.dataset import load_split

    shutil.copytree(prepared, tmp_path / "copy")
    (tmp_path / "copy" / "biwi_cnn_val.npz").write_bytes(b"garbage")
    with pytest.raises(InputError, match="not a readable npz"):
        load_split(tmp_path / "copy", "val")


def test_rerun_removes_crop_caches_of_the_previous_split(synthetic_biwi, tmp_path):
    root, _ = synthetic_biwi
    prep.preprocess(root, tmp_path, split="random", crop_size=32, show_progress=False)
    np.save(tmp_path / "crops" / "train_48.npy", np.zeros((1, 48, 48, 3), np.uint8))
    prep.preprocess(root, tmp_path, split="subject", crop_size=32, show_progress=False)
    assert sorted(p.name for p in (tmp_path / "crops").iterdir()) == ["test_32.npy", "train_32.npy", "val_32.npy"]


def test_split_files_record_whether_the_data_is_synthetic(prepared, tmp_path):
    from training.biwi import BIWI_DATASET, SYNTHETIC_DATASET, SYNTHETIC_MARKER

    assert SYNTHETIC_DATASET != BIWI_DATASET and "not BIWI" in SYNTHETIC_DATASET
    for split in ("train", "val", "test"):
        assert str(_load(prepared, split)["dataset"]) == SYNTHETIC_DATASET
    # The same files without synthetic_biwi's marker read as BIWI (the marker alone decides).
    write_synthetic_biwi(tmp_path / "db", sequences=("01", "02"), frames=2, seed=1)
    (tmp_path / "db" / "hpdb" / SYNTHETIC_MARKER).unlink()
    prep.preprocess(tmp_path / "db" / "hpdb", tmp_path / "out", split="random", crop_size=16, show_progress=False)
    assert str(_load(tmp_path / "out", "train")["dataset"]) == BIWI_DATASET
