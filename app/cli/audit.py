"""Show the audit log: who viewed, exported, imported or deleted which patient or session, when."""

from __future__ import annotations

import argparse

from app.cli.store_args import add_data_dir, open_store_from


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--patient", help="only entries about this pseudonymous ID")
    add_data_dir(parser)


def run(args: argparse.Namespace) -> int:
    from app.store.audit import entries

    with open_store_from(args) as store:
        found = entries(store.conn, args.patient)
    if not found:
        print("the audit log is empty")
    for e in found:
        session = f" session {e.session_id}" if e.session_id is not None else ""
        print(f"{e.at}  {e.actor:12s} {e.action:15s} {e.patient or '-'}{session}  {e.detail}")
    return 0
