"""The data folder and every file a session creates in it are the user's only (0700 / 0600),
even with the usual umask 022 that makes new files readable by every user of the computer."""

from __future__ import annotations

import os
import stat
from pathlib import Path

import pytest

from app.privacy.video import set_recording_consent, store_video
from app.store import open_store
from app.store.backup import list_backups, restore_newest_good
from app.store.resilient_writer import rescue_pending
from app.store.transfer import export_patient
from tests.hardening.helpers import sample


@pytest.fixture
def umask_022():
    old = os.umask(0o022)
    try:
        yield
    finally:
        os.umask(old)


def _mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def _loose(folder: Path) -> list[str]:
    """Every path under (and including) ``folder`` whose mode is not 0700 (folders) / 0600 (files)."""
    bad = []
    for p in [folder, *sorted(folder.rglob("*"))]:
        want = 0o700 if p.is_dir() else 0o600
        if _mode(p) != want:
            bad.append(f"{p.relative_to(folder.parent)} {oct(_mode(p))}")
    return bad


def test_every_file_of_a_session_is_private_whatever_the_umask(tmp_path, monkeypatch, umask_022):
    monkeypatch.setenv("CERVICAM_PASSPHRASE", "correct horse battery staple")
    data = tmp_path / "data"
    video = tmp_path / "clip.mp4"
    video.write_bytes(b"not really a video, only bytes to encrypt" * 100)
    with open_store(data) as store:
        patient = store.create_patient(name="Ada Lovelace-Byron", birth_year=1955)
        session = store.start_session(patient.id)
        writer = store.open_writer(session.id, flush_interval_s=0.05)
        for i in range(40):
            writer.add_sample(sample(i))
        writer.close()
        # While the store is open: the database, its WAL and SHM and the lock all exist.
        names = {p.name for p in data.iterdir()}
        assert {"cervicam.sqlite3", "cervicam.sqlite3-wal", "cervicam.sqlite3-shm", "cervicam.sqlite3.lock"} <= names
        assert _loose(data) == []
        late = store.open_writer(session.id, flush_interval_s=60.0)  # nothing reaches the disk before the rescue
        late.add_sample(sample(41))
        rescued = rescue_pending(late, [data])
        late.close()
        set_recording_consent(store, session.id, True)
        stored = store_video(store, session.id, video)
        store.close_session(session.id)
        exported = export_patient(store, patient.pseudonym, tmp_path / "out.cervicam")
    assert rescued is not None and rescued.parent == data and stored.parent == data / "videos"
    assert list_backups(data / "cervicam.sqlite3") and exported == 1
    assert _loose(data) == []
    assert _mode(tmp_path / "out.cervicam") == 0o600  # an export carries the same health data


def test_a_folder_left_readable_by_an_older_version_is_tightened_on_open(tmp_path, monkeypatch, umask_022):
    monkeypatch.delenv("CERVICAM_PASSPHRASE", raising=False)
    data = tmp_path / "data"
    with open_store(data) as store:
        store.create_patient(name="Old Data")
    for p in [data, *data.rglob("*")]:
        os.chmod(p, 0o755 if p.is_dir() else 0o644)  # what cervicam used to leave
    with open_store(data):
        assert _loose(data) == []


def test_a_database_restored_from_a_backup_stays_private(tmp_path, monkeypatch, umask_022):
    monkeypatch.delenv("CERVICAM_PASSPHRASE", raising=False)
    data = tmp_path / "data"
    with open_store(data) as store:
        store.create_patient()
    db = data / "cervicam.sqlite3"
    db.write_bytes(b"garbage, not a database" * 100)
    os.chmod(db, 0o644)
    restore_newest_good(db)
    assert _loose(data) == []
