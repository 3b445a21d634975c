"""Store a recorded video (or an analyze CSV) as a session of a patient, with its trials found offline."""

from __future__ import annotations

import argparse
from pathlib import Path

from app.cli.camera_args import add_camera_arguments, camera_from_args
from app.cli.store_args import add_data_dir, open_store_from
from app.core.norms import DEFAULT_NORM_SET, NORM_SET_KEYS
from app.core.sample_csv import read_samples_csv
from app.errors import InputError


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("patient", help="pseudonymous patient ID (`cervicam patients --add` creates one)")
    source = parser.add_mutually_exclusive_group(required=True)
    source.add_argument("--video", type=Path, help="video to measure (landmarks engine)")
    source.add_argument("--samples-csv", type=Path, help="per-frame CSV written by `cervicam analyze`")
    add_data_dir(parser)
    parser.add_argument("--clinician", default="", help="clinician's name or initials")
    parser.add_argument("--notes", default="", help="free-text notes")
    parser.add_argument("--norms", choices=NORM_SET_KEYS, default=DEFAULT_NORM_SET)
    parser.add_argument("--started-at", help="session date (ISO 8601, default now)")
    add_camera_arguments(parser)


def run(args: argparse.Namespace) -> int:
    from app.core.offline_protocol import run_offline_protocol
    from app.core.protocol import ProtocolConfig
    from app.core.protocol_options import protocol_options

    with open_store_from(args) as store:
        patient = store.get_patient(args.patient)  # before minutes of video analysis
        engine = "analyze-csv"
        if args.video is not None:
            from app.core.offline_analysis import analyze_video
            from app.core.pipeline import MeasurementPipeline
            from app.core.tracker_ensemble import head_tracker
            from app.engines.choices import EngineName
            from app.engines.factory import create_engine, witness_network
            from app.model_folders import default_model_dirs

            lens = camera_from_args(args)
            # The same measurement as `analyze`: the installed network checks the trackers and witnesses for the mesh.
            engine = create_engine(EngineName.LANDMARKS, None, model_dirs=default_model_dirs())
            pipeline = MeasurementPipeline(engine, tracker=head_tracker(lens, network=witness_network(engine)))
            result = analyze_video(args.video, pipeline)
            if result.neutral is None:
                raise InputError(f"{args.video}: no head found in the video")
            samples, engine, camera = result.samples, EngineName.LANDMARKS, lens.describe(str(args.video))
        else:
            samples, camera = read_samples_csv(args.samples_csv), str(args.samples_csv)
        config = ProtocolConfig(free_mode=True)
        outcome = run_offline_protocol(samples, config)
        session = store.start_session(
            patient.id, clinician=args.clinician, engine=engine, camera=camera, notes=args.notes,
            norm_set=args.norms, protocol=protocol_options(config), started_at=args.started_at,
        )  # fmt: skip
        writer = store.open_writer(session.id)
        for s in samples:
            writer.add_sample(s)
        for e in outcome.events:
            writer.add_event(e)
        writer.close()
        results = store.save_trials(session.id, outcome.trials)
        store.close_session(session.id)
    print(f"session {session.id} of {patient.pseudonym}: {len(samples)} samples, {len(outcome.trials)} trials")
    for r in results:
        print(f"  {r.motion.replace('_', ' '):24s} {r.recorded_deg:5.1f}°  {' '.join(r.flags)}")
    return 0
