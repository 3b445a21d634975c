"""Write a printable A4 calibration pattern (PDF) for calibrate-camera."""

from __future__ import annotations

import argparse
from pathlib import Path

from app.cli.pattern_args import add_pattern_arguments, pattern_from_args
from app.errors import CervicamError, InputError


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("out", type=Path, metavar="OUT.pdf", help="PDF file to write")
    add_pattern_arguments(parser)


def run(args: argparse.Namespace) -> int:
    from app.calibration.pattern import write_pattern_pdf

    spec = pattern_from_args(args)
    if not args.out.parent.exists():
        raise InputError(f"{args.out}: folder {args.out.parent} does not exist")
    try:
        write_pattern_pdf(spec, args.out)
    except ValueError as exc:
        raise InputError(str(exc)) from None
    except OSError as exc:
        raise CervicamError(f"could not write {args.out}: {exc.strerror or exc}") from None
    print(f"{args.out}: {spec.describe()}; print at 100% and check that one square measures {spec.square_mm:g} mm")
    return 0
