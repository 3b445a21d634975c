"""The one sample-row schema of a per-frame CSV: columns, formatting, flag separator, writer, reader.

``analyze --csv``, ``report --samples-csv`` and the offline report write samples with
:func:`write_samples_csv`; ``record --samples-csv`` reads them back with :func:`read_samples_csv`,
flags included. Columns (the README's command table documents them):

``frame,time_s,yaw_deg,pitch_deg,roll_deg,detected,quality,raw_yaw_deg,raw_pitch_deg,raw_roll_deg,
trunk_rotation_deg,trunk_lean_deg,source,flags``

Angles have 3 decimals (a thousandth of a degree: far below what is measured), time 4, quality
3; an empty cell is "none" (no pose, trunk unseen). Flags are joined by :data:`FLAG_SEPARATOR`,
which the database rows (app.store.rows) use too.
"""

from __future__ import annotations

import csv
import os
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from app.core.types import PoseSample
from app.errors import InputError

FLAG_SEPARATOR = ";"
# Rows stored before the flag separator was shared used ","; flags are words, never either.
_LEGACY_FLAG_SEPARATOR = ","


def join_flags(flags: Iterable[str]) -> str:
    return FLAG_SEPARATOR.join(flags)


def split_flags(text: str | None) -> tuple[str, ...]:
    """Flags from their joined text (either separator: older stored rows used ",")."""
    cleaned = (text or "").replace(_LEGACY_FLAG_SEPARATOR, FLAG_SEPARATOR)
    return tuple(f for f in cleaned.split(FLAG_SEPARATOR) if f)


def _fixed(digits: int) -> Callable[[Any], str]:
    return lambda value: "" if value is None else f"{value:.{digits}f}"


def _optional_float(text: str) -> float | None:
    return None if text == "" else float(text)


@dataclass(frozen=True)
class Column:
    """One CSV column: its header, the PoseSample field it holds, how it is written and read."""

    name: str
    field: str
    write: Callable[[Any], str]
    read: Callable[[str], Any]


ANGLE = _fixed(3)
COLUMNS: tuple[Column, ...] = (
    Column("frame", "frame_index", str, int),
    Column("time_s", "time_s", _fixed(4), float),
    Column("yaw_deg", "yaw_deg", ANGLE, _optional_float),
    Column("pitch_deg", "pitch_deg", ANGLE, _optional_float),
    Column("roll_deg", "roll_deg", ANGLE, _optional_float),
    Column("detected", "detected", lambda v: str(int(v)), lambda t: t == "1"),
    Column("quality", "quality", _fixed(3), _optional_float),
    Column("raw_yaw_deg", "raw_yaw_deg", ANGLE, _optional_float),
    Column("raw_pitch_deg", "raw_pitch_deg", ANGLE, _optional_float),
    Column("raw_roll_deg", "raw_roll_deg", ANGLE, _optional_float),
    Column("trunk_rotation_deg", "trunk_rotation_deg", ANGLE, _optional_float),
    Column("trunk_lean_deg", "trunk_lean_deg", ANGLE, _optional_float),
    Column("source", "source", str, str),
    Column("flags", "flags", join_flags, split_flags),
)
HEADER: tuple[str, ...] = tuple(c.name for c in COLUMNS)
# Without these a row cannot be placed in time; every other column may be missing (a CSV cut
# down to the README's first seven columns, or written by another tool) and takes its default.
REQUIRED = ("frame", "time_s")


def sample_to_csv_row(sample: PoseSample) -> list[str]:
    return [column.write(getattr(sample, column.field)) for column in COLUMNS]


def csv_row_to_sample(row: Mapping[str, str | None]) -> PoseSample:
    """A sample from one CSV row (header -> text). Missing columns take PoseSample's defaults,
    except that a row without ``detected`` counts as detected (when it has a yaw angle) and one
    without ``quality`` (or with it empty) as fully trusted."""
    values: dict[str, Any] = {}
    for column in COLUMNS:
        text = row.get(column.name)
        if text is not None:
            values[column.field] = column.read(text)
    values["detected"] = values.get("detected", True) and values.get("yaw_deg") is not None
    if values.get("quality") is None:
        values["quality"] = 1.0
    return PoseSample(**values)


def write_samples_csv(samples: Iterable[PoseSample], path: str | os.PathLike[str]) -> int:
    """One row per sample under :data:`HEADER`; returns the number of rows. OSError if unwritable."""
    rows = 0
    with open(path, "w", newline="", encoding="utf-8") as fh:
        writer = csv.writer(fh)
        writer.writerow(HEADER)
        for sample in samples:
            writer.writerow(sample_to_csv_row(sample))
            rows += 1
    return rows


def read_samples_csv(path: str | os.PathLike[str]) -> list[PoseSample]:
    """Every sample of a samples CSV; InputError (one line) if unreadable, malformed or empty."""
    try:
        with open(path, newline="", encoding="utf-8") as fh:
            reader = csv.DictReader(fh)
            missing = [name for name in REQUIRED if name not in (reader.fieldnames or ())]
            if missing:
                raise InputError(f"{path} is not a cervicam samples CSV (no {', '.join(missing)} column)")
            samples = [csv_row_to_sample(row) for row in reader]
    except OSError as exc:
        raise InputError(f"cannot read {path}: {exc.strerror or exc}") from None
    except (KeyError, ValueError, TypeError) as exc:
        raise InputError(f"{path} is not a cervicam samples CSV ({exc})") from None
    if not samples:
        raise InputError(f"{path} holds no samples")
    return samples
