from __future__ import annotations

from training import ablate

from .conftest import INPUT_SIZE


def test_ablation_grid_writes_one_table_and_names_skipped_runs(prepared, tmp_path, capsys):
    rc = ablate.main([
        "--data", str(prepared), "--out", str(tmp_path), "--epochs", "1", "--no-pretrained",
        "--only", "ablation_frozen_backbone", "ablation_mobilenet_v2", "mlp_baseline",
        "--set", f"model.input_size={INPUT_SIZE}", "--set", "data.num_workers=0",
        "--set", "train.max_steps_per_epoch=1", "--set", "train.device=cpu",
    ])
    assert rc == 0
    table = (tmp_path / "ablation.md").read_text().splitlines()
    assert table[2].startswith("| ablation_frozen_backbone | dual_branch | resnet18 |")
    assert table[3].startswith("| ablation_mobilenet_v2 | dual_branch | mobilenet_v2 |")
    assert any("mlp_baseline: needs landmarks" in line for line in table)
    assert (tmp_path / "ablation_mobilenet_v2" / "cervical_headpose_cnn_best.pth").is_file()
    assert not (tmp_path / "mlp_baseline").exists()
