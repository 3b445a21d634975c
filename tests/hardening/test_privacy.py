"""Privacy: pseudonymous by default, identities encrypted with a passphrase, consented encrypted
video only, append-only audit log, delete-patient removes every trace."""

from __future__ import annotations

import gzip
import json
import sqlite3
from pathlib import Path

import pytest

import main
from app.errors import InputError
from app.privacy.video import extract_video, set_recording_consent, store_video
from app.store import audit, open_store
from app.store.backup import list_backups
from app.store.transfer import export_patient, import_patient
from tests.hardening.helpers import sample

SECRET_NAME = "Zebulon Quagmire-Xanthopoulos"


def _raw(folder: Path) -> bytes:
    """Every byte cervicam keeps in a data folder (database, WAL, backups, videos)."""
    return b"".join(p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file() and not p.name.endswith(".lock"))


def _cli(capsys, *argv) -> tuple[int, str, str]:
    code = main.main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def _record(store, patient, n=60, notes=""):
    s = store.start_session(patient.id, notes=notes)
    w = store.open_writer(s.id, flush_interval_s=0.05)
    for i in range(n):
        w.add_sample(sample(i))
    w.close()
    store.close_session(s.id)
    return s


def test_pseudonymous_by_default_and_data_tables_carry_only_the_id(tmp_path, monkeypatch):
    monkeypatch.delenv("CERVICAM_PASSPHRASE", raising=False)
    with open_store(tmp_path) as store:
        p = store.create_patient()
        assert p.name is None and p.birth_year is None
        assert p.pseudonym.startswith("P-") and len(p.pseudonym) == 8
        _record(store, p)
        for table in ("sessions", "samples", "events", "results", "motion_results"):
            cols = {r[1] for r in store.conn.execute(f"PRAGMA table_info({table})")}
            assert not cols & {"name", "birth_year", "identity", "pseudonym"}, table
        from app.report import report_data_from_store

        data = report_data_from_store(store, 1)
        assert data.patient_label == p.pseudonym and not any(k == "Name" for k, _ in data.patient_details)


def test_names_encrypted_at_rest_with_a_passphrase(tmp_path, monkeypatch, capsys):
    data = tmp_path / "data"
    monkeypatch.delenv("CERVICAM_PASSPHRASE", raising=False)
    with open_store(data) as store:  # a clinic that first stored a name without a passphrase
        early = store.create_patient(name=SECRET_NAME, birth_year=1957)
        _record(store, early)
    assert SECRET_NAME.encode() in _raw(data)  # in clear: database and today's backup

    monkeypatch.setenv("CERVICAM_PASSPHRASE", "correct horse battery staple")
    with open_store(data) as store:  # setting the passphrase seals everything, backups included
        assert store.get_patient(early.pseudonym).name == SECRET_NAME
        later = store.create_patient(name="Ada Lovelace-Byron", birth_year=1915)
        row = store.conn.execute("SELECT name, birth_year, identity FROM patients WHERE id = ?", (later.id,)).fetchone()
        assert row[0] is None and row[1] is None and row[2][:3] == b"CV1"
    raw = _raw(data)
    assert SECRET_NAME.encode() not in raw and b"Ada Lovelace-Byron" not in raw
    assert list_backups(data / "cervicam.sqlite3")  # the backup is still there, sealed
    with open_store(data) as store:
        assert store.get_patient(later.pseudonym).birth_year == 1915

    monkeypatch.delenv("CERVICAM_PASSPHRASE")
    with open_store(data) as store:  # no passphrase: works, identities hidden, no new names
        assert store.get_patient(early.pseudonym).name is None
        assert len(store.sessions()) == 1
        with pytest.raises(InputError, match="encrypted: set \\$CERVICAM_PASSPHRASE"):
            store.create_patient(name="Someone")
        assert len(store.list_patients()) == 2

    monkeypatch.setenv("CERVICAM_PASSPHRASE", "wrong guess")
    with pytest.raises(InputError, match="wrong passphrase"):
        open_store(data)
    code, _, err = _cli(capsys, "patients", "--show-identity", "--data-dir", str(data))
    assert code == 2 and err.count("\n") == 1 and "wrong passphrase" in err and "Traceback" not in err


def test_import_into_an_encrypted_store_seals_the_name(tmp_path, monkeypatch):
    monkeypatch.delenv("CERVICAM_PASSPHRASE", raising=False)
    with open_store(tmp_path / "a") as a:
        p = a.create_patient(name=SECRET_NAME, birth_year=1960)
        _record(a, p)
        export_patient(a, p.pseudonym, tmp_path / "p.cervicam")
    doc = json.loads(gzip.decompress((tmp_path / "p.cervicam").read_bytes()))
    assert "name and/or birth year" in doc["contents"] and "no video" in doc["contents"]
    monkeypatch.setenv("CERVICAM_PASSPHRASE", "s3cret")
    with open_store(tmp_path / "b") as b:
        summary = import_patient(b, tmp_path / "p.cervicam")
        assert summary.patient.name == SECRET_NAME
    assert SECRET_NAME.encode() not in _raw(tmp_path / "b")


