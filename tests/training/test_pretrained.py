"""Pretrained weights: a clear message offline, --weights FILE works, never a silent random init."""

from __future__ import annotations

import urllib.error

import pytest
import torch
import torchvision

from app.errors import InputError
from training import pretrained
from training.models import DualBranchNet, ModelSpec


def test_offline_message_names_the_file_and_where_to_put_it(tmp_path, monkeypatch):
    monkeypatch.setattr(torch.hub, "get_dir", lambda: str(tmp_path / "hub"))

    def offline(self, *args, **kwargs):
        raise urllib.error.URLError("no network")

    monkeypatch.setattr(torchvision.models.WeightsEnum, "get_state_dict", offline)
    model = DualBranchNet(ModelSpec(backbone="resnet18"))
    with pytest.raises(InputError) as err:
        pretrained.load_pretrained_backbone(model.backbone, "resnet18")
    message = str(err.value)
    assert "resnet18-f37072fd.pth" in message
    assert str(tmp_path / "hub" / "checkpoints" / "resnet18-f37072fd.pth") in message
    assert "--weights" in message and "--no-pretrained" in message


def test_weights_file_fills_the_backbone(tmp_path):
    source = torchvision.models.resnet18(weights=None)
    path = tmp_path / "r18.pth"
    torch.save(source.state_dict(), path)
    model = DualBranchNet(ModelSpec(backbone="resnet18"))
    assert pretrained.load_pretrained_backbone(model.backbone, "resnet18", path) == path.name
    assert torch.equal(model.backbone.conv1.weight, source.conv1.weight)
    assert torch.equal(model.backbone.layer4[1].bn2.running_var, source.layer4[1].bn2.running_var)


def test_weights_of_another_backbone_are_refused(tmp_path):
    path = tmp_path / "mb.pth"
    torch.save(torchvision.models.mobilenet_v2(weights=None).state_dict(), path)
    with pytest.raises(InputError, match="does not fit this backbone"):
        pretrained.load_pretrained_backbone(DualBranchNet(ModelSpec(backbone="resnet18")).backbone, "resnet18", path)


def test_the_offline_package_file_is_found_by_its_torchvision_name(tmp_path, monkeypatch):
    import importlib.util
    from types import SimpleNamespace

    from training import pretrained

    folder = tmp_path / "weights"
    folder.mkdir()
    spec = SimpleNamespace(submodule_search_locations=[str(folder)])
    monkeypatch.setattr(importlib.util, "find_spec", lambda name: spec)
    assert pretrained.offline_weights_file("mobilenet_v2") is None  # package without the file
    (folder / "mobilenet_v2-b0353104.pth").write_bytes(b"x")
    assert pretrained.offline_weights_file("mobilenet_v2") == folder / "mobilenet_v2-b0353104.pth"
    assert pretrained.offline_weights_file("resnet18") is None  # no offline package for it
