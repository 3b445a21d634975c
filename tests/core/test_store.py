"""Session store: patients, sessions, samples through the writer, results, migrations, transfer."""

from __future__ import annotations

import gzip
import json
import sqlite3

import pytest

from app.core.protocol import Protocol, ProtocolConfig
from app.errors import CervicamError, InputError
from app.store import CLOSED, RECORDING, Store, open_store, resolve_data_dir
from app.store.schema import SCHEMA_VERSION
from app.store.transfer import export_patient, import_patient
from tests.core.angle_streams import repetition, rest, samples_from_angles


def record_session(store: Store, patient_id: int, peaks: dict[str, float], started_at: str | None = None):
    import numpy as np

    angles = np.concatenate([rest(0.5)] + [repetition(m, p) for m, p in peaks.items()])
    samples = samples_from_angles(angles)
    config = ProtocolConfig(motions=tuple(peaks), warmups=0, trials=1)
    session = store.start_session(patient_id, engine="landmarks", protocol={"trials": 1}, started_at=started_at)
    proto = Protocol(config)
    writer = store.open_writer(session.id, flush_interval_s=0.1)
    for e in proto.calibration_done(0.0):
        writer.add_event(e)
    for s in samples:
        writer.add_sample(s)
        for e in proto.feed(s):
            writer.add_event(e)
    writer.close()
    store.save_trials(session.id, proto.trials)
    store.close_session(session.id)
    return session, samples, proto


def test_data_dir_resolution(tmp_path, monkeypatch):
    monkeypatch.setenv("CERVICAM_DATA", str(tmp_path / "env"))
    assert resolve_data_dir() == tmp_path / "env"
    assert resolve_data_dir(tmp_path / "cli") == tmp_path / "cli"  # --data-dir wins
    monkeypatch.delenv("CERVICAM_DATA")
    assert "cervicam" in str(resolve_data_dir())


def test_patients_sessions_samples_results_roundtrip(tmp_path):
    with open_store(tmp_path) as store:
        patient = store.create_patient(birth_year=1970, sex="F")
        assert patient.pseudonym.startswith("P-") and len(patient.pseudonym) == 8
        assert store.get_patient(patient.pseudonym) == patient
        session, samples, proto = record_session(store, patient.id, {"rotation_left": 70.0, "flexion": 45.0})
        store.set_pain(session.id, "flexion", 6)

    # Re-open the file: everything is read back from disk.
    with open_store(tmp_path) as store:
        assert store.conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
        assert store.conn.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION
        s = store.get_session(session.id)
        assert s.status == CLOSED and s.ended_at and s.pain == {"flexion": 6}
        back = store.samples(session.id)
        assert len(back) == len(samples)
        assert back[100] == samples[100]
        kinds = [e.kind for e in store.events(session.id)]
        assert kinds.count("trial_end") == 2 and kinds[0] == "calibrated"
        recorded = store.recorded(session.id)
        assert recorded["rotation_left"] == pytest.approx(70.0, abs=0.05)
        assert recorded["flexion"] == pytest.approx(45.0, abs=0.05)
        assert recorded["extension"] is None
        assert store.trials(session.id) == [t for t in proto.trials]
        assert [p.pseudonym for p in store.list_patients()] == [patient.pseudonym]


def test_unknown_ids_and_bad_values_are_clear_errors(tmp_path):
    with open_store(tmp_path) as store:
        with pytest.raises(InputError, match="no session 42"):
            store.get_session(42)
        with pytest.raises(InputError, match="no patient"):
            store.get_patient("P-NOPE00")
        p = store.create_patient()
        with pytest.raises(InputError, match="already exists"):
            store.create_patient(pseudonym=p.pseudonym)
        s = store.start_session(p.id)
        with pytest.raises(InputError):
            store.set_pain(s.id, "flexion", 11)


def test_interrupted_session_is_found_and_can_be_resumed(tmp_path):
    with open_store(tmp_path) as store:
        p = store.create_patient()
        s = store.start_session(p.id)
        w = store.open_writer(s.id, flush_interval_s=0.05)
        for sample in samples_from_angles(rest(1.0)):
            w.add_sample(sample)
        w.close()
        # no close_session: the app "crashed"
    with open_store(tmp_path) as store:
        (found,) = store.interrupted_sessions()
        assert found.id == s.id and found.status == RECORDING
        assert store.resume_session(s.id) == pytest.approx(29 / 30)
        store.close_session(s.id, status="interrupted")
        assert store.interrupted_sessions() == []
        assert store.get_session(s.id).status == "interrupted"


def test_newer_database_is_refused_untouched(tmp_path):
    db = tmp_path / "cervicam.sqlite3"
    conn = sqlite3.connect(db)
    conn.execute("PRAGMA user_version = 99")
    conn.execute("CREATE TABLE future (x)")
    conn.commit()
    conn.close()
    before = db.read_bytes()
    with pytest.raises(InputError, match="newer"):
        open_store(tmp_path)
    assert db.read_bytes() == before


