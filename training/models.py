"""The dual-branch CNN and the landmark-MLP baseline, sharing one encoder/fusion/regression module.

    image 224x224 RGB -> backbone (resnet18: 512 features) -> shared FC 512->1024
        -> face head 1024->768->1404   (shape of 468 MediaPipe face points x 3)
        -> pose head 1024->256->99     (shape of 33 MediaPipe body points x 3)
        -> LandmarkRegressor: face encoder 1404->512->256, pose encoder 99->128->64,
           fusion (256+64)->256, regression 256->128->3 (yaw, pitch, roll, degrees)

The baseline feeds MediaPipe's real landmarks to the same :class:`LandmarkRegressor` class, so the
two models differ only in where the 1404/99 vectors come from.
"""

from __future__ import annotations

import inspect
import logging
from collections.abc import Sequence
from typing import Any

import torch
from torch import nn

log = logging.getLogger(__name__)

BACKBONES = ("resnet18", "resnet34", "efficientnet_b0", "mobilenet_v2")
ARCHITECTURES = ("dual_branch", "mlp_baseline")

# The regression layer outputs angles / ANGLE_SCALE_DEG: keeps initial outputs and targets on
# similar scales (BIWI spans about +-75 degrees) without changing the layer sizes.
ANGLE_SCALE_DEG = 45.0

# ImageNet statistics: the backbones were trained with them; the ONNX graph applies them too.
IMAGENET_MEAN = (0.485, 0.456, 0.406)
IMAGENET_STD = (0.229, 0.224, 0.225)


ACTIVATIONS = {"relu": nn.ReLU, "leaky_relu": nn.LeakyReLU, "gelu": nn.GELU}
NORMS = ("none", "layer")


def mlp(
    dims: Sequence[int], dropout: float = 0.0, last_activation: bool = True, activation: str = "relu", norm: str = "none"
) -> nn.Sequential:
    """Linear layers through ``dims``; between them (optional LayerNorm), activation, dropout.

    Why the options: the head stack is eight linear layers deep. With plain ReLU and no
    normalisation most units die early in training (measured: 80 % of the shared FC's units
    never fire after 25 epochs on synthetic BIWI), and the model then learns yaw only.
    """
    layers: list[nn.Module] = []
    for i, (a, b) in enumerate(zip(dims[:-1], dims[1:])):
        layers.append(nn.Linear(a, b))
        if i < len(dims) - 2 or last_activation:
            if norm == "layer":
                layers.append(nn.LayerNorm(b))
            layers.append(ACTIVATIONS[activation]())
            if dropout > 0:
                layers.append(nn.Dropout(dropout))
    return nn.Sequential(*layers)


class LandmarkRegressor(nn.Module):
    """Face encoder + pose encoder -> fusion -> regression to (yaw, pitch, roll) in degrees."""

    def __init__(
        self,
        face_input_dim: int = 1404,
        pose_input_dim: int = 99,
        face_hidden: Sequence[int] = (512, 256),
        pose_hidden: Sequence[int] = (128, 64),
        fusion_dim: int = 256,
        regression_hidden: int = 128,
        dropout: float = 0.0,
        activation: str = "relu",
        norm: str = "none",
    ) -> None:
        super().__init__()
        act = {"activation": activation, "norm": norm}
        self.face_encoder = mlp([face_input_dim, *face_hidden], dropout, **act)
        self.pose_encoder = mlp([pose_input_dim, *pose_hidden], dropout, **act)
        self.fusion = mlp([face_hidden[-1] + pose_hidden[-1], fusion_dim], dropout, **act)
        self.regression = mlp([fusion_dim, regression_hidden, 3], dropout, last_activation=False, **act)

    def forward(self, face: torch.Tensor, pose: torch.Tensor) -> torch.Tensor:
        fused = self.fusion(torch.cat([self.face_encoder(face), self.pose_encoder(pose)], dim=1))
        return self.regression(fused) * ANGLE_SCALE_DEG


