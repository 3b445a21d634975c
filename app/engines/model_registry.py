"""Head-pose models the app can run: where they are, what their metadata and card say, and whether
they follow the ONNX contract (stated below; for users in docs/ONNX.md).

Where models are looked for, in order: the repository's ``models/`` folder, then the user's model
folder ``<user data>/models``. ``<user data>`` is the folder of the session database
(``--data-dir``, ``$CERVICAM_DATA`` or platformdirs' ``user_data_dir('cervicam')``); the caller
resolves it (app.store.paths) and passes it in, so the engines never reach into the store.

A model is usable when its file is ONNX and:

* it has exactly one input, ``image``: uint8, rank 4, ``[N, H, W, 3]`` (H, W = ``input_size`` when
  fixed), and an output ``angles``: float32, rank 2, ``[N, 3]``;
* its ``metadata_props`` hold ``input_size``, ``crop_margin`` (the crop rule of app.core.crop) and
  ``convention``, which must start with ``app.core.angles.CONVENTION_ID`` (``cervicam v1``, as
  training.export_onnx writes it). Nothing is guessed from tensor shapes: a model without these
  is refused.

``angle_frame`` says what the angles are relative to (app.core.view_ray.AngleFrame): ``camera``
(the camera's axes; a model without the key, e.g. one trained on BIWI's labels) or ``crop_ray``
(the viewing ray through the crop's centre, which the engine turns into the camera's axes with
the camera and the box). Any other value is refused.

Everything else in the metadata (backbone, training data, split, MAE, ...) is shown to the user
as is; a card ``<model>.json`` (or ``<model>.card.json``) beside the file adds to it.
"""

from __future__ import annotations

import json
import logging
import os
from dataclasses import dataclass, field
from pathlib import Path

from app.core.angles import CONVENTION_ID
from app.core.crop import CropRule
from app.core.view_ray import AngleFrame
from app.errors import InputError

log = logging.getLogger(__name__)

INPUT_NAME = "image"
OUTPUT_NAME = "angles"
REQUIRED_METADATA = ("input_size", "crop_margin", "convention")
# CONVENTION_ID (app.core.angles): training.export_onnx writes the convention in words, starting
# with it; a model that measures in any other convention (e.g. Hopenet's BIWI signs) would report
# wrong directions.
REPO_MODELS_DIR = Path(__file__).resolve().parents[2] / "models"
USER_MODELS_SUBDIR = "models"  # of the user data folder
MODEL_SUFFIX = ".onnx"

# Angle range a model is trusted in when its metadata does not say: BIWI's (the training data of
# the intended model) is about yaw +-75, pitch +-60, roll +-50 degrees.
DEFAULT_ANGLE_RANGE_DEG = (75.0, 60.0, 50.0)
ANGLE_RANGE_KEYS = ("range_yaw_deg", "range_pitch_deg", "range_roll_deg")


@dataclass(frozen=True)
class ModelInfo:
    """A validated model file: its tensor names, crop rule, trusted angle range and metadata."""

    path: Path
    crop_rule: CropRule
    convention: str
    metadata: dict[str, str]
    card: dict[str, object] = field(default_factory=dict)
    dynamic_batch: bool = True
    angle_range_deg: tuple[float, float, float] = DEFAULT_ANGLE_RANGE_DEG
    angle_frame: AngleFrame = AngleFrame.CAMERA
    input_name: str = INPUT_NAME
    output_name: str = OUTPUT_NAME

    @property
    def name(self) -> str:
        return self.path.stem

    def describe(self, key: str, default: str = "?") -> str:
        """A metadata value, else the card's, else ``default``."""
        if key in self.metadata:
            return self.metadata[key]
        value = self.card.get(key)
        return default if value is None else str(value)

    @property
    def precision(self) -> str:
        return self.describe("precision", "fp32")

    def mae_summary(self) -> str:
        """``test 3.1/4.0/2.9`` (yaw/pitch/roll MAE in degrees) from the metadata, best split first."""
        merged = {**{k: str(v) for k, v in self.card.items() if "mae" in k}, **{k: v for k, v in self.metadata.items() if "mae" in k}}
        parts = []
        for prefix in ("test", "val", ""):
            key = (prefix + "_" if prefix else "") + "mae_"
            axes = [merged.get(key + axis) for axis in ("yaw", "pitch", "roll")]
            if all(a is not None for a in axes):
                parts.append(f"{prefix or 'mae'} " + "/".join(_short_number(a) for a in axes))
        if parts:
            return ", ".join(parts)
        return "; ".join(f"{k}={v}" for k, v in sorted(merged.items())) or "?"


