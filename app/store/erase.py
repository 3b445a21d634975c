"""Delete a patient and every trace: sessions, samples, events, results, video files, backups.

Steps, in this order so a failure part-way never leaves the patient half-visible:
1. one transaction deleting the patient (sessions, samples, events and results follow by
   ``ON DELETE CASCADE``) and adding the audit entry (who deleted which pseudonym, when, how much);
2. ``secure_delete`` + ``VACUUM`` + WAL checkpoint, so the deleted rows are not left in free pages
   of the database or in its -wal file;
3. the session videos (encrypted files) unlinked;
4. every rotating backup cleaned the same way (a backup that cannot be cleaned is deleted).
Damaged databases kept aside by a restore (``*.damaged-*``) are not readable, so they cannot be
cleaned: they are listed in the summary for the clinic to delete (see PRIVACY.md).
"""

from __future__ import annotations

import logging
import sqlite3
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from app.errors import CervicamError
from app.store import audit
from app.store.backup import scrub_backups

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Erased:
    pseudonym: str
    sessions: int
    samples: int
    videos: int
    backups_cleaned: int
    damaged_copies: tuple[Path, ...]  # files this cannot clean (restored-from-backup leftovers)


def delete_patient(store: Any, key: str | int) -> Erased:
    patient = store.get_patient(key)
    conn: sqlite3.Connection = store.conn
    sessions = conn.execute("SELECT id, video_file FROM sessions WHERE patient_id = ?", (patient.id,)).fetchall()
    ids = [sid for sid, _ in sessions]
    samples = 0
    if ids:
        marks = ",".join("?" * len(ids))
        samples = conn.execute(f"SELECT COUNT(*) FROM samples WHERE session_id IN ({marks})", ids).fetchone()[0]
    detail = f"{len(ids)} sessions, {samples} samples"
    try:
        conn.execute("PRAGMA secure_delete=ON")
        with conn:
            conn.execute("DELETE FROM patients WHERE id = ?", (patient.id,))
            conn.execute(
                "INSERT INTO audit_log (at, actor, action, patient, session_id, detail) "
                "VALUES (strftime('%Y-%m-%dT%H:%M:%S+00:00','now'), ?, ?, ?, NULL, ?)",
                (audit.current_actor(), audit.DELETE_PATIENT, patient.pseudonym, detail),
            )
        conn.execute("VACUUM")
        conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    except sqlite3.Error as exc:
        raise CervicamError(f"could not delete patient {patient.pseudonym} from {store.path}: {exc}") from None
    videos = 0
    for _, video in sessions:
        if video:
            path = Path(video) if Path(video).is_absolute() else store.path.parent / video
            try:
                path.unlink()
                videos += 1
            except FileNotFoundError:
                pass
            except OSError as exc:
                raise CervicamError(f"patient deleted, but its video {path} could not be removed: {exc}") from None

    def scrub(backup: sqlite3.Connection) -> None:
        backup.execute("DELETE FROM patients WHERE pseudonym = ?", (patient.pseudonym,))

    cleaned = scrub_backups(store.path, scrub)
    damaged = tuple(sorted(store.path.parent.glob(store.path.name + ".damaged-*")))
    log.info("deleted patient %s: %s, %d videos, %d backups cleaned", patient.pseudonym, detail, videos, cleaned)
    return Erased(patient.pseudonym, len(ids), samples, videos, cleaned, damaged)
