"""Session video: stored only with the patient's recording consent for that session, encrypted.

Angles are all cervicam needs, so by default no image of the patient is ever written. When the
clinician ticks consent for a session, its video file can be kept in ``<data>/videos/`` as
``<session uid>.cvid``: chunks of 1 MiB, each AES-256-GCM sealed with the passphrase key and bound
to the session and its position (chunks cannot be reordered, dropped or swapped between sessions).
Without a passphrase there is no key, so no video is stored at all.
"""

from __future__ import annotations

import os
import struct
from pathlib import Path
from typing import Any

from app.errors import CervicamError, InputError
from app.privacy.crypto import decrypt, encrypt
from app.privacy.identity import PASSPHRASE_ENV
from app.store import audit
from app.store.private import private_dir, private_file

VIDEO_DIR = "videos"
MAGIC = b"CVVIDEO1"
CHUNK = 1 << 20


def set_recording_consent(store: Any, session_id: int, consent: bool) -> None:
    store.get_session(session_id)
    with store.conn:
        store.conn.execute("UPDATE sessions SET recording_consent = ? WHERE id = ?", (int(bool(consent)), session_id))


def has_consent(store: Any, session_id: int) -> bool:
    store.get_session(session_id)
    row = store.conn.execute("SELECT recording_consent FROM sessions WHERE id = ?", (session_id,)).fetchone()
    return bool(row[0])


def _aad(uid: str, index: int, last: bool) -> bytes:
    return f"video:{uid}:{index}:{int(last)}".encode()


def store_video(store: Any, session_id: int, source: str | os.PathLike[str]) -> Path:
    """Encrypt ``source`` into the data folder as the session's video; returns the stored file."""
    session = store.get_session(session_id)
    if not has_consent(store, session_id):
        raise InputError(f"session {session_id} has no recording consent: its video is not stored (angles only)")
    if store.vault.key is None:
        raise InputError(f"storing video needs a passphrase (${PASSPHRASE_ENV}): video is only ever stored encrypted")
    src = Path(source)
    folder = store.path.parent / VIDEO_DIR
    target = folder / f"{session.uid}.cvid"
    tmp = target.with_name(target.name + ".part")
    try:
        private_dir(folder)
        if not src.is_file():
            raise FileNotFoundError(src)  # before an empty .part is left behind
        private_file(tmp)
        with open(src, "rb") as fin, open(tmp, "wb") as fout:  # 'wb' keeps the file's 0600
            fout.write(MAGIC)
            index, chunk = 0, fin.read(CHUNK)
            while True:
                nxt = fin.read(CHUNK)
                blob = encrypt(store.vault.key, chunk, _aad(session.uid, index, not nxt))
                fout.write(struct.pack(">I", len(blob)) + blob)
                if not nxt:
                    break
                index, chunk = index + 1, nxt
        os.replace(tmp, target)
    except FileNotFoundError:
        raise InputError(f"video file not found: {src}") from None
    except OSError as exc:
        tmp.unlink(missing_ok=True)
        raise CervicamError(f"cannot store the video of session {session_id}: {exc.strerror or exc}") from None
    with store.conn:
        store.conn.execute("UPDATE sessions SET video_file = ? WHERE id = ?", (f"{VIDEO_DIR}/{target.name}", session_id))
    patient = store.get_patient(session.patient_id)
    audit.record(store.conn, audit.STORE_VIDEO, patient.pseudonym, session_id, target.name)
    return target


def extract_video(store: Any, session_id: int, out: str | os.PathLike[str]) -> Path:
    """Decrypt the session's stored video to ``out`` (audited as a view)."""
    session = store.get_session(session_id)
    row = store.conn.execute("SELECT video_file FROM sessions WHERE id = ?", (session_id,)).fetchone()
    if not row or not row[0]:
        raise InputError(f"session {session_id} has no stored video")
    if store.vault.key is None:
        raise InputError(f"the video of session {session_id} is encrypted: set ${PASSPHRASE_ENV}")
    path = store.path.parent / row[0]
    out = Path(out)
    try:
        with open(path, "rb") as fin, open(out, "wb") as fout:
            if fin.read(len(MAGIC)) != MAGIC:
                raise InputError(f"{path} is not a cervicam encrypted video")
            index = 0
            while True:
                head = fin.read(4)
                if len(head) < 4:
                    raise InputError(f"{path} is truncated (chunk {index} missing)")
                blob = fin.read(struct.unpack(">I", head)[0])
                last = fin.peek(1)[:1] == b"" if hasattr(fin, "peek") else False
                fout.write(decrypt(store.vault.key, blob, _aad(session.uid, index, last)))
                if last:
                    break
                index += 1
    except OSError as exc:
        out.unlink(missing_ok=True)
        raise CervicamError(f"cannot read the video of session {session_id}: {exc.strerror or exc}") from None
    except InputError:
        out.unlink(missing_ok=True)  # no half-decrypted video left behind
        raise
    patient = store.get_patient(session.patient_id)
    audit.record(store.conn, audit.VIEW_VIDEO, patient.pseudonym, session_id, f"decrypted to {out.name}")
    return out
