"""Store a recorded video (or an analyze CSV) as a session of a patient, with its trials found offline."""

from __future__ import annotations

import argparse
import csv
from pathlib import Path

from app.cli.camera_args import add_hfov, camera_from_args
from app.cli.store_args import add_data_dir, open_store_from
from app.errors import InputError


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("patient", help="pseudonymous patient ID (`cervicam patients --add` creates one)")
    source = parser.add_mutually_exclusive_group(required=True)
    source.add_argument("--video", type=Path, help="video to measure (landmarks engine)")
    source.add_argument("--samples-csv", type=Path, help="per-frame CSV written by `cervicam analyze`")
    add_data_dir(parser)
    parser.add_argument("--clinician", default="", help="clinician's name or initials")
    parser.add_argument("--notes", default="", help="free-text notes")
    parser.add_argument("--norms", choices=("ama", "va"), default="ama")
    parser.add_argument("--started-at", help="session date (ISO 8601, default now)")
    add_hfov(parser)


def read_samples_csv(path: Path):
    """Samples from an analyze CSV (frame,time_s,yaw_deg,pitch_deg,roll_deg[,detected,quality,...])."""
    from app.core.types import PoseSample

    def num(row: dict, key: str) -> float | None:
        text = row.get(key)
        return None if text in (None, "") else float(text)

    try:
        with open(path, newline="", encoding="utf-8") as f:
            rows = list(csv.DictReader(f))
        samples = []
        for row in rows:
            yaw, pitch, roll = num(row, "yaw_deg"), num(row, "pitch_deg"), num(row, "roll_deg")
            detected = row.get("detected", "1") == "1" and yaw is not None
            samples.append(
                PoseSample(
                    frame_index=int(row["frame"]), time_s=float(row["time_s"]), detected=detected,
                    quality=num(row, "quality") if num(row, "quality") is not None else 1.0,
                    yaw_deg=yaw, pitch_deg=pitch, roll_deg=roll,
                    raw_yaw_deg=num(row, "raw_yaw_deg"), raw_pitch_deg=num(row, "raw_pitch_deg"),
                    raw_roll_deg=num(row, "raw_roll_deg"), trunk_rotation_deg=num(row, "trunk_rotation_deg"),
                    trunk_lean_deg=num(row, "trunk_lean_deg"), source=row.get("source") or "",
                )  # fmt: skip
            )
    except OSError as exc:
        raise InputError(f"cannot read {path}: {exc.strerror or exc}") from None
    except (KeyError, ValueError, TypeError) as exc:
        raise InputError(f"{path} is not a cervicam samples CSV ({exc})") from None
    if not samples:
        raise InputError(f"{path} holds no samples")
    return samples


def run(args: argparse.Namespace) -> int:
    from dataclasses import asdict

    from app.core.offline_protocol import run_offline_protocol
    from app.core.protocol import ProtocolConfig

    with open_store_from(args) as store:
        patient = store.get_patient(args.patient)  # before minutes of video analysis
        engine = "analyze-csv"
        if args.video is not None:
            from app.core.head_tracker import HeadTracker
            from app.core.offline_analysis import analyze_video
            from app.core.pipeline import MeasurementPipeline
            from app.engines.factory import create_engine

            lens = camera_from_args(args)
            pipeline = MeasurementPipeline(create_engine("landmarks", None), tracker=HeadTracker.for_camera(lens))
            result = analyze_video(args.video, pipeline)
            if result.neutral is None:
                raise InputError(f"{args.video}: no head found in the video")
            samples, engine, camera = result.samples, "landmarks", lens.describe(str(args.video))
        else:
            samples, camera = read_samples_csv(args.samples_csv), str(args.samples_csv)
        config = ProtocolConfig(free_mode=True)
        outcome = run_offline_protocol(samples, config)
        protocol = {k: v for k, v in asdict(config).items() if k != "compensation"}
        protocol["motions"] = list(config.motions)
        session = store.start_session(
            patient.id, clinician=args.clinician, engine=engine, camera=camera, notes=args.notes,
            norm_set=args.norms, protocol=protocol, started_at=args.started_at,
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
