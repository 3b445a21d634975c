"""The default name and folder of an exported report: ``cervicam_<patient>_<YYYY-MM-DD>.pdf`` in
the user's documents folder, so a folder of exports can be read without opening each file.

The date is the session's local calendar day (what the clinician's diary says), the patient is
the pseudonymous ID shown everywhere else (never the name: file names end up in mail
subjects and backup listings).
"""

from __future__ import annotations

import re
from pathlib import Path

from app.local_time import local_date

PREFIX = "cervicam"
# Anything a file system or a mail client could stumble on becomes '-'.
_UNSAFE = re.compile(r"[^A-Za-z0-9._-]+")


def documents_dir() -> Path:
    """The user's documents folder (platformdirs), or the home folder where there is none."""
    from platformdirs import user_documents_dir

    folder = Path(user_documents_dir())
    return folder if folder.is_dir() else Path.home()


def report_file_name(patient_label: str, started_at: str, suffix: str = ".pdf") -> str:
    """'cervicam_P-7K3Q9X_2026-05-01.pdf' for that patient's session started that (local) day."""
    patient = _UNSAFE.sub("-", patient_label.strip()).strip("-.") or "patient"
    day = local_date(started_at)
    return "_".join(p for p in (PREFIX, patient, day) if p) + suffix


def default_report_path(patient_label: str, started_at: str, folder: Path | None = None) -> Path:
    """Where the export dialog proposes to write the report (``folder`` default: documents)."""
    return (folder if folder is not None else documents_dir()) / report_file_name(patient_label, started_at)
