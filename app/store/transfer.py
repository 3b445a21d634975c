"""Export one patient (with all sessions, samples, events, results) as one file, and import it.

File format: gzip-compressed JSON ``{"format": "cervicam-patient", "schema_version": N,
"exported_at": ..., "patient": {...}, "sessions": [...]}``; each session holds its columns plus
``samples`` / ``events`` / ``results`` / ``motion_results`` as row lists whose column names are
given once in ``columns``. Sessions are identified by their ``uid`` so importing the same file twice
adds nothing. Import is one transaction: a corrupt or newer file leaves the database untouched.

Public API: ``export_patient(store, patient_key, path, include_identity=True) -> int`` (sessions
written), ``import_patient(store, path) -> ImportSummary``.
"""

from __future__ import annotations

import gzip
import json
import os
import sqlite3
import zlib
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from app.core.norms import DEFAULT_NORM_SET
from app.errors import CervicamError, InputError, read_input_bytes
from app.store.rows import EVENT_COLUMNS, SAMPLE_COLUMNS, TRIAL_COLUMNS
from app.store import audit
from app.store.private import private_file
from app.store.schema import SCHEMA_VERSION
from app.store.records import CLOSED, Patient, now_iso
from app.store.sqlite_errors import SqliteFailure, classify
from app.store.store import Store

FORMAT = "cervicam-patient"
SESSION_FIELDS = (
    "uid", "started_at", "ended_at", "status", "clinician", "engine", "model_card", "camera", "notes",
    "pain", "norm_set", "protocol",
)  # fmt: skip
MOTION_RESULT_COLUMNS = ("motion", "recorded_deg", "repeatable", "tolerance_deg", "flags", "complete")
PATIENT_FIELDS = ("pseudonym", "name", "birth_year", "age_band", "sex", "created_at")


@dataclass(frozen=True)
class ImportSummary:
    patient: Patient
    sessions_added: int
    sessions_skipped: int  # already present (same uid)


def export_patient(store: Store, patient_key: str | int, path: str | os.PathLike[str], include_identity: bool = True) -> int:
    patient = store.get_patient(patient_key)
    conn = store.conn
    patient_data = {k: getattr(patient, k) for k in PATIENT_FIELDS}
    if not include_identity:
        patient_data.update(name=None, birth_year=None)
    sessions = []
    for row in conn.execute(
        f"SELECT id, {', '.join(SESSION_FIELDS)} FROM sessions WHERE patient_id = ? ORDER BY id", (patient.id,)
    ).fetchall():
        sid, values = row[0], row[1:]
        data: dict[str, Any] = dict(zip(SESSION_FIELDS, values))
        for key in ("model_card", "pain", "protocol"):
            data[key] = json.loads(data[key] or "{}")
        data["samples"] = _rows(conn, "samples", SAMPLE_COLUMNS, sid)
        data["events"] = _rows(conn, "events", EVENT_COLUMNS, sid)
        data["results"] = _rows(conn, "results", TRIAL_COLUMNS, sid)
        data["motion_results"] = _rows(conn, "motion_results", MOTION_RESULT_COLUMNS, sid)
        sessions.append(data)
    document = {
        "format": FORMAT,
        "schema_version": SCHEMA_VERSION,
        "exported_at": now_iso(),
        # What a reader of this file holds (privacy: exports say what they contain).
        "contents": export_contents(patient_data, sessions),
        "columns": {
            "samples": SAMPLE_COLUMNS,
            "events": EVENT_COLUMNS,
            "results": TRIAL_COLUMNS,
            "motion_results": MOTION_RESULT_COLUMNS,
        },
        "patient": patient_data,
        "sessions": sessions,
    }
    target = Path(path)
    tmp = target.with_name(target.name + ".part")
    try:
        private_file(tmp)  # a patient's health data: readable by the user only
        with gzip.open(tmp, "wt", encoding="utf-8") as f:
            json.dump(document, f, separators=(",", ":"))
        os.replace(tmp, target)
    except OSError as exc:
        tmp.unlink(missing_ok=True)
        raise CervicamError(f"cannot write {target}: {exc}") from None
    audit.record(conn, audit.EXPORT_PATIENT, patient.pseudonym, detail=f"{target.name}: {document['contents']}")
    return len(sessions)


def export_contents(patient_data: dict[str, Any], sessions: list[dict[str, Any]]) -> str:
    identity = "name and/or birth year" if patient_data.get("name") or patient_data.get("birth_year") else "no name, no birth year"
    samples = sum(len(s["samples"]) for s in sessions)
    return (
        f"health data of patient {patient_data['pseudonym']} ({identity}): {len(sessions)} sessions with "
        f"{samples} head-angle samples, events and results; no video or images"
    )


def _rows(conn: sqlite3.Connection, table: str, columns: tuple[str, ...], session_id: int) -> list[list[Any]]:
    order = "id" if table != "motion_results" else "motion"
    return [
        list(r)
        for r in conn.execute(f"SELECT {', '.join(columns)} FROM {table} WHERE session_id = ? ORDER BY {order}", (session_id,))
    ]


