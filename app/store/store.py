"""The session store: patients, sessions, samples, events and results in one SQLite file (WAL).

See app/store/__init__.py for the public API summary; the records it returns are in
app/store/records.py, the sample/event rows in app/store/rows.py.
"""

from __future__ import annotations

import json
import logging
import os
import secrets
import sqlite3
import uuid
from pathlib import Path
from typing import Any, Iterable

from app.core.angles import DIRECTIONS
from app.core.norms import DEFAULT_NORM_SET
from app.core.protocol import MotionResult, Trial, motion_result
from app.core.types import PoseSample
from app.errors import CervicamError, InputError
from app.privacy.identity import IdentityVault
from app.store.patient_fields import validate_patient_fields
from app.store.paths import database_path
from app.store.private import private_database
from app.store.records import (
    CLOSED,
    INTERRUPTED,
    PATIENT_COLS,
    RECORDING,
    SESSION_COLS,
    Patient,
    Session,
    StoredEvent,
    now_iso,
    session_from_row,
)
from app.store.rows import (
    SAMPLE_COLUMNS,
    TRIAL_COLUMNS,
    join_flags,
    row_to_sample,
    row_to_trial,
    trial_to_row,
)
from app.store.schema import check_version, migrate
from app.store.sqlite_errors import SqliteFailure, classify

log = logging.getLogger(__name__)

# No 0/O/1/I: pseudonyms are read aloud and copied by hand.
_PSEUDONYM_ALPHABET = "23456789ABCDEFGHJKLMNPQRSTUVWXYZ"


def _wrap_sqlite(exc: sqlite3.Error, path: Path) -> CervicamError:
    text = str(exc)
    failure = classify(exc)
    if failure is SqliteFailure.DISK_FULL:
        return CervicamError(f"the disk holding {path} is full: nothing was saved ({text})")
    if failure is SqliteFailure.NOT_A_DATABASE:
        return InputError(f"{path} is not a readable cervicam database ({text})")
    return CervicamError(f"session database error in {path}: {text}")