def test_corrupt_database_is_one_clear_error(tmp_path):
    (tmp_path / "cervicam.sqlite3").write_bytes(b"this is not sqlite" * 100)
    with pytest.raises(InputError, match="not a readable cervicam database"):
        open_store(tmp_path)


def test_migration_from_empty_v0_creates_schema(tmp_path):
    db = tmp_path / "cervicam.sqlite3"
    sqlite3.connect(db).close()
    with Store(db) as store:
        tables = {r[0] for r in store.conn.execute("SELECT name FROM sqlite_master WHERE type='table'")}
    assert {"patients", "sessions", "samples", "events", "results", "motion_results"} <= tables


def test_writer_error_is_reported_not_swallowed(tmp_path):
    with open_store(tmp_path) as store:
        p = store.create_patient()
        s = store.start_session(p.id)
        w = store.open_writer(s.id, flush_interval_s=0.05)
        store.conn.execute("DROP TABLE samples")  # make every write fail
        store.conn.commit()
        w.add_sample(samples_from_angles(rest(0.1))[0])
        with pytest.raises(CervicamError, match="could not save samples"):
            w.close()


def test_export_import_between_machines(tmp_path):
    with open_store(tmp_path / "a") as a:
        patient = a.create_patient(name="Jane Doe", birth_year=1960)
        s1, samples, _ = record_session(a, patient.id, {"rotation_right": 60.0}, started_at="2026-01-01T10:00:00+00:00")
        s2, _, _ = record_session(a, patient.id, {"rotation_right": 66.0}, started_at="2026-02-01T10:00:00+00:00")
        assert export_patient(a, patient.pseudonym, tmp_path / "p.cervicam") == 2
    with open_store(tmp_path / "b") as b:
        summary = import_patient(b, tmp_path / "p.cervicam")
        assert (summary.sessions_added, summary.sessions_skipped) == (2, 0)
        assert summary.patient.pseudonym == patient.pseudonym and summary.patient.name == "Jane Doe"
        sessions = b.sessions(summary.patient.id)
        assert [round(b.recorded(s.id)["rotation_right"]) for s in sessions] == [60, 66]
        assert b.samples(sessions[0].id) == samples
        again = import_patient(b, tmp_path / "p.cervicam")  # idempotent
        assert (again.sessions_added, again.sessions_skipped) == (0, 2)
        assert len(b.sessions()) == 2


def test_pseudonymous_export_drops_identity(tmp_path):
    with open_store(tmp_path) as store:
        p = store.create_patient(name="John Roe", birth_year=1950, age_band="70-79")
        export_patient(store, p.id, tmp_path / "anon.cervicam", include_identity=False)
    doc = json.loads(gzip.decompress((tmp_path / "anon.cervicam").read_bytes()))
    assert doc["patient"]["name"] is None and doc["patient"]["birth_year"] is None
    assert doc["patient"]["age_band"] == "70-79"


@pytest.mark.parametrize(
    "content, message",
    [
        (b"\x1f\x8b\x08\x00garbage", "corrupt or truncated"),
        (json.dumps({"format": "something-else"}).encode(), "not a cervicam patient export"),
        (json.dumps({"format": "cervicam-patient", "schema_version": 999}).encode(), "newer cervicam"),
        (json.dumps({"format": "cervicam-patient", "schema_version": 1, "patient": {}}).encode(), "missing"),
    ],
)
def test_bad_import_files_change_nothing(tmp_path, content, message):
    with open_store(tmp_path) as store:
        p = store.create_patient()
        store.start_session(p.id)
        bad = tmp_path / "bad.cervicam"
        bad.write_bytes(content)
        with pytest.raises(InputError, match=message):
            import_patient(store, bad)
        assert len(store.list_patients()) == 1 and len(store.sessions()) == 1


def test_import_failing_midway_rolls_back(tmp_path):
    with open_store(tmp_path / "a") as a:
        p = a.create_patient()
        record_session(a, p.id, {"flexion": 40.0})
        export_patient(a, p.pseudonym, tmp_path / "p.cervicam")
    doc = json.loads(gzip.decompress((tmp_path / "p.cervicam").read_bytes()))
    doc["sessions"][0]["samples"][50] = [1, 2]  # wrong number of columns, deep in the file
    (tmp_path / "broken.cervicam").write_bytes(gzip.compress(json.dumps(doc).encode()))
    with open_store(tmp_path / "b") as b:
        with pytest.raises(InputError, match="nothing was changed"):
            import_patient(b, tmp_path / "broken.cervicam")
        assert b.list_patients() == [] and b.sessions() == []
        assert b.conn.execute("SELECT COUNT(*) FROM samples").fetchone()[0] == 0


def test_full_disk_is_one_clear_error_and_nothing_half_written(tmp_path):
    with open_store(tmp_path) as store:
        p = store.create_patient()
        pages = store.conn.execute("PRAGMA page_count").fetchone()[0]
        store.conn.execute(f"PRAGMA max_page_count = {pages}")  # the disk is now "full"
        with pytest.raises(CervicamError, match="full"):
            store.start_session(p.id, notes="x" * 200_000)
        assert store.sessions() == []
