from __future__ import annotations

from pathlib import Path

import pytest
import yaml

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
        1404, 99, (512, 256), (128, 64), 256, 128)


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


@pytest.mark.parametrize("path", sorted(CONFIGS.glob("*.yaml")), ids=lambda p: p.name)
def test_shipped_configs_write_only_what_differs_from_their_base(path):
    """One definition of the defaults (training.models.ModelSpec, training.config): a YAML key that
    repeats the value it would get anyway is a second copy that can silently drift."""
    own = yaml.safe_load(path.read_text(encoding="utf-8"))
    base = own.pop("base", None)
    inherited = config_to_dict(load_config(CONFIGS / base if base else None))
    for section, values in own.items():
        for key, value in values.items():
            assert config_to_dict(load_config(None, [f"{section}.{key}={value}"]))[section][key] != inherited[section][key], (
                path.name, section, key)


def test_model_defaults_are_gelu_heads_with_dropout():
    # docs/TRAINING.md and ModelSpec: GELU heads (plain ReLU is an ablation), dropout 0.1.
    from training.models import LandmarkRegressor, ModelSpec

    cfg = load_config(None)
    assert (cfg.model.activation, cfg.model.dropout) == ("gelu", 0.1)
    assert isinstance(cfg.model, ModelSpec)
    layers = [type(m).__name__ for m in LandmarkRegressor().modules()]
    assert "GELU" in layers and "ReLU" not in layers and "Dropout" in layers


def test_base_file_is_overridden_section_by_section(tmp_path):
    (tmp_path / "a.yaml").write_text("model:\n  backbone: resnet34\n  dropout: 0.2\ntrain:\n  lr: 0.01\n")
    (tmp_path / "b.yaml").write_text("base: a.yaml\nmodel:\n  dropout: 0.3\n")
    cfg = load_config(tmp_path / "b.yaml")
    assert (cfg.model.backbone, cfg.model.dropout, cfg.train.lr) == ("resnet34", 0.3, 0.01)
    (tmp_path / "loop.yaml").write_text("base: loop.yaml\n")
    with pytest.raises(InputError, match="nested base files"):
        load_config(tmp_path / "loop.yaml")


def test_log_every_is_checked():
    with pytest.raises(InputError, match="train.log_every must be at least 1"):
        load_config(None, ["train.log_every=0"])

