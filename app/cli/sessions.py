"""List a patient's sessions with their recorded maxima; find, resume or close interrupted ones."""

from __future__ import annotations

import argparse

from app.cli.store_args import add_data_dir, open_store_from
from app.errors import InputError
from app.local_time import local_time_text

_SHORT = ("rot L", "rot R", "flex", "ext", "latfl L", "latfl R")


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("patient", nargs="?", help="pseudonymous patient ID (e.g. P-7K3Q9X)")
    add_data_dir(parser)
    parser.add_argument("--interrupted", action="store_true", help="list sessions left open by a crash")
    parser.add_argument("--close", type=int, metavar="SESSION", help="close an interrupted session as 'interrupted'")


def run(args: argparse.Namespace) -> int:
    from app.core.angles import DIRECTIONS
    from app.core.live_session import keep_interrupted_results
    from app.store.records import INTERRUPTED

    with open_store_from(args) as store:
        if args.close is not None:
            keep_interrupted_results(store, args.close)
            s = store.close_session(args.close, status=INTERRUPTED)
            print(f"session {s.id} closed as interrupted ({store.sample_count(s.id)} samples kept)")
            return 0
        if args.interrupted:
            found = store.interrupted_sessions()
            if not found:
                print("no interrupted sessions")
            for s in found:
                p = store.get_patient(s.patient_id)
                print(f"session {s.id} of {p.pseudonym}, started {local_time_text(s.started_at)}, {store.sample_count(s.id)} samples")
            return 0
        if not args.patient:
            raise InputError("give a patient ID (see `cervicam patients`), or --interrupted")
        patient = store.get_patient(args.patient)
        sessions = store.sessions(patient.id)
        if not sessions:
            print(f"no sessions for {patient.pseudonym}")
            return 0
        print(f"{'id':>4s}  {'date (local time)':22s} {'status':11s} {'samples':>7s}  " + " ".join(f"{h:>7s}" for h in _SHORT))
        for s in sessions:
            keep_interrupted_results(store, s.id)  # one a crash left without its results
            rec = store.recorded(s.id)
            values = " ".join(f"{'-' if rec[d] is None else f'{rec[d]:.0f}':>7s}" for d in DIRECTIONS)
            when = local_time_text(s.started_at, offset=False)
            print(f"{s.id:4d}  {when:22s} {s.status:11s} {store.sample_count(s.id):7d}  {values}")
    return 0
