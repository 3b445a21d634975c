"""List stored patients (pseudonymous IDs), or add one with --add."""

from __future__ import annotations

import argparse

from app.cli.store_args import add_data_dir, open_store_from
from app.errors import InputError
from app.local_time import local_time_text
from app.store.patient_fields import MIN_BIRTH_YEAR, validate_patient_fields


def add_arguments(parser: argparse.ArgumentParser) -> None:
    add_data_dir(parser)
    parser.add_argument("--add", action="store_true", help="create a patient and print its pseudonymous ID")
    parser.add_argument("--pseudonym", help="ID to use with --add (default: generated, e.g. P-7K3Q9X)")
    parser.add_argument("--name", help="with --add: name (optional; never shown unless asked)")
    # Checked by app.store.patient_fields (one rule with the GUI's form), not by argparse, so a bad
    # value gets the same one-line message everywhere.
    parser.add_argument("--birth-year", help=f"with --add: birth year, {MIN_BIRTH_YEAR} to this year (optional)")
    parser.add_argument("--age-band", help="with --add: age band, e.g. 40-49 or 90+ (optional)")
    parser.add_argument("--sex", help="with --add: sex, F, M or X (optional)")
    parser.add_argument("--show-identity", action="store_true", help="also list names and birth years")


def run(args: argparse.Namespace) -> int:
    if args.add:  # checked before the store opens: a typo changes nothing on disk
        fields = validate_patient_fields(args.pseudonym, args.name, args.birth_year, args.age_band, args.sex)
    elif any(v is not None for v in (args.pseudonym, args.name, args.birth_year, args.age_band, args.sex)):
        raise InputError("--pseudonym, --name, --birth-year, --age-band and --sex go with --add")
    with open_store_from(args) as store:
        if args.add:
            p = store.create_patient(fields.pseudonym, fields.name, fields.birth_year, fields.age_band, fields.sex)
            print(p.pseudonym)
            return 0
        patients = store.list_patients()
        if not patients:
            print(f"no patients in {store.path}")
            return 0
        print(f"{'patient':10s} {'sessions':>8s}  {'last session (local)':22s} {'age band':8s} sex" + ("  name" if args.show_identity else ""))
        for p in patients:
            sessions = store.sessions(p.id)
            last = local_time_text(sessions[-1].started_at, offset=False) if sessions else "-"
            line = f"{p.pseudonym:10s} {len(sessions):8d}  {last:22s} {p.age_band or '-':8s} {p.sex or '-'}"
            if args.show_identity:
                line += f"  {p.name or '-'} {p.birth_year or ''}"
            print(line)
    return 0
