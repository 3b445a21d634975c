"""Power-loss style damage of the database file: found on open, the user told, the newest good
daily backup restored (the damaged file kept aside); backups rotate and keep N."""

from __future__ import annotations

import os
import sqlite3
from datetime import date, timedelta

import pytest

from app.errors import InputError
from app.store import open_store
from app.store.backup import list_backups, make_daily_backup
from tests.hardening.helpers import one_clear_line, run_main


def _damage(db, how: str) -> None:
    size = db.stat().st_size
    if how == "torn":  # pages half-written: junk over the middle of the file
        with open(db, "r+b") as f:
            f.seek(4096)
            f.write(os.urandom(min(3 * 4096, size - 4096)))
    elif how == "truncated":  # the tail never reached the disk
        with open(db, "r+b") as f:
            f.truncate(size // 2)
    else:  # the header sector lost
        with open(db, "r+b") as f:
            f.write(b"\0" * 100)


def _filled_store(path, patients: int):
    store = open_store(path)
    for _ in range(patients):
        p = store.create_patient(age_band="40-49")
        s = store.start_session(p.id, notes="n" * 3000)  # several pages per patient
        store.close_session(s.id)
    return store


@pytest.mark.parametrize("how", ["torn", "truncated", "header"])
def test_damaged_database_is_restored_from_the_newest_good_backup(tmp_path, how):
    data = tmp_path / "data"
    _filled_store(data, 3).close()  # the day's backup was taken before these patients existed ...
    with open_store(data) as store:  # ... so take it again now that it holds the 3 patients
        for b in list_backups(store.path):
            b.unlink()
        assert make_daily_backup(store.conn, store.path) is not None
        backed_up = [p.pseudonym for p in store.list_patients()]
        p = store.create_patient()  # recorded after the backup: lost with the damaged file
        for i in range(20):
            store.start_session(p.id, notes="x" * 4000)
    db = data / "cervicam.sqlite3"
    _damage(db, how)

    with open_store(data) as store:
        assert len(store.notices) == 1
        assert "damaged" in store.notices[0] and "restored from the backup of" in store.notices[0]
        assert [p.pseudonym for p in store.list_patients()] == backed_up
        assert store.conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    kept = list(data.glob("cervicam.sqlite3.damaged-*"))
    assert len([k for k in kept if not k.name.endswith(("-wal", "-shm"))]) == 1


def test_cli_says_so_in_one_line_and_exit_0(tmp_path):
    data = tmp_path / "data"
    store = _filled_store(data, 2)
    store.close()
    _damage(data / "cervicam.sqlite3", "torn")
    done = run_main("patients", "--data-dir", str(data))
    assert done.returncode == 0, done.stderr
    warn = [line for line in done.stderr.splitlines() if line.strip()]
    assert len(warn) == 1 and "restored from the backup" in warn[0] and "Traceback" not in done.stderr


def test_damaged_without_backup_is_refused_untouched(tmp_path, monkeypatch):
    monkeypatch.setenv("CERVICAM_BACKUPS", "0")
    data = tmp_path / "data"
    store = _filled_store(data, 2)
    store.close()
    db = data / "cervicam.sqlite3"
    _damage(db, "torn")
    before = db.read_bytes()
    with pytest.raises(InputError, match="not a readable cervicam database .* no usable backup"):
        open_store(data)
    assert db.read_bytes() == before
    done = run_main("sessions", "--interrupted", "--data-dir", str(data), env={"CERVICAM_BACKUPS": "0"})
    assert done.returncode == 2 and "no usable backup" in one_clear_line(done.stderr)
    assert db.read_bytes() == before


def test_a_damaged_backup_is_skipped_for_an_older_good_one(tmp_path):
    data = tmp_path / "data"
    store = _filled_store(data, 1)
    for b in list_backups(store.path):
        b.unlink()
    today = date.today()
    make_daily_backup(store.conn, store.path, today=today - timedelta(days=2))
    store.create_patient()
    make_daily_backup(store.conn, store.path, today=today - timedelta(days=1))
    store.close()
    newest = list_backups(data / "cervicam.sqlite3")[0]
    _damage(newest, "torn")
    _damage(data / "cervicam.sqlite3", "header")
    with open_store(data) as store:
        assert (today - timedelta(days=2)).isoformat() in store.notices[0]
        assert len(store.list_patients()) == 1


def test_one_backup_a_day_and_only_the_newest_n_kept(tmp_path):
    with open_store(tmp_path) as store:
        for b in list_backups(store.path):
            b.unlink()
        start = date(2026, 1, 1)
        for day in range(10):
            assert make_daily_backup(store.conn, store.path, keep=4, today=start + timedelta(days=day)) is not None
            assert make_daily_backup(store.conn, store.path, keep=4, today=start + timedelta(days=day)) is None
        names = [b.name for b in list_backups(store.path)]
    assert names == [f"cervicam-2026-01-{d:02d}.sqlite3" for d in (10, 9, 8, 7)]
    conn = sqlite3.connect(tmp_path / "backups" / names[0])
    assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    conn.close()
    assert oct((tmp_path / "backups").stat().st_mode & 0o777) == "0o700"