def test_audit_log_is_append_only_and_records_who_did_what(tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("CERVICAM_USER", "dr-house")
    d = str(tmp_path / "d")
    with open_store(d) as store:
        p = store.create_patient()
        s = _record(store, p)
    assert _cli(capsys, "report", str(s.id), "--pdf", str(tmp_path / "r.pdf"), "--data-dir", d)[0] == 0
    assert _cli(capsys, "export", p.pseudonym, str(tmp_path / "x.cervicam"), "--data-dir", d)[0] == 0
    with open_store(d) as store:
        got = [(e.actor, e.action, e.patient, e.session_id) for e in audit.entries(store.conn)]
        assert got == [
            ("dr-house", "view_session", p.pseudonym, s.id),
            ("dr-house", "export_report", p.pseudonym, s.id),
            ("dr-house", "export_patient", p.pseudonym, None),
        ]
        for sql in ("UPDATE audit_log SET actor = 'nobody'", "DELETE FROM audit_log", "DELETE FROM audit_log WHERE id = 1"):
            with pytest.raises(sqlite3.DatabaseError, match="append-only"):
                with store.conn:
                    store.conn.execute(sql)
        assert len(audit.entries(store.conn)) == 3
    code, out, _ = _cli(capsys, "audit", "--data-dir", d)
    assert code == 0 and out.count("dr-house") == 3 and "export_report" in out


def test_video_only_with_consent_and_passphrase_always_encrypted(tmp_path, monkeypatch):
    video = tmp_path / "clip.mp4"
    payload = b"FAKE-VIDEO-FRAME-" * 150_000  # 2.5 MB: several chunks
    video.write_bytes(payload)
    monkeypatch.delenv("CERVICAM_PASSPHRASE", raising=False)
    with open_store(tmp_path / "d") as store:
        s = store.start_session(store.create_patient().id)
        with pytest.raises(InputError, match="no recording consent"):
            store_video(store, s.id, video)
        set_recording_consent(store, s.id, True)
        with pytest.raises(InputError, match="needs a passphrase"):
            store_video(store, s.id, video)
    assert not (tmp_path / "d" / "videos").exists()
    monkeypatch.setenv("CERVICAM_PASSPHRASE", "pw")
    with open_store(tmp_path / "d") as store:
        stored = store_video(store, s.id, video)
        assert b"FAKE-VIDEO-FRAME" not in stored.read_bytes()
        assert oct(stored.stat().st_mode & 0o777) == "0o600"
        assert extract_video(store, s.id, tmp_path / "back.mp4").read_bytes() == payload
        blob = bytearray(stored.read_bytes())
        blob[len(blob) // 2] ^= 1  # one flipped bit
        stored.write_bytes(bytes(blob))
        with pytest.raises(InputError, match="wrong passphrase, or the encrypted data was altered"):
            extract_video(store, s.id, tmp_path / "tampered.mp4")
        assert not (tmp_path / "tampered.mp4").exists()


def test_delete_patient_removes_every_trace(tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("CERVICAM_PASSPHRASE", "pw")
    d = tmp_path / "d"
    marker = "MARKER-NOTES-OF-THE-DELETED-PATIENT"
    with open_store(d) as store:
        gone = store.create_patient(name=SECRET_NAME)
        kept = store.create_patient()
        s1 = _record(store, gone, n=300, notes=marker)
        _record(store, gone, n=30, notes=marker)
        k1 = _record(store, kept, n=40, notes="kept")
        set_recording_consent(store, s1.id, True)
        video = tmp_path / "v.mp4"
        video.write_bytes(b"video" * 1000)
        stored_video = store_video(store, s1.id, video)
        for b in list_backups(store.path):
            b.unlink()
        from app.store.backup import make_daily_backup

        make_daily_backup(store.conn, store.path)  # a backup holding the patient
    assert marker.encode() in _raw(d)

    code, _, err = _cli(capsys, "delete-patient", gone.pseudonym, "--data-dir", str(d))
    assert code == 2 and "--yes" in err  # asked to confirm; nothing deleted
    with open_store(d) as store:
        assert len(store.sessions()) == 3

    code, out, err = _cli(capsys, "delete-patient", gone.pseudonym, "--yes", "--data-dir", str(d))
    assert code == 0, err
    assert "2 sessions, 330 samples, 1 videos; 1 backups cleaned" in out
    raw = _raw(d)
    assert marker.encode() not in raw  # not in the database, its WAL, free pages or backups
    assert not stored_video.exists()
    backup = sqlite3.connect(list_backups(d / "cervicam.sqlite3")[0])
    assert backup.execute("SELECT pseudonym FROM patients").fetchall() == [(kept.pseudonym,)]
    assert backup.execute("SELECT COUNT(*) FROM samples").fetchone()[0] == 40
    # Only the append-only audit log still names the pseudonym (who did what to it); it holds no
    # identity and no health data (PRIVACY.md).
    assert backup.execute("SELECT COUNT(*) FROM audit_log WHERE patient = ?", (gone.pseudonym,)).fetchone()[0] >= 1
    backup.close()
    with open_store(d) as store:
        assert [p.pseudonym for p in store.list_patients()] == [kept.pseudonym]
        assert [s.id for s in store.sessions()] == [k1.id] and store.sample_count(k1.id) == 40
        for table in ("samples", "events", "results", "motion_results"):
            orphans = store.conn.execute(
                f"SELECT COUNT(*) FROM {table} WHERE session_id NOT IN (SELECT id FROM sessions)"
            ).fetchone()[0]
            assert orphans == 0, table
        (entry,) = [e for e in audit.entries(store.conn) if e.action == "delete_patient"]
        assert entry.patient == gone.pseudonym and entry.detail == "2 sessions, 330 samples"
    code, _, err = _cli(capsys, "delete-patient", gone.pseudonym, "--yes", "--data-dir", str(d))
    assert code == 2 and "no patient" in err
