"""Reports of a session: PDF (matplotlib, no GUI backend) and CSV.

Public API
----------
* ``report_data_from_store(store, session_id, norm_set=None, mdc_deg=5.0, show_identity=False)``
  -> ``ReportData`` (patient shown by pseudonym unless ``show_identity``).
* ``report_data_from_run(samples, trials, results, source=, engine=, norm_set=)`` -> ``ReportData``
  for an offline analysis that is not stored.
* ``write_pdf(data, path) -> pages``, ``write_trials_csv(data, path) -> rows``,
  ``write_samples_csv(data, path) -> rows``.
* ``write_offline_report(samples, pdf_path, csv_path=None, samples_csv_path=None, *, source='',
  engine='', norm_set=DEFAULT_NORM_SET, mdc_deg=5.0, config=None) -> OfflineOutcome``: the protocol run
  offline over measured samples, and its report (``analyze VIDEO --report OUT.pdf``).
"""

from app.report.csv_out import write_samples_csv, write_trials_csv
from app.report.data import ReportData, SessionSummary, report_data_from_run, report_data_from_store
from app.report.offline import write_offline_report
from app.report.pdf import write_pdf

__all__ = [
    "ReportData", "SessionSummary", "report_data_from_run", "report_data_from_store", "write_pdf",
    "write_offline_report", "write_samples_csv", "write_trials_csv",
]  # fmt: skip
