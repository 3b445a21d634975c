"""Keep a session's video (only with recording consent, always encrypted) or decrypt it back."""

from __future__ import annotations

import argparse
from pathlib import Path

from app.cli.store_args import add_data_dir, open_store_from
from app.errors import InputError


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("session", help="session id")
    action = parser.add_mutually_exclusive_group(required=True)
    action.add_argument("--store", type=Path, metavar="VIDEO", help="encrypt this video into the data folder")
    action.add_argument("--extract", type=Path, metavar="OUT", help="decrypt the stored video to OUT")
    parser.add_argument("--consent", action="store_true", help="the patient consented to video recording of this session")
    add_data_dir(parser)


def run(args: argparse.Namespace) -> int:
    from app.privacy.video import extract_video, set_recording_consent, store_video

    with open_store_from(args) as store:
        sid = store.get_session(args.session).id
        if args.store is not None:
            if not args.store.is_file():
                raise InputError(f"video file not found: {args.store}")
            if args.consent:
                set_recording_consent(store, sid, True)
            path = store_video(store, sid, args.store)
            print(f"session {sid}: video stored encrypted as {path}")
        else:
            print(f"session {sid}: video decrypted to {extract_video(store, sid, args.extract)}")
    return 0
