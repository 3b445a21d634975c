"""Run the protocol over a recorded stream of PoseSample (``analyze --report``) and report it.

A recorded video is not guided, so this runs the protocol in free mode: every excursion in any of
the six directions becomes a trial of that direction, the AMA rule is applied where there are
enough trials, and the running maxima are kept.

Public API
----------
* ``run_offline_protocol(samples, config=None) -> OfflineOutcome`` (results, trials, events, maxima).
* ``write_offline_report(samples, pdf_path, csv_path=None, samples_csv_path=None, *, source='',
  engine='', norm_set='ama', mdc_deg=5.0, config=None) -> OfflineOutcome``: the lead's
  ``analyze VIDEO --report OUT.pdf`` calls this with the samples it measured.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, replace
from datetime import datetime, timezone
from typing import Sequence

from app.core.protocol import MotionResult, Protocol, ProtocolConfig, ProtocolEvent, Trial
from app.core.types import PoseSample


@dataclass(frozen=True)
class OfflineOutcome:
    results: tuple[MotionResult, ...]  # one per direction of app.core.angles.DIRECTIONS
    trials: tuple[Trial, ...]
    events: tuple[ProtocolEvent, ...]
    maxima: dict[str, float | None]  # running (frame) maxima, for comparison with the trials

    def recorded(self) -> dict[str, float | None]:
        return {r.motion: r.recorded_deg for r in self.results}


def run_offline_protocol(samples: Sequence[PoseSample], config: ProtocolConfig | None = None) -> OfflineOutcome:
    config = replace(config or ProtocolConfig(), free_mode=True)
    proto = Protocol(config)
    for sample in samples:
        proto.feed(sample)
    proto.finish(samples[-1].time_s if samples else 0.0)
    return OfflineOutcome(tuple(proto.results()), tuple(proto.trials), tuple(proto.events), proto.rom.maxima())


def write_offline_report(
    samples: Sequence[PoseSample],
    pdf_path: str | os.PathLike[str] | None,
    csv_path: str | os.PathLike[str] | None = None,
    samples_csv_path: str | os.PathLike[str] | None = None,
    *,
    source: str = "",
    engine: str = "",
    norm_set: str = "ama",
    mdc_deg: float = 5.0,
    config: ProtocolConfig | None = None,
) -> OfflineOutcome:
    from app.report import report_data_from_run, write_pdf, write_samples_csv, write_trials_csv

    outcome = run_offline_protocol(samples, config)
    data = report_data_from_run(
        samples, outcome.trials, outcome.results, source=source, engine=engine,
        started_at=datetime.now(timezone.utc).replace(microsecond=0).isoformat(), norm_set=norm_set, mdc_deg=mdc_deg,
    )  # fmt: skip
    if pdf_path is not None:
        write_pdf(data, pdf_path)
    if csv_path is not None:
        write_trials_csv(data, csv_path)
    if samples_csv_path is not None:
        write_samples_csv(data, samples_csv_path)
    return outcome
