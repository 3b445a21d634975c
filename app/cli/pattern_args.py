"""The calibration board's options, shared by calibration-pattern and calibrate-camera."""

from __future__ import annotations

import argparse

from app.calibration.pattern import PatternKind, PatternSpec
from app.errors import InputError

_DEFAULT = PatternSpec()


def add_pattern_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--pattern", choices=[k.value for k in PatternKind], default=_DEFAULT.kind.value,
                        help="chessboard (the whole board must be in view) or charuco (may be partly hidden)")
    parser.add_argument("--columns", type=int, default=_DEFAULT.columns, help="squares across (default %(default)s)")
    parser.add_argument("--rows", type=int, default=_DEFAULT.rows, help="squares down (default %(default)s)")
    parser.add_argument("--square-mm", type=float, default=_DEFAULT.square_mm,
                        help="side of one printed square in mm (default %(default)s; measure your print)")


def pattern_from_args(args: argparse.Namespace) -> PatternSpec:
    try:
        return PatternSpec(PatternKind(args.pattern), args.columns, args.rows, args.square_mm)
    except ValueError as exc:
        raise InputError(f"pattern: {exc}") from None
