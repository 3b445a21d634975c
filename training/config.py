"""Run configuration: YAML sections ``model``, ``data``, ``train`` as frozen dataclasses, strictly checked.

The dataclasses hold the one set of defaults (the model's layers: :class:`training.models.ModelSpec`);
a YAML file writes only what it changes, and ``base: other.yaml`` starts from another file's values
(each ablation is ``base: dual_branch.yaml`` plus its one change).

An unknown key or a value of the wrong type is an :class:`InputError` naming the key, so a typo
never silently falls back to a default. ``--set train.lr=0.0003`` overrides one key (the value is
parsed as YAML). Checkpoints store :func:`config_to_dict` (plain types only).
"""

from __future__ import annotations

import dataclasses
import types
import typing
from dataclasses import dataclass, field
from pathlib import Path

import yaml

from app.engines.choices import DEVICES, Device
from app.errors import InputError
from training.models import ACTIVATIONS, ARCHITECTURES, BACKBONES, NORMS, ModelSpec


@dataclass(frozen=True)
class ModelConfig(ModelSpec):
    """The YAML ``model:`` section: the layers (:class:`training.models.ModelSpec`, the one
    definition of their defaults) plus how the backbone starts and what size it sees."""

    pretrained_cnn: bool = True
    freeze_cnn_backbone: bool = False
    input_size: int = 224


@dataclass(frozen=True)
class DataConfig:
    dir: str = "data/splits"
    augment: bool = True  # colour jitter and small shifts; never flips (a flip swaps left/right)
    num_workers: int = 2


@dataclass(frozen=True)
class TrainConfig:
    epochs: int = 30
    batch_size: int = 32
    lr: float = 1e-4
    backbone_lr_factor: float = 1.0  # backbone lr = lr * factor (fine-tuning gently)
    weight_decay: float = 1e-4
    loss: str = "smooth_l1"  # or "l1", "mse" on angles in degrees
    aux_landmark_weight: float = 0.0  # > 0: supervise the 1404/99 heads with MediaPipe landmarks
    seed: int = 42
    device: str = Device.AUTO.value  # one of app.engines.choices.DEVICES (plain text: checkpoints hold plain types)
    amp: bool = True  # mixed precision, CUDA only
    max_steps_per_epoch: int = 0  # 0 = whole epoch; > 0 for smoke runs and tests
    checkpoint_every: int = 1  # epochs between 'last' checkpoints (the final epoch is always saved)
    log_every: int = 50  # training steps between 'step N: loss' log lines (logging.INFO, -v)


@dataclass(frozen=True)
class RunConfig:
    model: ModelConfig = field(default_factory=ModelConfig)
    data: DataConfig = field(default_factory=DataConfig)
    train: TrainConfig = field(default_factory=TrainConfig)


def _check_type(value, annotation, key: str):
    """Return ``value`` coerced where harmless (int -> float), else raise InputError."""
    origin = typing.get_origin(annotation)
    if annotation is bool:
        if isinstance(value, bool):
            return value
    elif annotation is int:
        if isinstance(value, int) and not isinstance(value, bool):
            return value
    elif annotation is float:
        if isinstance(value, (int, float)) and not isinstance(value, bool):
            return float(value)
    elif annotation is str:
        if isinstance(value, str):
            return value
    elif origin is tuple:  # tuple[int, ...]: YAML lists (and older checkpoints' lists) become tuples
        item = typing.get_args(annotation)[0]
        if isinstance(value, (list, tuple)):
            return tuple(_check_type(v, item, f"{key}[{i}]") for i, v in enumerate(value))
    elif origin in (typing.Union, types.UnionType):
        for option in typing.get_args(annotation):
            if option is type(None) and value is None:
                return None
            try:
                return _check_type(value, option, key)
            except InputError:
                continue
    else:  # pragma: no cover - only the types above are used
        return value
    name = getattr(annotation, "__name__", str(annotation))
    raise InputError(f"config key {key!r} must be {name}, got {type(value).__name__} {value!r}")


def _fill(cls, data: dict, prefix: str):
    if not isinstance(data, dict):
        raise InputError(f"config section {prefix.rstrip('.') or 'top level'!r} must be a mapping")
    hints = typing.get_type_hints(cls)
    known = {f.name for f in dataclasses.fields(cls)}
    unknown = sorted(set(data) - known)
    if unknown:
        raise InputError(f"unknown config key '{prefix}{unknown[0]}'; known keys: {', '.join(sorted(known))}")
    kwargs = {}
    for name, value in data.items():
        hint = hints[name]
        if dataclasses.is_dataclass(hint):
            kwargs[name] = _fill(hint, value or {}, f"{prefix}{name}.")
        else:
            kwargs[name] = _check_type(value, hint, f"{prefix}{name}")
    return cls(**kwargs)


