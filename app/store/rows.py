"""Conversions between value objects and database rows (one place, used by store, writer, transfer).

Flags are stored joined as in the samples CSV (app.core.sample_csv.join_flags); rows stored
before that used "," and still read (split_flags takes both).
"""

from __future__ import annotations

from app.core.protocol import ProtocolEvent, Trial
from app.core.sample_csv import join_flags, split_flags
from app.core.types import PoseSample

SAMPLE_COLUMNS = (
    "frame_index", "time_s", "detected", "quality", "yaw_deg", "pitch_deg", "roll_deg",
    "raw_yaw_deg", "raw_pitch_deg", "raw_roll_deg", "trunk_rotation_deg", "trunk_lean_deg",
    "source", "flags",
)  # fmt: skip
EVENT_COLUMNS = ("time_s", "kind", "motion", "trial_number", "value_deg", "message")
TRIAL_COLUMNS = (
    "motion", "kind", "number", "start_s", "peak_s", "end_s", "max_deg", "flags", "discarded", "manual",
)  # fmt: skip

# Inserts of (session_id, *sample_to_row(...)) / (session_id, *event_to_row(...)) rows.
SAMPLE_INSERT_SQL = (
    f"INSERT INTO samples (session_id, {', '.join(SAMPLE_COLUMNS)}) "
    f"VALUES ({', '.join('?' * (len(SAMPLE_COLUMNS) + 1))})"
)
EVENT_INSERT_SQL = (
    f"INSERT INTO events (session_id, {', '.join(EVENT_COLUMNS)}) "
    f"VALUES ({', '.join('?' * (len(EVENT_COLUMNS) + 1))})"
)


def sample_to_row(s: PoseSample) -> tuple:
    return (
        s.frame_index, s.time_s, int(bool(s.detected)), float(s.quality), s.yaw_deg, s.pitch_deg,
        s.roll_deg, s.raw_yaw_deg, s.raw_pitch_deg, s.raw_roll_deg, s.trunk_rotation_deg,
        s.trunk_lean_deg, s.source, join_flags(s.flags),
    )  # fmt: skip


def row_to_sample(row: tuple) -> PoseSample:
    values = dict(zip(SAMPLE_COLUMNS, row))
    values["detected"] = bool(values["detected"])
    values["flags"] = split_flags(values["flags"])
    return PoseSample(**values)


def event_to_row(e: ProtocolEvent) -> tuple:
    number = e.trial.number if e.trial is not None else None
    return (e.time_s, e.kind, e.motion, number, e.value_deg, e.message)


def trial_to_row(t: Trial) -> tuple:
    return (
        t.motion, t.kind, t.number, t.start_s, t.peak_s, t.end_s, t.max_deg, join_flags(t.flags),
        int(t.discarded), int(t.manual),
    )  # fmt: skip


def row_to_trial(row: tuple) -> Trial:
    v = dict(zip(TRIAL_COLUMNS, row))
    return Trial(
        motion=v["motion"], kind=v["kind"], number=int(v["number"]), start_s=v["start_s"],
        peak_s=v["peak_s"], end_s=v["end_s"], max_deg=v["max_deg"], flags=split_flags(v["flags"]),
        discarded=bool(v["discarded"]), manual=bool(v["manual"]),
    )  # fmt: skip
