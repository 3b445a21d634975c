"""Per-trial results CSV and the optional samples CSV of a report (samples: app.core.sample_csv)."""

from __future__ import annotations

import csv
import os
from pathlib import Path

from app.core.norms import percent_of_norm
from app.core.sample_csv import join_flags
from app.core.sample_csv import write_samples_csv as write_sample_rows
from app.errors import CervicamError
from app.report.data import ReportData

TRIAL_HEADER = (
    "session_id", "patient", "motion", "kind", "number", "start_s", "peak_s", "end_s", "max_deg", "flags",
    "discarded", "manual", "recorded_deg", "norm_deg", "percent_of_norm", "repeatable", "norm_set",
)  # fmt: skip


def _fmt(value: float | None, digits: int = 2) -> str:
    return "" if value is None else f"{value:.{digits}f}"


def _open(path: str | os.PathLike[str]):
    try:
        return open(Path(path), "w", newline="", encoding="utf-8")
    except OSError as exc:
        raise CervicamError(f"cannot write {path}: {exc.strerror or exc}") from None


def write_trials_csv(data: ReportData, path: str | os.PathLike[str]) -> int:
    """One row per trial (warm-ups included, marked by ``kind``); returns the number of rows."""
    rows = 0
    with _open(path) as f:
        w = csv.writer(f)
        w.writerow(TRIAL_HEADER)
        for trial in data.trials:
            result = data.result(trial.motion)
            norm = data.norm_set.norm_for(trial.motion)
            pct = percent_of_norm(result.recorded_deg, trial.motion, data.norm_set)
            w.writerow(
                [
                    "" if data.session_id is None else data.session_id, data.patient_label, trial.motion,
                    trial.kind, trial.number, _fmt(trial.start_s, 3), _fmt(trial.peak_s, 3), _fmt(trial.end_s, 3),
                    _fmt(trial.max_deg), join_flags(trial.flags), int(trial.discarded), int(trial.manual),
                    _fmt(result.recorded_deg), _fmt(norm, 0), _fmt(pct, 1),
                    "" if result.repeatable is None else int(result.repeatable), data.norm_set.key,
                ]  # fmt: skip
            )
            rows += 1
    return rows


def write_samples_csv(data: ReportData, path: str | os.PathLike[str]) -> int:
    """The report's samples in the one samples schema (app.core.sample_csv, as ``analyze --csv``)."""
    try:
        return write_sample_rows(data.samples, path)
    except OSError as exc:
        raise CervicamError(f"cannot write {path}: {exc.strerror or exc}") from None
