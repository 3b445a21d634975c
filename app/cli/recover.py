"""Add samples that were saved elsewhere while the disk was full (.cervicam-samples) to their session."""

from __future__ import annotations

import argparse
from pathlib import Path

from app.cli.store_args import add_data_dir, open_store_from


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("file", type=Path, help="a cervicam-unsaved-session-*.cervicam-samples file")
    add_data_dir(parser)


def run(args: argparse.Namespace) -> int:
    from app.store.resilient_writer import load_pending

    with open_store_from(args) as store:
        n = load_pending(store, args.file)
    print(f"{args.file}: {n} samples/events added to their session; the file can now be deleted")
    return 0
