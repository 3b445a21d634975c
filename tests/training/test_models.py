from __future__ import annotations

import pytest
import torch
from torch import nn

from training.config import load_config
from training.models import DualBranchNet, LandmarkMLP, LandmarkRegressor, build_model

from .conftest import CONFIGS


def _linear_dims(module: nn.Module) -> list[tuple[int, int]]:
    return [(m.in_features, m.out_features) for m in module.modules() if isinstance(m, nn.Linear)]


def test_resnet18_at_224_has_the_guides_dims_and_shapes():
    cfg = load_config(CONFIGS / "dual_branch.yaml")
    model = build_model(cfg.model).eval()
    assert isinstance(model, DualBranchNet)
    assert _linear_dims(model.shared_fc) == [(512, 1024)]
    assert _linear_dims(model.face_head) == [(1024, 768), (768, 1404)]
    assert _linear_dims(model.pose_head) == [(1024, 256), (256, 99)]
    r = model.regressor
    assert _linear_dims(r.face_encoder) == [(1404, 512), (512, 256)]
    assert _linear_dims(r.pose_encoder) == [(99, 128), (128, 64)]
    assert _linear_dims(r.fusion) == [(320, 256)]
    assert _linear_dims(r.regression) == [(256, 128), (128, 3)]
    with torch.no_grad():
        out = model(torch.randn(2, 3, 224, 224))
    assert out["angles"].shape == (2, 3)
    assert out["face_landmarks"].shape == (2, 1404) and out["pose_landmarks"].shape == (2, 99)


def test_mlp_baseline_reuses_the_same_regressor_class():
    cfg = load_config(CONFIGS / "mlp_baseline.yaml")
    mlp = build_model(cfg.model)
    assert isinstance(mlp, LandmarkMLP) and type(mlp.regressor) is LandmarkRegressor
    dual = build_model(load_config(CONFIGS / "dual_branch.yaml").model)
    assert _linear_dims(mlp.regressor) == _linear_dims(dual.regressor)
    out = mlp(torch.randn(4, 1404), torch.randn(4, 99))
    assert out["angles"].shape == (4, 3)


@pytest.mark.parametrize("backbone, features", [("efficientnet_b0", 1280), ("mobilenet_v2", 1280), ("resnet34", 512)])
def test_other_backbones_feed_the_shared_fc(backbone, features):
    cfg = load_config(CONFIGS / "dual_branch.yaml", [f"model.backbone={backbone}"])
    model = build_model(cfg.model).eval()
    assert _linear_dims(model.shared_fc) == [(features, 1024)]
    with torch.no_grad():
        assert model(torch.randn(1, 3, 64, 64))["angles"].shape == (1, 3)


def test_frozen_backbone_gets_no_gradient_and_keeps_bn_stats():
    model = build_model(load_config(CONFIGS / "dual_branch.yaml").model)
    model.set_backbone_frozen(True)
    model.train()
    assert not model.backbone.training and model.shared_fc.training
    before = model.backbone.bn1.running_mean.clone()
    model(torch.randn(2, 3, 64, 64))["angles"].sum().backward()
    assert all(p.grad is None for p in model.backbone.parameters())
    assert torch.equal(before, model.backbone.bn1.running_mean)
    assert model.regressor.regression[0].weight.grad is not None
