"""Append-only audit log: who viewed, exported, imported or deleted which patient/session, when.

The table (schema v2) has triggers that abort any UPDATE or DELETE, so entries can only be added;
the who is ``$CERVICAM_USER`` when set (a clinician's name on a shared login), else the OS user.
"""

from __future__ import annotations

import getpass
import logging
import os
import sqlite3
from dataclasses import dataclass
from datetime import datetime, timezone

log = logging.getLogger(__name__)

USER_ENV = "CERVICAM_USER"
VIEW_SESSION = "view_session"
EXPORT_REPORT = "export_report"
EXPORT_PATIENT = "export_patient"
IMPORT_PATIENT = "import_patient"
DELETE_PATIENT = "delete_patient"
STORE_VIDEO = "store_video"
VIEW_VIDEO = "view_video"
SET_PASSPHRASE = "set_passphrase"


@dataclass(frozen=True)
class AuditEntry:
    at: str
    actor: str
    action: str
    patient: str | None
    session_id: int | None
    detail: str


def current_actor() -> str:
    env = os.environ.get(USER_ENV)
    if env:
        return env
    try:
        return getpass.getuser()
    except (KeyError, OSError):  # no user name for this uid (containers)
        return f"uid {os.getuid()}" if hasattr(os, "getuid") else "unknown"


def record(
    conn: sqlite3.Connection, action: str, patient: str | None = None, session_id: int | None = None, detail: str = ""
) -> None:
    """Add one entry (its own transaction). A failure is logged, not raised: auditing a view must
    not stop a clinician from seeing a report; exports and deletions check their own writes."""
    stamp = datetime.now(timezone.utc).isoformat(timespec="seconds")
    try:
        with conn:
            conn.execute(
                "INSERT INTO audit_log (at, actor, action, patient, session_id, detail) VALUES (?,?,?,?,?,?)",
                (stamp, current_actor(), action, patient, session_id, detail),
            )
    except sqlite3.Error as exc:
        log.warning("could not write the audit log (%s %s): %s", action, patient or session_id, exc)


def entries(conn: sqlite3.Connection, patient: str | None = None) -> list[AuditEntry]:
    sql = "SELECT at, actor, action, patient, session_id, detail FROM audit_log"
    rows = conn.execute(sql + (" WHERE patient = ?" if patient else "") + " ORDER BY id", (patient,) if patient else ())
    return [AuditEntry(*r) for r in rows]
