"""The --data-dir option every store command shares, and opening the store from it."""

from __future__ import annotations

import argparse
from pathlib import Path


def add_data_dir(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--data-dir", type=Path, default=None,
        help="folder of the session database (default: $CERVICAM_DATA, else the user data folder)",
    )  # fmt: skip


def open_store_from(args: argparse.Namespace):
    from app.store import open_store

    return open_store(args.data_dir)
