"""What the store hands out: patients, sessions and stored events as frozen records, and how a
session row of the database becomes one."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import datetime, timezone
from enum import StrEnum
from typing import Any

from app.core.norms import DEFAULT_NORM_SET


class SessionStatus(StrEnum):
    """A session's ``status`` column (plain strings in the database)."""

    RECORDING = "recording"  # open; still 'recording' at start-up means the app stopped without closing it
    CLOSED = "closed"
    INTERRUPTED = "interrupted"  # closed after a crash, with what was stored


RECORDING, CLOSED, INTERRUPTED = SessionStatus.RECORDING, SessionStatus.CLOSED, SessionStatus.INTERRUPTED


def now_iso() -> str:
    return datetime.now(timezone.utc).replace(microsecond=0).isoformat()


@dataclass(frozen=True)
class Patient:
    id: int
    pseudonym: str
    name: str | None = None
    birth_year: int | None = None
    age_band: str | None = None
    sex: str | None = None
    created_at: str = ""


@dataclass(frozen=True)
class Session:
    id: int
    uid: str
    patient_id: int
    started_at: str
    ended_at: str | None
    status: str
    clinician: str = ""
    engine: str = ""
    model_card: dict[str, Any] = field(default_factory=dict)
    camera: str = ""
    notes: str = ""
    pain: dict[str, int] = field(default_factory=dict)
    norm_set: str = DEFAULT_NORM_SET
    protocol: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class StoredEvent:
    time_s: float
    kind: str
    motion: str | None
    trial_number: int | None
    value_deg: float | None
    message: str


# identity (schema v2): name and birth year sealed with the passphrase key; see app.privacy.identity.
PATIENT_COLS = "id, pseudonym, name, birth_year, age_band, sex, created_at, identity"
SESSION_COLS = (
    "id, uid, patient_id, started_at, ended_at, status, clinician, engine, model_card, camera, "
    "notes, pain, norm_set, protocol"
)


def session_from_row(row: tuple) -> Session:
    """A ``SELECT SESSION_COLS`` row as a Session (the JSON columns decoded)."""
    (sid, uid, pid, started, ended, status, clinician, engine, card, camera, notes, pain, norm, proto) = row
    return Session(
        sid, uid, pid, started, ended, status, clinician, engine, json.loads(card or "{}"), camera,
        notes, json.loads(pain or "{}"), norm, json.loads(proto or "{}"),
    )  # fmt: skip