def validate(cfg: RunConfig) -> RunConfig:
    m, t = cfg.model, cfg.train
    if m.architecture not in ARCHITECTURES:
        raise InputError(f"model.architecture must be one of {', '.join(ARCHITECTURES)}, not {m.architecture!r}")
    if m.backbone not in BACKBONES:
        raise InputError(f"model.backbone must be one of {', '.join(BACKBONES)}, not {m.backbone!r}")
    if m.activation not in ACTIVATIONS:
        raise InputError(f"model.activation must be one of {', '.join(ACTIVATIONS)}, not {m.activation!r}")
    if m.norm not in NORMS:
        raise InputError(f"model.norm must be one of {', '.join(NORMS)}, not {m.norm!r}")
    if m.input_size < 32:
        raise InputError(f"model.input_size must be at least 32, not {m.input_size}")
    if t.device not in DEVICES:
        raise InputError(f"train.device must be {', '.join(DEVICES)}, not {t.device!r}")
    if t.loss not in ("smooth_l1", "l1", "mse"):
        raise InputError(f"train.loss must be smooth_l1, l1 or mse, not {t.loss!r}")
    for key, value in (("train.epochs", t.epochs), ("train.batch_size", t.batch_size), ("train.checkpoint_every", t.checkpoint_every), ("train.log_every", t.log_every)):
        if value < 1:
            raise InputError(f"{key} must be at least 1, not {value}")
    if t.lr <= 0:
        raise InputError(f"train.lr must be positive, not {t.lr}")
    return cfg


def config_from_dict(data: dict) -> RunConfig:
    return validate(_fill(RunConfig, data or {}, ""))


def config_to_dict(cfg: RunConfig) -> dict:
    return dataclasses.asdict(cfg)


def apply_overrides(data: dict, overrides: list[str]) -> dict:
    """Apply ``section.key=value`` strings (values parsed as YAML) to a config dict."""
    for item in overrides:
        if "=" not in item:
            raise InputError(f"--set expects section.key=value, got {item!r}")
        key, raw = item.split("=", 1)
        parts = key.strip().split(".")
        if len(parts) != 2:
            raise InputError(f"--set key must look like section.key (e.g. train.lr), got {key!r}")
        try:
            value = yaml.safe_load(raw)
        except yaml.YAMLError as exc:
            raise InputError(f"--set {key}: cannot parse {raw!r}: {exc}") from None
        section = data.setdefault(parts[0], {})
        if not isinstance(section, dict):
            raise InputError(f"config section {parts[0]!r} must be a mapping")
        section[parts[1]] = value
    return data


BASE_KEY = "base"  # a YAML's other YAML (path relative to it) whose values this one overrides
MAX_BASE_DEPTH = 8  # a chain of bases longer than this is a loop


def load_config(path: Path | None, overrides: list[str] | None = None) -> RunConfig:
    """The defaults, overridden by the YAML at ``path`` (and its ``base:`` chain), then ``overrides``."""
    data = read_config_file(Path(path)) if path is not None else {}
    return config_from_dict(apply_overrides(data, overrides or []))


def read_config_file(path: Path, depth: int = 0) -> dict:
    """A YAML config as a dict, its ``base:`` (if any) merged underneath section by section."""
    data = _read_yaml_mapping(path)
    base = data.pop(BASE_KEY, None)
    if base is None:
        return data
    if not isinstance(base, str):
        raise InputError(f"{path}: {BASE_KEY} must be a file name, not {base!r}")
    if depth >= MAX_BASE_DEPTH:
        raise InputError(f"{path}: more than {MAX_BASE_DEPTH} nested {BASE_KEY} files (a loop?)")
    merged = read_config_file(path.parent / base, depth + 1)
    for section, values in data.items():
        if isinstance(values, dict) and isinstance(merged.get(section), dict):
            merged[section] = {**merged[section], **values}
        else:
            merged[section] = values  # _fill names a section that is not a mapping
    return merged


def _read_yaml_mapping(path: Path) -> dict:
    if not path.is_file():
        raise InputError(f"config file not found: {path}")
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    except yaml.YAMLError as exc:
        # One line: where (file:line:column) and what, not PyYAML's multi-line excerpt.
        mark = getattr(exc, "problem_mark", None)
        where = f"{path}:{mark.line + 1}:{mark.column + 1}" if mark is not None else str(path)
        problem = getattr(exc, "problem", None) or str(exc).splitlines()[0]
        raise InputError(f"{where}: not valid YAML ({problem})") from None
    if not isinstance(data, dict):
        raise InputError(f"{path}: the top level must be a mapping with model/data/train sections")
    return data