def _torchvision_backbone(name: str) -> tuple[nn.Module, int]:
    """Feature extractor (image -> [N, F]) and F, built without weights."""
    import torchvision.models as tvm

    if name in ("resnet18", "resnet34"):
        net = getattr(tvm, name)(weights=None)
        features = net.fc.in_features
        net.fc = nn.Identity()
        return net, features
    if name == "efficientnet_b0":
        net = tvm.efficientnet_b0(weights=None)
        features = net.classifier[-1].in_features
        net.classifier = nn.Identity()
        return net, features
    if name == "mobilenet_v2":
        net = tvm.mobilenet_v2(weights=None)
        features = net.classifier[-1].in_features
        net.classifier = nn.Identity()
        return net, features
    raise ValueError(f"unknown backbone {name!r}; choose one of {', '.join(BACKBONES)}")


class DualBranchNet(nn.Module):
    """Image -> backbone -> shared FC -> face/pose landmark-shaped heads -> LandmarkRegressor."""

    def __init__(
        self,
        backbone: str = "resnet18",
        shared_dim: int = 1024,
        face_head_hidden: int = 768,
        pose_head_hidden: int = 256,
        **regressor_kwargs: Any,
    ) -> None:
        """``regressor_kwargs``: :class:`LandmarkRegressor`'s parameters (its defaults apply); the
        heads output its ``face_input_dim`` / ``pose_input_dim`` and share its dropout/activation/norm."""
        super().__init__()
        bound = inspect.signature(LandmarkRegressor).bind(**regressor_kwargs)
        bound.apply_defaults()
        r = bound.arguments
        dropout = r["dropout"]
        act = {"activation": r["activation"], "norm": r["norm"]}
        self.backbone_name = backbone
        self.backbone, self.feature_dim = _torchvision_backbone(backbone)
        self.shared_fc = mlp([self.feature_dim, shared_dim], dropout, **act)
        # Heads end linear: their outputs are landmark coordinates (auxiliary targets).
        self.face_head = mlp([shared_dim, face_head_hidden, r["face_input_dim"]], dropout, last_activation=False, **act)
        self.pose_head = mlp([shared_dim, pose_head_hidden, r["pose_input_dim"]], dropout, last_activation=False, **act)
        self.regressor = LandmarkRegressor(**r)  # built last: same parameter order and initialisation as before

    def forward(self, image: torch.Tensor) -> dict[str, torch.Tensor]:
        """``image``: normalised float [N, 3, H, W]. Returns angles [N,3] and both heads."""
        shared = self.shared_fc(self.backbone(image))
        face = self.face_head(shared)
        pose = self.pose_head(shared)
        return {"angles": self.regressor(face, pose), "face_landmarks": face, "pose_landmarks": pose}

    def set_backbone_frozen(self, frozen: bool) -> None:
        for p in self.backbone.parameters():
            p.requires_grad = not frozen
        if frozen:  # frozen batch-norm statistics too, else "frozen" still drifts
            self.backbone.eval()

    def train(self, mode: bool = True) -> "DualBranchNet":
        super().train(mode)
        if mode and not any(p.requires_grad for p in self.backbone.parameters()):
            self.backbone.eval()
        return self


class LandmarkMLP(nn.Module):
    """The baseline: MediaPipe landmarks (1404 + 99) -> the shared LandmarkRegressor."""

    def __init__(self, **regressor_kwargs) -> None:
        super().__init__()
        self.regressor = LandmarkRegressor(**regressor_kwargs)

    def forward(self, face: torch.Tensor, pose: torch.Tensor) -> dict[str, torch.Tensor]:
        return {"angles": self.regressor(face, pose)}


def build_model(model_cfg) -> nn.Module:
    """Model from a :class:`training.config.ModelConfig` (weights random; see pretrained.py)."""
    regressor = dict(
        face_input_dim=model_cfg.face_input_dim,
        pose_input_dim=model_cfg.pose_input_dim,
        face_hidden=tuple(model_cfg.face_hidden),
        pose_hidden=tuple(model_cfg.pose_hidden),
        fusion_dim=model_cfg.fusion_dim,
        regression_hidden=model_cfg.regression_hidden,
        dropout=model_cfg.dropout,
        activation=model_cfg.activation,
        norm=model_cfg.norm,
    )
    if model_cfg.architecture == "dual_branch":
        return DualBranchNet(
            backbone=model_cfg.backbone,
            shared_dim=model_cfg.shared_dim,
            face_head_hidden=model_cfg.face_head_hidden,
            pose_head_hidden=model_cfg.pose_head_hidden,
            **regressor,
        )
    if model_cfg.architecture == "mlp_baseline":
        return LandmarkMLP(**regressor)
    raise ValueError(f"unknown architecture {model_cfg.architecture!r}")
