"""Export one patient (all sessions, samples, results) as one file to move to another machine."""

from __future__ import annotations

import argparse
from pathlib import Path

from app.cli.store_args import add_data_dir, open_store_from
from app.errors import InputError


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("patient", help="pseudonymous patient ID")
    parser.add_argument("output", type=Path, help="file to write (e.g. P-7K3Q9X.cervicam)")
    add_data_dir(parser)
    parser.add_argument("--pseudonymous", action="store_true", help="leave name and birth year out of the file")


def run(args: argparse.Namespace) -> int:
    if not args.output.parent.exists():
        raise InputError(f"{args.output}: folder {args.output.parent} does not exist")
    from app.store.transfer import export_patient

    with open_store_from(args) as store:
        n = export_patient(store, args.patient, args.output, include_identity=not args.pseudonymous)
    print(f"{args.output}: patient {args.patient}, {n} sessions")
    return 0