def read_export(path: str | os.PathLike[str]) -> dict[str, Any]:
    """Parse and validate an export file; InputError with one message for anything wrong."""
    p = Path(path)
    raw = read_input_bytes(p)
    try:
        text = gzip.decompress(raw).decode("utf-8") if raw[:2] == b"\x1f\x8b" else raw.decode("utf-8")
        document = json.loads(text)
    except (OSError, EOFError, zlib.error, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise InputError(f"{p} is not a cervicam patient export (corrupt or truncated: {exc})") from None
    if not isinstance(document, dict) or document.get("format") != FORMAT:
        raise InputError(f"{p} is not a cervicam patient export (format {FORMAT!r} expected)")
    version = document.get("schema_version")
    if not isinstance(version, int) or version < 1:
        raise InputError(f"{p} has no valid schema_version")
    if version > SCHEMA_VERSION:
        raise InputError(
            f"{p} was exported by a newer cervicam (schema {version} > {SCHEMA_VERSION}); update cervicam to import it"
        )
    try:
        patient = document["patient"]
        if not isinstance(patient.get("pseudonym"), str) or not patient["pseudonym"]:
            raise KeyError("pseudonym")
        columns = document["columns"]
        for name, expected in (("samples", SAMPLE_COLUMNS), ("events", EVENT_COLUMNS), ("results", TRIAL_COLUMNS)):
            if tuple(columns[name]) != expected:
                # Older schemas would be converted here; version 1 is the only one so far.
                raise KeyError(f"columns.{name}")
        for session in document["sessions"]:
            for key in ("uid", "started_at", "samples", "events", "results"):
                session[key]
    except (KeyError, TypeError, AttributeError) as exc:
        raise InputError(f"{p} is not a complete cervicam patient export (missing {exc})") from None
    return document


def import_patient(store: Store, path: str | os.PathLike[str]) -> ImportSummary:
    document = read_export(path)
    conn = store.conn
    pdata = document["patient"]
    added = skipped = 0
    try:
        with conn:  # one transaction: all or nothing
            patient_id = _patient_id(store, pdata)
            for s in document["sessions"]:
                if conn.execute("SELECT 1 FROM sessions WHERE uid = ?", (s["uid"],)).fetchone():
                    skipped += 1
                    continue
                _insert_session(conn, patient_id, s)
                added += 1
    except (sqlite3.Error, TypeError, ValueError) as exc:
        text = str(exc)
        if classify(exc) is SqliteFailure.DISK_FULL:
            raise CervicamError(f"the disk is full: nothing was imported ({text})") from None
        raise InputError(f"{path} could not be imported, nothing was changed ({text})") from None
    audit.record(conn, audit.IMPORT_PATIENT, pdata["pseudonym"], detail=f"{added} sessions from {Path(path).name}")
    return ImportSummary(store.get_patient(patient_id), added, skipped)


def _patient_id(store: Store, pdata: dict[str, Any]) -> int:
    """The exported patient's id here: the existing one with that pseudonym, else a new row."""
    conn = store.conn
    row = conn.execute("SELECT id FROM patients WHERE pseudonym = ?", (pdata["pseudonym"],)).fetchone()
    if row is not None:
        return int(row[0])
    # Identity goes through the vault: sealed when this database has a passphrase.
    name, birth_year, identity = store.vault.columns_for(pdata["pseudonym"], pdata.get("name"), pdata.get("birth_year"))
    cur = conn.execute(
        "INSERT INTO patients (pseudonym, name, birth_year, age_band, sex, created_at, identity) "
        "VALUES (?,?,?,?,?,?,?)",
        (
            pdata["pseudonym"], name, birth_year, pdata.get("age_band"), pdata.get("sex"),
            pdata.get("created_at") or now_iso(), identity,
        ),  # fmt: skip
    )
    return int(cur.lastrowid)


def _session_values(s: dict[str, Any]) -> list[Any]:
    """An exported session's SESSION_FIELDS as database values (JSON columns encoded, gaps filled)."""
    values = []
    for key in SESSION_FIELDS:
        v = s.get(key)
        if key in ("model_card", "pain", "protocol"):
            v = json.dumps(v or {})
        elif key in ("clinician", "engine", "camera", "notes") and v is None:
            v = ""
        values.append(v)
    values[SESSION_FIELDS.index("status")] = values[SESSION_FIELDS.index("status")] or CLOSED
    values[SESSION_FIELDS.index("norm_set")] = values[SESSION_FIELDS.index("norm_set")] or DEFAULT_NORM_SET
    return values


def _insert_session(conn: sqlite3.Connection, patient_id: int, s: dict[str, Any]) -> None:
    """One exported session with its samples, events, trials and per-motion results."""
    cur = conn.execute(
        f"INSERT INTO sessions (patient_id, {', '.join(SESSION_FIELDS)}) "
        f"VALUES ({', '.join('?' * (len(SESSION_FIELDS) + 1))})",
        (patient_id, *_session_values(s)),
    )
    sid = int(cur.lastrowid)
    for table, columns in (
        ("samples", SAMPLE_COLUMNS),
        ("events", EVENT_COLUMNS),
        ("results", TRIAL_COLUMNS),
        ("motion_results", MOTION_RESULT_COLUMNS),
    ):
        conn.executemany(
            f"INSERT INTO {table} (session_id, {', '.join(columns)}) VALUES ({', '.join('?' * (len(columns) + 1))})",
            [(sid, *r) for r in s.get(table) or []],
        )
