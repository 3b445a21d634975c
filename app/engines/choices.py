"""The pose-engine and device choices, named once for ``--engine``/``--device``, the factory and the engines.

StrEnums, so a value read from the settings file or typed on the command line (plain text)
compares equal to its member, and a member is written as its text (CSV, JSON, the database).
Imports nothing heavy: the CLI builds its parsers from it before any model library loads.
"""

from __future__ import annotations

from enum import StrEnum


class EngineName(StrEnum):
    LANDMARKS = "landmarks"  # face mesh near neutral, rigid head-model tracking beyond
    ONNX = "onnx"  # an exported head-pose model (docs/ONNX.md)


class Device(StrEnum):
    """Where the onnx engine runs (policy in app.engines.onnx_session)."""

    AUTO = "auto"
    CPU = "cpu"
    CUDA = "cuda"


ENGINE_NAMES: tuple[EngineName, ...] = tuple(EngineName)
DEVICES: tuple[Device, ...] = tuple(Device)
