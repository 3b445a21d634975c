"""A guided test's options as a session stores them: the one serialisation of ProtocolConfig.

Every writer (the live session, ``record``) stores ``protocol_options(config)`` and every reader
rebuilds the config with ``protocol_config``, so a stored session replays with the thresholds
and compensation settings it was measured with.
"""

from __future__ import annotations

from dataclasses import asdict, fields
from typing import Any

from app.core.compensation import CompensationConfig
from app.core.protocol import ProtocolConfig


def protocol_options(config: ProtocolConfig) -> dict[str, Any]:
    """``config`` as plain JSON types (the motions as a list, the compensation settings nested)."""
    options = asdict(config)
    options["motions"] = list(config.motions)
    return options


def protocol_config(stored: dict[str, Any]) -> ProtocolConfig:
    """A session's stored protocol options as a config; free mode when none were stored (a free
    measurement). Keys an older or newer version wrote that this one does not know are ignored."""
    if not stored:
        return ProtocolConfig(free_mode=True)
    known = {f.name for f in fields(ProtocolConfig)}
    values = {k: v for k, v in stored.items() if k in known}
    if "motions" in values:
        values["motions"] = tuple(values["motions"])
    if isinstance(values.get("compensation"), dict):
        comp_known = {f.name for f in fields(CompensationConfig)}
        values["compensation"] = CompensationConfig(**{k: v for k, v in values["compensation"].items() if k in comp_known})
    return ProtocolConfig(**values)
