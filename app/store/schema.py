"""Database schema and its migrations, versioned with ``PRAGMA user_version``.

Each entry of ``MIGRATIONS`` upgrades the database from version ``i`` to ``i + 1``; a database
written by a newer cervicam (user_version > SCHEMA_VERSION) is refused rather than guessed at.
"""

from __future__ import annotations

import sqlite3

from app.errors import InputError


def _per_session_table(name: str, columns: str, index: tuple[str, str]) -> str:
    """CREATE statements for a table whose rows belong to one session.

    Every such table has its own row id, the session's id (its rows are deleted with the session:
    erasing a patient must leave none behind) and an index that reads one session's rows in the
    order of ``index[1]``. ``columns``: the table's own column lines, each ending in a newline.
    """
    index_name, order_by = index
    return (
        f"CREATE TABLE {name} (\n"
        "    id INTEGER PRIMARY KEY,\n"
        "    session_id INTEGER NOT NULL REFERENCES sessions(id) ON DELETE CASCADE,\n"
        f"{columns});\n"
        f"CREATE INDEX {index_name} ON {name}(session_id, {order_by});\n"
    )


# Version 1: patients, their sessions, and each session's samples, events, trial results and
# per-motion results.
_V1 = (
    """
CREATE TABLE patients (
    id INTEGER PRIMARY KEY,
    pseudonym TEXT NOT NULL UNIQUE,
    name TEXT,
    birth_year INTEGER,
    age_band TEXT,
    sex TEXT,
    created_at TEXT NOT NULL
);
CREATE TABLE sessions (
    id INTEGER PRIMARY KEY,
    uid TEXT NOT NULL UNIQUE,
    patient_id INTEGER NOT NULL REFERENCES patients(id) ON DELETE CASCADE,
    started_at TEXT NOT NULL,
    ended_at TEXT,
    status TEXT NOT NULL DEFAULT 'recording',
    clinician TEXT NOT NULL DEFAULT '',
    engine TEXT NOT NULL DEFAULT '',
    model_card TEXT NOT NULL DEFAULT '{}',
    camera TEXT NOT NULL DEFAULT '',
    notes TEXT NOT NULL DEFAULT '',
    pain TEXT NOT NULL DEFAULT '{}',
    norm_set TEXT NOT NULL DEFAULT 'ama',
    protocol TEXT NOT NULL DEFAULT '{}'
);
CREATE INDEX sessions_patient ON sessions(patient_id, started_at);
"""
    + _per_session_table(
        "samples",
        """\
    frame_index INTEGER NOT NULL,
    time_s REAL NOT NULL,
    detected INTEGER NOT NULL,
    quality REAL NOT NULL,
    yaw_deg REAL, pitch_deg REAL, roll_deg REAL,
    raw_yaw_deg REAL, raw_pitch_deg REAL, raw_roll_deg REAL,
    trunk_rotation_deg REAL, trunk_lean_deg REAL,
    source TEXT NOT NULL DEFAULT '',
    flags TEXT NOT NULL DEFAULT ''
""",
        index=("samples_session_time", "time_s"),
    )
    + _per_session_table(
        "events",
        """\
    time_s REAL NOT NULL,
    kind TEXT NOT NULL,
    motion TEXT,
    trial_number INTEGER,
    value_deg REAL,
    message TEXT NOT NULL DEFAULT ''
""",
        index=("events_session", "time_s"),
    )
    + _per_session_table(
        "results",
        """\
    motion TEXT NOT NULL,
    kind TEXT NOT NULL,
    number INTEGER NOT NULL,
    start_s REAL NOT NULL,
    peak_s REAL NOT NULL,
    end_s REAL NOT NULL,
    max_deg REAL NOT NULL,
    flags TEXT NOT NULL DEFAULT '',
    discarded INTEGER NOT NULL DEFAULT 0,
    manual INTEGER NOT NULL DEFAULT 0
""",
        index=("results_session", "motion"),
    )
    + """\
CREATE TABLE motion_results (
    session_id INTEGER NOT NULL REFERENCES sessions(id) ON DELETE CASCADE,
    motion TEXT NOT NULL,
    recorded_deg REAL,
    repeatable INTEGER,
    tolerance_deg REAL,
    flags TEXT NOT NULL DEFAULT '',
    complete INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (session_id, motion)
);
"""
)

# Version 2 (privacy, issue 8): an append-only audit log (triggers abort UPDATE/DELETE), the
# sealed identity of a patient when a passphrase is set, per-session recording consent and the
# encrypted video file, and the key-derivation settings.
_V2 = """
CREATE TABLE audit_log (
    id INTEGER PRIMARY KEY,
    at TEXT NOT NULL,
    actor TEXT NOT NULL,
    action TEXT NOT NULL,
    patient TEXT,
    session_id INTEGER,
    detail TEXT NOT NULL DEFAULT ''
);
CREATE TRIGGER audit_log_no_update BEFORE UPDATE ON audit_log
BEGIN SELECT RAISE(ABORT, 'the audit log is append-only'); END;
CREATE TRIGGER audit_log_no_delete BEFORE DELETE ON audit_log
BEGIN SELECT RAISE(ABORT, 'the audit log is append-only'); END;
CREATE TABLE privacy (key TEXT PRIMARY KEY, value BLOB NOT NULL);
ALTER TABLE patients ADD COLUMN identity BLOB;
ALTER TABLE sessions ADD COLUMN recording_consent INTEGER NOT NULL DEFAULT 0;
ALTER TABLE sessions ADD COLUMN video_file TEXT;
"""

# MIGRATIONS[i] takes the database from user_version i to i + 1.
MIGRATIONS: list[str] = [_V1, _V2]
SCHEMA_VERSION = len(MIGRATIONS)


def check_version(conn: sqlite3.Connection) -> int:
    """The database's schema version; refuses one newer than this code (before anything writes)."""
    found = conn.execute("PRAGMA user_version").fetchone()[0]
    if found > SCHEMA_VERSION:
        raise InputError(
            f"the database has schema version {found}, newer than this cervicam understands "
            f"({SCHEMA_VERSION}); update cervicam"
        )
    return found


def migrate(conn: sqlite3.Connection) -> int:
    """Bring ``conn`` to SCHEMA_VERSION; returns the version found before migrating."""
    found = check_version(conn)
    for version in range(found, SCHEMA_VERSION):
        # executescript commits first; BEGIN makes each step all-or-nothing.
        conn.executescript(f"BEGIN; {MIGRATIONS[version]}; PRAGMA user_version = {version + 1}; COMMIT;")
    return found