class Store:
    """One open session database. Use from one thread; samples go through ``open_writer``."""

    def __init__(self, path: Path) -> None:
        self.path = Path(path)
        try:
            private_database(self.path)  # before SQLite creates it (and its -wal/-shm) with the umask's mode
        except OSError as exc:
            raise CervicamError(f"cannot create the data folder {self.path.parent}: {exc.strerror or exc}") from None
        try:
            self.conn = sqlite3.connect(self.path, timeout=30.0, check_same_thread=False)
        except sqlite3.Error as exc:
            raise _wrap_sqlite(exc, self.path) from None
        try:
            check_version(self.conn)  # before any pragma writes to a file we may not understand
            self.conn.execute("PRAGMA journal_mode=WAL")
            self.conn.execute("PRAGMA synchronous=NORMAL")
            self.conn.execute("PRAGMA foreign_keys=ON")
            migrate(self.conn)
        except sqlite3.Error as exc:
            self.conn.close()
            raise _wrap_sqlite(exc, self.path) from None
        except CervicamError:
            self.conn.close()
            raise
        self.vault = IdentityVault(self.conn, self.path)
        self.lock = None  # app.store.instance_lock.InstanceLock when opened through open_store
        self.notices: list[str] = []  # things the user must be told (database restored from backup)

    # ----- lifecycle ------------------------------------------------------------------------------
    def close(self) -> None:
        self.conn.close()
        if self.lock is not None:
            self.lock.release()
            self.lock = None

    def __enter__(self) -> "Store":
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def _write(self, sql: str, params: Iterable[Any] = ()) -> sqlite3.Cursor:
        try:
            with self.conn:
                return self.conn.execute(sql, tuple(params))
        except sqlite3.Error as exc:
            raise _wrap_sqlite(exc, self.path) from None

    # ----- patients ---------------------------------------------------------------------------------
    def create_patient(
        self,
        pseudonym: str | None = None,
        name: str | None = None,
        birth_year: int | None = None,
        age_band: str | None = None,
        sex: str | None = None,
    ) -> Patient:
        """A new patient; fields are checked by ``validate_patient_fields`` (InputError if impossible)."""
        fields = validate_patient_fields(pseudonym, name, birth_year, age_band, sex)
        pseudonym, name, birth_year, age_band, sex = (
            fields.pseudonym, fields.name, fields.birth_year, fields.age_band, fields.sex,
        )  # fmt: skip
        if pseudonym is None:
            pseudonym = self._new_pseudonym()
        elif self._find_patient(pseudonym) is not None:
            raise InputError(f"a patient {pseudonym!r} already exists")
        name_col, birth_col, identity = self.vault.columns_for(pseudonym, name, birth_year)
        cur = self._write(
            "INSERT INTO patients (pseudonym, name, birth_year, age_band, sex, created_at, identity) "
            "VALUES (?,?,?,?,?,?,?)",
            (pseudonym, name_col, birth_col, age_band, sex, now_iso(), identity),
        )
        return self.get_patient(int(cur.lastrowid))

    def _new_pseudonym(self) -> str:
        while True:
            candidate = "P-" + "".join(secrets.choice(_PSEUDONYM_ALPHABET) for _ in range(6))
            if self._find_patient(candidate) is None:
                return candidate

    def _find_patient(self, key: str | int) -> Patient | None:
        if isinstance(key, int) or (isinstance(key, str) and key.isdigit()):
            row = self.conn.execute(f"SELECT {PATIENT_COLS} FROM patients WHERE id = ?", (int(key),)).fetchone()
            if row is not None:
                return self._patient(row)
        row = self.conn.execute(f"SELECT {PATIENT_COLS} FROM patients WHERE pseudonym = ?", (str(key),)).fetchone()
        return self._patient(row) if row else None

    def _patient(self, row: tuple) -> Patient:
        pid, pseudonym, name, birth_year, age_band, sex, created_at, identity = row
        name, birth_year = self.vault.reveal(pseudonym, name, birth_year, identity)
        return Patient(pid, pseudonym, name, birth_year, age_band, sex, created_at)

    def get_patient(self, key: str | int) -> Patient:
        """By pseudonym ('P-7K3Q9X') or numeric id."""
        patient = self._find_patient(key)
        if patient is None:
            raise InputError(f"no patient {key!r} in {self.path}")
        return patient

    def list_patients(self) -> list[Patient]:
        return [self._patient(r) for r in self.conn.execute(f"SELECT {PATIENT_COLS} FROM patients ORDER BY id")]

    # ----- sessions ---------------------------------------------------------------------------------
    def start_session(
        self,
        patient_id: int,
        clinician: str = "",
        engine: str = "",
        model_card: dict[str, Any] | None = None,
        camera: str = "",
        notes: str = "",
        norm_set: str = DEFAULT_NORM_SET,
        protocol: dict[str, Any] | None = None,
        started_at: str | None = None,
    ) -> Session:
        self.get_patient(int(patient_id))
        cur = self._write(
            "INSERT INTO sessions (uid, patient_id, started_at, status, clinician, engine, model_card, camera, "
            "notes, norm_set, protocol) VALUES (?,?,?,?,?,?,?,?,?,?,?)",
            (
                uuid.uuid4().hex, patient_id, started_at or now_iso(), RECORDING, clinician, engine,
                json.dumps(model_card or {}), camera, notes, norm_set, json.dumps(protocol or {}),
            ),  # fmt: skip
        )
        return self.get_session(int(cur.lastrowid))

    def get_session(self, session_id: int | str) -> Session:
        try:
            sid = int(session_id)
        except (TypeError, ValueError):
            raise InputError(f"session id must be a number, not {session_id!r}") from None
        row = self.conn.execute(f"SELECT {SESSION_COLS} FROM sessions WHERE id = ?", (sid,)).fetchone()
        if row is None:
            raise InputError(f"no session {sid} in {self.path}")
        return session_from_row(row)

    def sessions(self, patient_id: int | None = None) -> list[Session]:
        if patient_id is None:
            rows = self.conn.execute(f"SELECT {SESSION_COLS} FROM sessions ORDER BY started_at, id")
        else:
            rows = self.conn.execute(
                f"SELECT {SESSION_COLS} FROM sessions WHERE patient_id = ? ORDER BY started_at, id", (patient_id,)
            )
        return [session_from_row(r) for r in rows]

    def previous_sessions(self, session_id: int) -> list[Session]:
        """The same patient's sessions that started before this one (oldest first)."""
        s = self.get_session(session_id)
        return [o for o in self.sessions(s.patient_id) if (o.started_at, o.id) < (s.started_at, s.id)]

    def update_session(self, session_id: int, **fields: Any) -> Session:
        allowed = {"clinician", "engine", "model_card", "camera", "notes", "norm_set", "protocol"}
        bad = set(fields) - allowed
        if bad:
            raise InputError(f"cannot update session field(s) {sorted(bad)}")
        self.get_session(session_id)
        for key, value in fields.items():
            if key in ("model_card", "protocol"):
                value = json.dumps(value or {})
            self._write(f"UPDATE sessions SET {key} = ? WHERE id = ?", (value, session_id))
        return self.get_session(session_id)

    def set_pain(self, session_id: int, motion: str, score: int | None) -> None:
        if motion not in DIRECTIONS:
            raise InputError(f"unknown motion {motion!r}")
        if score is not None and not (0 <= int(score) <= 10):
            raise InputError("pain must be 0..10")
        pain = dict(self.get_session(session_id).pain)
        if score is None:
            pain.pop(motion, None)
        else:
            pain[motion] = int(score)
        self._write("UPDATE sessions SET pain = ? WHERE id = ?", (json.dumps(pain), session_id))

    def close_session(self, session_id: int, status: str = CLOSED) -> Session:
        if status not in (CLOSED, INTERRUPTED):
            raise InputError(f"a session is closed as {str(CLOSED)!r} or {str(INTERRUPTED)!r}")
        self.get_session(session_id)
        self._write("UPDATE sessions SET status = ?, ended_at = ? WHERE id = ?", (status, now_iso(), session_id))
        return self.get_session(session_id)

    def interrupted_sessions(self) -> list[Session]:
        """Sessions still marked 'recording': the app stopped without closing them (a crash)."""
        rows = self.conn.execute(f"SELECT {SESSION_COLS} FROM sessions WHERE status = ? ORDER BY id", (RECORDING,))
        return [session_from_row(r) for r in rows]

    def resume_session(self, session_id: int) -> float:
        """Reopen a session for recording; returns the last stored sample time (0.0 if none).

        New samples should continue after that time so the session's timeline stays monotonic.
        """
        self.get_session(session_id)
        self._write("UPDATE sessions SET status = ?, ended_at = NULL WHERE id = ?", (RECORDING, session_id))
        row = self.conn.execute("SELECT MAX(time_s) FROM samples WHERE session_id = ?", (session_id,)).fetchone()
        return float(row[0]) if row and row[0] is not None else 0.0

    def delete_session(self, session_id: int) -> None:
        self.get_session(session_id)
        self._write("DELETE FROM sessions WHERE id = ?", (session_id,))

    # ----- samples, events, results -------------------------------------------------------------
    def open_writer(self, session_id: int, flush_interval_s: float = 0.5) -> "ResilientSampleWriter":
        """The session's background writer; a full or read-only disk does not stop recording
        (samples wait in memory, ``writer.warning`` says so), see app/store/resilient_writer.py."""
        from app.store.resilient_writer import ResilientSampleWriter

        self.get_session(session_id)
        return ResilientSampleWriter(self.path, session_id, flush_interval_s)

    def samples(self, session_id: int) -> list[PoseSample]:
        rows = self.conn.execute(
            f"SELECT {', '.join(SAMPLE_COLUMNS)} FROM samples WHERE session_id = ? ORDER BY time_s, id", (session_id,)
        )
        return [row_to_sample(r) for r in rows]

    def last_sample(self, session_id: int) -> PoseSample | None:
        """The session's latest stored sample (by time), or None if it has none."""
        row = self.conn.execute(
            f"SELECT {', '.join(SAMPLE_COLUMNS)} FROM samples WHERE session_id = ? ORDER BY time_s DESC, id DESC LIMIT 1",
            (session_id,),
        ).fetchone()
        return row_to_sample(row) if row else None

    def sample_count(self, session_id: int) -> int:
        return int(self.conn.execute("SELECT COUNT(*) FROM samples WHERE session_id = ?", (session_id,)).fetchone()[0])

    def events(self, session_id: int) -> list[StoredEvent]:
        rows = self.conn.execute(
            "SELECT time_s, kind, motion, trial_number, value_deg, message FROM events "
            "WHERE session_id = ? ORDER BY time_s, id",
            (session_id,),
        )
        return [StoredEvent(*r) for r in rows]

    def save_trials(self, session_id: int, trials: Iterable[Trial], required_trials: int | None = None) -> list[MotionResult]:
        """Replace the session's per-trial results and per-motion summaries (one transaction)."""
        session = self.get_session(session_id)
        trials = list(trials)
        results = _results(session, trials, required_trials)
        try:
            with self.conn:
                self.conn.execute("DELETE FROM results WHERE session_id = ?", (session_id,))
                self.conn.execute("DELETE FROM motion_results WHERE session_id = ?", (session_id,))
                self.conn.executemany(
                    f"INSERT INTO results (session_id, {', '.join(TRIAL_COLUMNS)}) VALUES "
                    f"({', '.join('?' * (len(TRIAL_COLUMNS) + 1))})",
                    [(session_id, *trial_to_row(t)) for t in trials],
                )
                self.conn.executemany(
                    "INSERT INTO motion_results (session_id, motion, recorded_deg, repeatable, tolerance_deg, "
                    "flags, complete) VALUES (?,?,?,?,?,?,?)",
                    [
                        (
                            session_id, r.motion, r.recorded_deg,
                            None if r.repeatable is None else int(r.repeatable),
                            r.tolerance_deg, join_flags(r.flags), int(r.complete),
                        )  # fmt: skip
                        for r in results
                    ],
                )
        except sqlite3.Error as exc:
            raise _wrap_sqlite(exc, self.path) from None
        return results

    def trials(self, session_id: int) -> list[Trial]:
        rows = self.conn.execute(
            f"SELECT {', '.join(TRIAL_COLUMNS)} FROM results WHERE session_id = ? ORDER BY start_s, id", (session_id,)
        )
        return [row_to_trial(r) for r in rows]

    def motion_results(self, session_id: int) -> list[MotionResult]:
        """Per-motion results, recomputed from the stored trials by the core's rule
        (``app.core.protocol.motion_result``), so every report judges repeatability the same way,
        also for sessions stored by an older rule (the motion_results table is a copy for exports)."""
        return _results(self.get_session(session_id), self.trials(session_id))

    def recorded(self, session_id: int) -> dict[str, float | None]:
        """Recorded maximum per direction (None where not measured)."""
        values: dict[str, float | None] = {d: None for d in DIRECTIONS}
        for r in self.motion_results(session_id):
            values[r.motion] = r.recorded_deg
        return values


def _results(session: Session, trials: list[Trial], required_trials: int | None = None) -> list[MotionResult]:
    """The session's per-motion results from its trials, with its protocol's options."""
    proto = session.protocol
    required = required_trials or int(proto.get("trials", 3))
    min_deg, fraction = float(proto.get("repeat_min_deg", 5.0)), float(proto.get("repeat_fraction", 0.10))
    motions = [m for m in DIRECTIONS if any(t.motion == m for t in trials)]
    return [motion_result(m, trials, required, min_deg, fraction, max_trials=proto.get("max_trials")) for m in motions]


def open_store(data_dir: str | os.PathLike[str] | None = None, passphrase: str | None = None) -> Store:
    """Open (creating and migrating) the session database in the data folder.

    Also: one process per data folder (lock), damage check with restore from the newest good
    backup (``store.notices`` says so), identities unlocked with ``passphrase`` (a GUI prompt)
    or else $CERVICAM_PASSPHRASE, and the daily rotating backup; see app/store/guard.py.
    """
    from app.store.guard import open_guarded

    return open_guarded(database_path(data_dir), passphrase=passphrase)
