"""Run the protocol over a recorded stream of PoseSample (``analyze --report``, ``record``).

A recorded video is not guided, so this runs the protocol in free mode: every excursion in any of
the six directions becomes a trial of that direction, the AMA rule is applied where there are
enough trials, and the running maxima are kept.

Public API
----------
* ``run_offline_protocol(samples, config=None) -> OfflineOutcome`` (results, trials, events, maxima).

Its report (PDF, CSVs) is written by :func:`app.report.offline.write_offline_report`: the core
does not import the report package, which imports the core.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
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