@dataclass(frozen=True)
class ModelEntry:
    """One ``.onnx`` file found in a model folder: its info, or why it cannot be used."""

    path: Path
    info: ModelInfo | None
    problem: str = ""


def model_dirs(user_data_dir: str | os.PathLike[str]) -> list[Path]:
    """The folders searched for models, given the user data folder (they need not exist)."""
    return [REPO_MODELS_DIR, Path(user_data_dir) / USER_MODELS_SUBDIR]


def find_models(dirs: list[Path]) -> list[ModelEntry]:
    """Every ``*.onnx`` in ``dirs`` (e.g. :func:`model_dirs`), validated; unusable ones say why."""
    entries: list[ModelEntry] = []
    seen: set[Path] = set()
    for folder in dirs:
        if not folder.is_dir():
            continue
        for path in sorted(folder.glob(f"*{MODEL_SUFFIX}")):
            resolved = path.resolve()
            if resolved in seen:
                continue
            seen.add(resolved)
            try:
                entries.append(ModelEntry(path, read_model_info(path)))
            except InputError as exc:
                entries.append(ModelEntry(path, None, str(exc)))
    return entries


def read_model_info(path: str | os.PathLike[str]) -> ModelInfo:
    """Validate ``path`` against the ONNX contract and read its metadata; InputError if it fails."""
    from app.engines.onnx_session import open_metadata_session

    path = Path(path)
    if path.suffix.lower() != MODEL_SUFFIX:
        raise InputError(f"{path} is not an ONNX model file (expected a {MODEL_SUFFIX} file)")
    session = open_metadata_session(path)
    return info_from_session(path, session)


def info_from_session(path: Path, session) -> ModelInfo:
    """Check a session's inputs, outputs and metadata against the contract (see module docstring)."""
    metadata = dict(session.get_modelmeta().custom_metadata_map)
    dynamic_batch = check_inputs(path, session.get_inputs(), metadata)
    check_outputs(path, session.get_outputs())
    missing = [key for key in REQUIRED_METADATA if not metadata.get(key, "").strip()]
    if missing:
        raise InputError(
            f"{path.name} lacks the metadata the app needs ({', '.join(missing)}); "
            "export it with `python -m training.export_onnx`, which writes them"
        )
    if not metadata["convention"].startswith(CONVENTION_ID):
        raise InputError(
            f"{path.name} measures in another angle convention ({metadata['convention'][:60]!r}); "
            f"the app needs {CONVENTION_ID!r} (yaw+ = patient's left, pitch+ = flexion, roll+ = left)"
        )
    try:
        crop_rule = CropRule.from_metadata(metadata)
    except (KeyError, ValueError) as exc:
        raise InputError(f"{path.name} has unreadable crop metadata (crop_margin/input_size): {exc}") from exc
    if crop_rule.input_size < 16 or not (0.0 <= crop_rule.margin <= 2.0):
        raise InputError(f"{path.name} has implausible crop metadata: {crop_rule}")
    if metadata.get("crop_square", "true").lower() != "true":
        raise InputError(f"{path.name} asks for a non-square crop; the app only has the square crop rule")
    fixed_hw = _fixed_spatial_dims(session.get_inputs()[0].shape)
    if fixed_hw is not None and fixed_hw != (crop_rule.input_size, crop_rule.input_size):
        raise InputError(
            f"{path.name}: input tensor is {fixed_hw[0]}x{fixed_hw[1]} but its metadata says input_size "
            f"{crop_rule.input_size}"
        )
    return ModelInfo(
        path=path,
        crop_rule=crop_rule,
        convention=metadata["convention"],
        metadata=metadata,
        card=read_card(path),
        dynamic_batch=dynamic_batch,
        angle_range_deg=_angle_range(path, metadata),
        angle_frame=_angle_frame(path, metadata),
    )


