"""Write a stored session's report: PDF (vs norms, asymmetry, trend) and per-trial CSV."""

from __future__ import annotations

import argparse
from pathlib import Path

from app.cli.store_args import add_data_dir, open_store_from
from app.core.norms import NORM_SET_KEYS
from app.errors import InputError


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("session", help="session id (see `cervicam sessions PATIENT`)")
    add_data_dir(parser)
    parser.add_argument("--pdf", type=Path, help="PDF report to write")
    parser.add_argument("--csv", type=Path, help="per-trial results CSV to write")
    parser.add_argument("--samples-csv", type=Path, help="per-frame samples CSV to write")
    parser.add_argument("--norms", choices=NORM_SET_KEYS, help="norm set (default: the session's)")
    parser.add_argument("--mdc", type=float, default=5.0, help="minimal detectable change in degrees (default 5)")
    parser.add_argument("--show-identity", action="store_true", help="print name and birth year, not only the ID")


def run(args: argparse.Namespace) -> int:
    outputs = [p for p in (args.pdf, args.csv, args.samples_csv) if p is not None]
    if not outputs:
        raise InputError("nothing to write: give --pdf and/or --csv / --samples-csv")
    for out in outputs:
        if not out.parent.exists():
            raise InputError(f"{out}: folder {out.parent} does not exist")
    if args.mdc <= 0:
        raise InputError("--mdc must be positive")
    from app.report import report_data_from_store, write_pdf, write_samples_csv, write_trials_csv

    from app.core.live_session import keep_interrupted_results

    with open_store_from(args) as store:
        keep_interrupted_results(store, args.session)  # a session a crash left without its results
        data = report_data_from_store(store, args.session, args.norms, args.mdc, args.show_identity)
    if args.pdf:
        pages = write_pdf(data, args.pdf)
        print(f"{args.pdf}: {pages} pages")
    if args.csv:
        print(f"{args.csv}: {write_trials_csv(data, args.csv)} trials")
    if args.samples_csv:
        print(f"{args.samples_csv}: {write_samples_csv(data, args.samples_csv)} samples")
    from app.report.pdf import contents_line
    from app.store import audit

    with open_store_from(args) as store:
        names = ", ".join(p.name for p in outputs)
        audit.record(store.conn, audit.EXPORT_REPORT, data.patient_label, data.session_id, names)
    print(f"contents: {contents_line(data)}")
    return 0
