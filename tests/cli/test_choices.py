"""Every command that takes ``--engine`` or ``--device`` offers exactly the named choices
(app.engines.choices), and what it hands on is the enum member a plain setting compares with."""

from __future__ import annotations

import argparse

import pytest

import main
from app.core.norms import NORM_SET_KEYS, NORM_SETS
from app.engines.choices import DEVICES, ENGINE_NAMES, Device, EngineName


def _option(parser: argparse.ArgumentParser, flag: str) -> argparse.Action | None:
    return next((a for a in parser._actions if flag in a.option_strings), None)


def _command_parsers() -> dict[str, argparse.ArgumentParser]:
    sub = next(a for a in main.build_parser()._actions if isinstance(a, argparse._SubParsersAction))
    return dict(sub.choices)


@pytest.mark.parametrize(
    "flag, named, commands",
    [("--engine", ENGINE_NAMES, {"analyze", "gui"}), ("--device", DEVICES, {"analyze", "gui"}),
     ("--norms", NORM_SET_KEYS, {"record", "report"})],
)  # fmt: skip
def test_commands_offer_the_named_choices(flag: str, named: tuple, commands: set[str]) -> None:
    offering = {name: _option(p, flag) for name, p in _command_parsers().items() if _option(p, flag) is not None}
    assert commands <= set(offering)
    for name, action in offering.items():
        assert tuple(action.choices) == named, name


def test_every_norm_set_key_has_its_norm_set_and_text_finds_it() -> None:
    assert set(NORM_SETS) == set(NORM_SET_KEYS)
    assert all(NORM_SETS[key.value].key is key for key in NORM_SET_KEYS)  # as stored: plain text


def test_analyze_defaults_are_members_and_text_compares_equal() -> None:
    args = _command_parsers()["analyze"].parse_args(["video.mp4", "--csv", "out.csv"])
    assert args.engine is EngineName.LANDMARKS and args.device is Device.AUTO
    typed = _command_parsers()["analyze"].parse_args(["video.mp4", "--csv", "o.csv", "--engine", "onnx"])
    assert typed.engine == EngineName.ONNX and EngineName(typed.engine) is EngineName.ONNX
    assert f"{EngineName.ONNX}" == "onnx" and str(Device.CUDA) == "cuda"  # written as its text
