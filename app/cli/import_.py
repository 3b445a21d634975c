"""Import a patient file written by `cervicam export` (sessions already present are skipped)."""

from __future__ import annotations

import argparse
from pathlib import Path

from app.cli.store_args import add_data_dir, open_store_from


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("file", type=Path, help="patient file (.cervicam)")
    add_data_dir(parser)


def run(args: argparse.Namespace) -> int:
    from app.store.transfer import import_patient, read_export

    read_export(args.file)  # validate before the database is even opened
    with open_store_from(args) as store:
        summary = import_patient(store, args.file)
    print(
        f"patient {summary.patient.pseudonym}: {summary.sessions_added} sessions imported, "
        f"{summary.sessions_skipped} already present"
    )
    return 0
