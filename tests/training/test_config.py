from __future__ import annotations

from pathlib import Path

import pytest

from app.errors import InputError
from training.config import config_to_dict, load_config

from .conftest import CONFIGS


@pytest.mark.parametrize("path", sorted(CONFIGS.glob("*.yaml")), ids=lambda p: p.name)
def test_every_shipped_config_loads(path):
    cfg = load_config(path)
    assert cfg.model.architecture in ("dual_branch", "mlp_baseline")
    assert config_to_dict(cfg)["model"]["face_input_dim"] == 1404


def test_dual_branch_config_has_the_guides_keys():
    cfg = load_config(CONFIGS / "dual_branch.yaml")
    m = cfg.model
    assert (m.architecture, m.pretrained_cnn, m.freeze_cnn_backbone) == ("dual_branch", True, False)
    assert (m.face_input_dim, m.pose_input_dim, m.face_hidden, m.pose_hidden, m.fusion_dim, m.regression_hidden) == (
        1404, 99, [512, 256], [128, 64], 256, 128)


def test_ablations_change_one_thing_each():
    base = config_to_dict(load_config(CONFIGS / "dual_branch.yaml"))
    for path in CONFIGS.glob("ablation_*.yaml"):
        cfg = config_to_dict(load_config(path))
        diffs = [(s, k) for s in base for k in base[s] if base[s][k] != cfg[s][k]]
        assert len(diffs) == 1, (path.name, diffs)


def test_unknown_key_is_named(tmp_path):
    path = tmp_path / "c.yaml"
    path.write_text("model:\n  architecure: dual_branch\n")
    with pytest.raises(InputError, match="unknown config key 'model.architecure'"):
        load_config(path)


@pytest.mark.parametrize(
    "override, message",
    [("train.epochs=ten", "train.epochs' must be int"), ("model.pretrained_cnn=3", "must be bool"),
     ("model.face_hidden=[512, x]", r"face_hidden\[1\]"), ("train.lr=-1", "positive"),
     ("model.backbone=vgg", "backbone must be one of"), ("model.activation=tanh", "activation must be one of"), ("nosection", "section.key=value"), ("train.nokey=1", "unknown config key")],
)
def test_bad_values_are_clear_errors(override, message):
    with pytest.raises(InputError, match=message):
        load_config(CONFIGS / "dual_branch.yaml", [override])


def test_overrides_apply_and_int_becomes_float():
    cfg = load_config(CONFIGS / "dual_branch.yaml", ["train.lr=1", "model.backbone=resnet34"])
    assert cfg.train.lr == 1.0 and isinstance(cfg.train.lr, float) and cfg.model.backbone == "resnet34"


def test_train_cli_reports_config_errors_with_exit_2(tmp_path, capsys):
    from training.train import main

    bad = tmp_path / "bad.yaml"
    bad.write_text("train: [1, 2]\n")
    assert main(["--config", str(bad), "--data", str(tmp_path)]) == 2
    assert "must be a mapping" in capsys.readouterr().err
    assert main(["--config", str(Path(tmp_path) / "none.yaml")]) == 2
