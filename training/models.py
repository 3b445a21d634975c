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

import logging
from collections.abc import Sequence
from dataclasses import dataclass

import torch
from torch import nn

log = logging.getLogger(__name__)

BACKBONES = ("resnet18", "resnet34", "efficientnet_b0", "mobilenet_v2")

# The regression layer outputs angles / ANGLE_SCALE_DEG: keeps initial outputs and targets on
# similar scales (BIWI spans about +-75 degrees) without changing the layer sizes.
ANGLE_SCALE_DEG = 45.0

# ImageNet statistics: the backbones were trained with them; the ONNX graph applies them too.
IMAGENET_MEAN = (0.485, 0.456, 0.406)
IMAGENET_STD = (0.229, 0.224, 0.225)


ACTIVATIONS = {"relu": nn.ReLU, "leaky_relu": nn.LeakyReLU, "gelu": nn.GELU}
NORMS = ("none", "layer")


def mlp(dims: Sequence[int], dropout: float, last_activation: bool, activation: str, norm: str) -> nn.Sequential:
    """Linear layers through ``dims``; between them (optional LayerNorm), activation, dropout.

    No defaults of its own: :meth:`ModelSpec.mlp` passes the spec's (the one set of defaults).
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


@dataclass(frozen=True)
class ModelSpec:
    """The layer sizes and options of both architectures: the one definition of their defaults.

    ``training.config.ModelConfig`` extends it with the training-only keys; a YAML ``model:``
    section overrides only what differs from here.
    """

    architecture: str = "dual_branch"  # one of ARCHITECTURES
    backbone: str = "resnet18"  # one of BACKBONES (dual_branch only)
    shared_dim: int = 1024
    face_head_hidden: int = 768
    pose_head_hidden: int = 256
    face_input_dim: int = 1404  # 468 MediaPipe face points x 3
    pose_input_dim: int = 99  # 33 MediaPipe body points x 3
    face_hidden: tuple[int, ...] = (512, 256)
    pose_hidden: tuple[int, ...] = (128, 64)
    fusion_dim: int = 256
    regression_hidden: int = 128
    dropout: float = 0.1
    # GELU, not ReLU: with ReLU most units of this 8-layer head stack die and only yaw is learned
    # (synthetic BIWI, 15 epochs from scratch: val MAE yaw/pitch/roll 3.9/3.0/14.8 with GELU vs
    # 6.3/26.9/15.5 with ReLU+LayerNorm, and pitch stuck at the constant predictor with plain
    # ReLU). ablation_relu_heads.yaml measures plain ReLU.
    activation: str = "gelu"  # one of ACTIVATIONS, between the linear layers of the heads
    norm: str = "none"  # one of NORMS: none | layer (LayerNorm before each activation)

    def mlp(self, dims: Sequence[int], last_activation: bool = True) -> nn.Sequential:
        """:func:`mlp` with this spec's dropout, activation and norm (every stack shares them)."""
        return mlp(dims, self.dropout, last_activation, self.activation, self.norm)


class LandmarkRegressor(nn.Module):
    """Face encoder + pose encoder -> fusion -> regression to (yaw, pitch, roll) in degrees."""

    def __init__(self, spec: ModelSpec = ModelSpec()) -> None:
        super().__init__()
        self.face_encoder = spec.mlp([spec.face_input_dim, *spec.face_hidden])
        self.pose_encoder = spec.mlp([spec.pose_input_dim, *spec.pose_hidden])
        self.fusion = spec.mlp([spec.face_hidden[-1] + spec.pose_hidden[-1], spec.fusion_dim])
        self.regression = spec.mlp([spec.fusion_dim, spec.regression_hidden, 3], last_activation=False)

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

    def __init__(self, spec: ModelSpec = ModelSpec()) -> None:
        """The heads output the regressor's ``face_input_dim`` / ``pose_input_dim``."""
        super().__init__()
        self.backbone_name = spec.backbone
        self.backbone, self.feature_dim = _torchvision_backbone(spec.backbone)
        self.shared_fc = spec.mlp([self.feature_dim, spec.shared_dim])
        # Heads end linear: their outputs are landmark coordinates (auxiliary targets).
        self.face_head = spec.mlp([spec.shared_dim, spec.face_head_hidden, spec.face_input_dim], last_activation=False)
        self.pose_head = spec.mlp([spec.shared_dim, spec.pose_head_hidden, spec.pose_input_dim], last_activation=False)
        self.regressor = LandmarkRegressor(spec)  # built last: same parameter order and initialisation as before

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

    def __init__(self, spec: ModelSpec = ModelSpec(architecture="mlp_baseline")) -> None:
        super().__init__()
        self.regressor = LandmarkRegressor(spec)

    def forward(self, face: torch.Tensor, pose: torch.Tensor) -> dict[str, torch.Tensor]:
        return {"angles": self.regressor(face, pose)}


ARCHITECTURE_CLASSES: dict[str, type[nn.Module]] = {"dual_branch": DualBranchNet, "mlp_baseline": LandmarkMLP}
ARCHITECTURES = tuple(ARCHITECTURE_CLASSES)


def build_model(spec: ModelSpec) -> nn.Module:
    """Model from a :class:`ModelSpec` (e.g. a ``training.config.ModelConfig``; weights random,
    see pretrained.py)."""
    try:
        cls = ARCHITECTURE_CLASSES[spec.architecture]
    except KeyError:
        raise ValueError(f"unknown architecture {spec.architecture!r}") from None
    return cls(spec)
