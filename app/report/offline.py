"""Report of an offline run that is not stored (``analyze VIDEO --report OUT.pdf``).

The protocol is run by the measuring core (:func:`app.core.offline_protocol.run_offline_protocol`);
this module only turns its outcome into the report's PDF and CSVs, so that the core never
imports the report package (which imports the core).
"""

from __future__ import annotations

import os
from datetime import datetime, timezone
from typing import Sequence

from app.core.norms import DEFAULT_NORM_SET
from app.core.offline_protocol import OfflineOutcome, run_offline_protocol
from app.core.protocol import ProtocolConfig
from app.core.types import PoseSample
from app.report.csv_out import write_samples_csv, write_trials_csv
from app.report.data import report_data_from_run
from app.report.pdf import write_pdf


def write_offline_report(
    samples: Sequence[PoseSample],
    pdf_path: str | os.PathLike[str] | None,
    csv_path: str | os.PathLike[str] | None = None,
    samples_csv_path: str | os.PathLike[str] | None = None,
    *,
    source: str = "",
    engine: str = "",
    norm_set: str = DEFAULT_NORM_SET,
    mdc_deg: float = 5.0,
    config: ProtocolConfig | None = None,
) -> OfflineOutcome:
    """Run the protocol in free mode over ``samples`` and write the reports asked for."""
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