def check_inputs(path: Path, inputs, metadata: dict[str, str]) -> bool:
    """The single ``image`` input, uint8 ``[N, H, W, 3]``; returns whether N is dynamic."""
    names = [i.name for i in inputs]
    if names != [INPUT_NAME]:
        raise InputError(
            f"{path.name} has inputs {names}; the app feeds exactly one input named {INPUT_NAME!r} "
            "(uint8 [N, H, W, 3] RGB face crop)"
        )
    tensor = inputs[0]
    if tensor.type != "tensor(uint8)":
        raise InputError(
            f"{path.name}: input {INPUT_NAME!r} is {tensor.type}, expected tensor(uint8) "
            "(normalisation belongs inside the graph)"
        )
    shape = list(tensor.shape)
    if len(shape) != 4 or shape[3] != 3:  # the channel axis must be fixed at 3, last
        raise InputError(f"{path.name}: input {INPUT_NAME!r} has shape {shape}, expected [N, H, W, 3] (NHWC RGB)")
    return not isinstance(shape[0], int)


def check_outputs(path: Path, outputs) -> None:
    by_name = {o.name: o for o in outputs}
    if OUTPUT_NAME not in by_name:
        raise InputError(f"{path.name} has outputs {list(by_name)}, none named {OUTPUT_NAME!r} (yaw, pitch, roll)")
    tensor = by_name[OUTPUT_NAME]
    if tensor.type != "tensor(float)":
        raise InputError(f"{path.name}: output {OUTPUT_NAME!r} is {tensor.type}, expected tensor(float) (float32)")
    shape = list(tensor.shape)
    if len(shape) != 2 or (isinstance(shape[1], int) and shape[1] != 3):
        raise InputError(f"{path.name}: output {OUTPUT_NAME!r} has shape {shape}, expected [N, 3] (yaw, pitch, roll)")


def read_card(model_path: Path) -> dict[str, object]:
    """The JSON card beside a model (``<stem>.json`` or ``<stem>.card.json``), or {} if none/unreadable."""
    for candidate in (model_path.with_suffix(".json"), model_path.with_name(model_path.stem + ".card.json")):
        if not candidate.is_file():
            continue
        try:
            card = json.loads(candidate.read_text(encoding="utf-8"))
        except (OSError, ValueError) as exc:
            log.warning("ignoring unreadable model card %s: %s", candidate, exc)
            continue
        if isinstance(card, dict):
            return _flatten(card)
    return {}


def _flatten(card: dict[str, object], prefix: str = "") -> dict[str, object]:
    """Nested card sections become ``section_key`` so metadata and card share one lookup."""
    flat: dict[str, object] = {}
    for key, value in card.items():
        name = f"{prefix}{key}"
        if isinstance(value, dict):
            flat.update(_flatten(value, name + "_"))
        else:
            flat[name] = value
    return flat


def _fixed_spatial_dims(shape) -> tuple[int, int] | None:
    h, w = shape[1], shape[2]
    return (h, w) if isinstance(h, int) and isinstance(w, int) else None


def _angle_frame(path: Path, metadata: dict[str, str]) -> AngleFrame:
    value = metadata.get("angle_frame", AngleFrame.CAMERA.value).strip()
    try:
        return AngleFrame(value)
    except ValueError:
        frames = ", ".join(f.value for f in AngleFrame)
        raise InputError(f"{path.name} gives its angles relative to {value!r}; the app knows {frames}") from None


def _angle_range(path: Path, metadata: dict[str, str]) -> tuple[float, float, float]:
    if not all(key in metadata for key in ANGLE_RANGE_KEYS):
        return DEFAULT_ANGLE_RANGE_DEG
    try:
        values = tuple(abs(float(metadata[key])) for key in ANGLE_RANGE_KEYS)
    except ValueError:
        log.warning("%s: unreadable %s metadata, using the default range", path.name, "/".join(ANGLE_RANGE_KEYS))
        return DEFAULT_ANGLE_RANGE_DEG
    return values  # type: ignore[return-value]


def _short_number(text: object) -> str:
    try:
        return f"{float(str(text)):.2f}"
    except ValueError:
        return str(text)
