"""Delete a patient and every trace of them (sessions, samples, results, video, backups)."""

from __future__ import annotations

import argparse

from app.cli.store_args import add_data_dir, open_store_from
from app.errors import InputError


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("patient", help="pseudonymous patient ID (e.g. P-7K3Q9X)")
    parser.add_argument("--yes", action="store_true", help="really delete (required: this cannot be undone)")
    add_data_dir(parser)


def run(args: argparse.Namespace) -> int:
    from app.store.erase import delete_patient

    with open_store_from(args) as store:
        patient = store.get_patient(args.patient)  # unknown ID: one clear line before anything
        if not args.yes:
            raise InputError(
                f"deleting {patient.pseudonym} removes {len(store.sessions(patient.id))} sessions for good; "
                "add --yes to confirm"
            )
        erased = delete_patient(store, patient.pseudonym)
    print(
        f"patient {erased.pseudonym} deleted: {erased.sessions} sessions, {erased.samples} samples, "
        f"{erased.videos} videos; {erased.backups_cleaned} backups cleaned"
    )
    for path in erased.damaged_copies:
        print(f"note: {path} (a damaged copy kept by a restore) may still hold this patient: delete it")
    return 0
