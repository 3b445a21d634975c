"""Rotating backups of the session database and recovery from a damaged one.

* ``make_daily_backup(conn, db_path)``: at most one backup per calendar day, written with SQLite's
  online backup API (a consistent copy even while a writer is recording), into
  ``<data folder>/backups/cervicam-YYYY-MM-DD.sqlite3``; older ones beyond ``keep`` are deleted.
* ``check_database(db_path)``: ``PRAGMA quick_check`` on a fresh read-only connection; returns
  None when sound, else what SQLite said.
* ``restore_newest_good(db_path)``: moves the damaged file (and its -wal/-shm) aside as
  ``cervicam.sqlite3.damaged-<time>`` (never deleted: a specialist may still save something) and
  copies the newest backup that passes ``integrity_check`` in its place.
* ``scrub_backups(db_path, delete_sql)``: applies a deletion to every backup (delete patient).
"""

from __future__ import annotations

import logging
import os
import shutil
import sqlite3
from dataclasses import dataclass
from datetime import date, datetime, timezone
from pathlib import Path
from typing import Callable

from app.errors import CervicamError, InputError
from app.store.private import private_dir, private_file, tighten

log = logging.getLogger(__name__)

BACKUP_DIR = "backups"
PREFIX = "cervicam-"
SUFFIX = ".sqlite3"
DEFAULT_KEEP = 7


@dataclass(frozen=True)
class Restored:
    backup: Path  # the backup that was copied in
    damaged: Path  # where the damaged database was moved
    problem: str  # what SQLite said about it

    @property
    def message(self) -> str:
        return (
            f"the session database was damaged ({self.problem}); it was restored from the backup of "
            f"{backup_day(self.backup)}. Sessions recorded after that backup are not in it; the damaged "
            f"file is kept as {self.damaged}"
        )


def backups_dir(db_path: Path) -> Path:
    return Path(db_path).parent / BACKUP_DIR


def backup_day(path: Path) -> str:
    return path.name[len(PREFIX) : -len(SUFFIX)]


def list_backups(db_path: Path) -> list[Path]:
    """Backups, newest first (by the date in their name)."""
    folder = backups_dir(db_path)
    if not folder.is_dir():
        return []
    found = [p for p in folder.glob(f"{PREFIX}*{SUFFIX}") if _is_day(backup_day(p))]
    return sorted(found, key=lambda p: backup_day(p), reverse=True)


def _is_day(text: str) -> bool:
    try:
        date.fromisoformat(text)
        return True
    except ValueError:
        return False


def make_daily_backup(
    conn: sqlite3.Connection, db_path: Path, keep: int = DEFAULT_KEEP, today: date | None = None
) -> Path | None:
    """Today's backup if there is none yet (None if it already existed); rotates to ``keep``.

    A failed backup (disk full, read-only folder) is logged, never raised: it must not stop a
    clinician from measuring.
    """
    day = (today or date.today()).isoformat()
    folder = backups_dir(db_path)
    target = folder / f"{PREFIX}{day}{SUFFIX}"
    made: Path | None = None
    if not target.exists():
        tmp = target.with_name(target.name + ".part")
        try:
            private_dir(folder)
            private_file(tmp)  # SQLite writes into it (and its journal) with this mode
            dst = sqlite3.connect(tmp)
            try:
                conn.backup(dst)
                dst.execute("PRAGMA journal_mode=DELETE")  # one self-contained file
            finally:
                dst.close()
            os.chmod(tmp, 0o600)
            os.replace(tmp, target)
            made = target
            log.info("database backup written: %s", target)
        except (OSError, sqlite3.Error) as exc:
            log.warning("could not write the daily database backup %s: %s", target, exc)
            try:
                tmp.unlink(missing_ok=True)
            except OSError:
                pass
            return None
    rotate(db_path, keep)
    return made


def rotate(db_path: Path, keep: int = DEFAULT_KEEP) -> list[Path]:
    """Delete backups beyond the newest ``keep``; returns the deleted files."""
    removed = []
    for old in list_backups(db_path)[max(1, keep) :]:
        try:
            old.unlink()
            removed.append(old)
        except OSError as exc:
            log.warning("could not delete old backup %s: %s", old, exc)
    return removed


def check_database(db_path: Path, full: bool = False) -> str | None:
    """None if the file is a sound SQLite database, else SQLite's complaint (one line)."""
    uri = f"file:{Path(db_path).resolve()}?mode=ro"
    try:
        conn = sqlite3.connect(uri, uri=True, timeout=30.0)
    except sqlite3.Error as exc:
        return str(exc)
    try:
        rows = conn.execute("PRAGMA integrity_check" if full else "PRAGMA quick_check").fetchall()
        text = "; ".join(str(r[0]) for r in rows[:3])
        return None if text == "ok" else text
    except sqlite3.DatabaseError as exc:
        return str(exc)
    finally:
        conn.close()


def restore_newest_good(db_path: Path) -> Restored:
    """Replace a damaged database by the newest sound backup; CervicamError if there is none."""
    db_path = Path(db_path)
    problem = check_database(db_path) or "unknown damage"
    good = next((b for b in list_backups(db_path) if check_database(b, full=True) is None), None)
    if good is None:
        raise InputError(
            f"{db_path} is not a readable cervicam database ({problem}) and there is no usable backup in "
            f"{backups_dir(db_path)}; nothing was changed: keep a copy of the file and ask for help"
        )
    stamp = datetime.now(timezone.utc).strftime("%Y%m%dT%H%M%SZ")
    damaged = db_path.with_name(f"{db_path.name}.damaged-{stamp}")
    try:
        for suffix in ("", "-wal", "-shm"):
            src = Path(str(db_path) + suffix)
            if src.exists():
                os.replace(src, Path(str(damaged) + suffix))
                tighten(Path(str(damaged) + suffix))  # kept for a specialist, still health data
        tmp = private_file(db_path.with_name(db_path.name + ".restoring"))
        shutil.copyfile(good, tmp)  # into the existing 0600 file: never readable by others
        os.replace(tmp, db_path)
    except OSError as exc:
        raise CervicamError(f"could not restore {db_path} from {good}: {exc.strerror or exc}") from None
    restored = Restored(good, damaged, problem)
    log.warning("%s", restored.message)
    return restored


def scrub_backups(db_path: Path, scrub: Callable[[sqlite3.Connection], None]) -> int:
    """Apply ``scrub(conn)`` to every backup, then VACUUM it so nothing deleted stays in its pages."""
    done = 0
    for backup in list_backups(db_path):
        try:
            conn = sqlite3.connect(backup)
            try:
                conn.execute("PRAGMA foreign_keys=ON")
                conn.execute("PRAGMA secure_delete=ON")
                with conn:
                    scrub(conn)
                conn.execute("VACUUM")
            finally:
                conn.close()
            done += 1
        except sqlite3.Error as exc:
            # A backup that cannot be cleaned must not keep what was deleted: remove it.
            log.warning("backup %s could not be cleaned (%s); deleting it", backup, exc)
            backup.unlink(missing_ok=True)
    return done
