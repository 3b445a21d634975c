"""The window tells the clinician when samples cannot reach the disk, and nothing is lost."""

from __future__ import annotations

import app.ui  # noqa: F401  (before PySide6 widgets)
from app.store.resilient_writer import ResilientSampleWriter
from tests.ui.fakes import TruthPipeline
from tests.ui.helpers import build_window, offline_spec, run_to_end, wait_for


def test_full_disk_banner_then_all_samples_saved(qtbot, tmp_path, demo_video, demo_truth, monkeypatch):
    from app.store import open_store

    monkeypatch.setenv("CERVICAM_BACKUPS", "0")
    store = open_store(tmp_path / "data")
    full = {"on": True}
    real = ResilientSampleWriter._connect

    def connect(writer):
        conn = real(writer)
        if full["on"]:  # the database may not grow: SQLITE_FULL, as on a full disk
            conn.execute(f"PRAGMA max_page_count = {conn.execute('PRAGMA page_count').fetchone()[0]}")
        return conn

    monkeypatch.setattr(ResilientSampleWriter, "_connect", connect)
    controller, window = build_window(TruthPipeline(demo_truth), offline_spec(demo_video), store=store, calibration_s=0.5)
    qtbot.addWidget(window)
    window.show()
    controller.new_patient()
    controller.start_test(trials=1, warmups=0)
    sid = controller.session.recording.session_id
    controller.start()
    assert wait_for(lambda: window.banner.kind == "disk", 60), "no warning shown"
    assert "Not saving to disk" in window.banner.text.text() and "full" in window.banner.text.text()
    full["on"] = False  # space is back
    run_to_end(controller)
    writer = controller.session.recording.writer
    assert wait_for(lambda: writer.pending == 0 and writer.warning is None, 20)
    assert wait_for(lambda: window.banner.kind != "disk", 5)  # the warning goes away (the video has ended meanwhile)
    assert controller.save_session() == sid
    stored = [s.frame_index for s in store.samples(sid)]
    assert len(stored) > 600 and stored == sorted(stored)
    assert stored == list(range(stored[0], stored[0] + len(stored)))  # no gap: nothing lost
    window.close()
    store.close()


def test_store_problem_reaches_the_window_as_a_sentence(tmp_path, monkeypatch):
    from app.store import open_store
    from app.ui.services import open_store_with_reason

    monkeypatch.setenv("CERVICAM_BACKUPS", "0")
    monkeypatch.setenv("CERVICAM_PASSPHRASE", "right")
    open_store(tmp_path).close()
    monkeypatch.delenv("CERVICAM_PASSPHRASE")
    store, problem = open_store_with_reason(tmp_path, passphrase="wrong")
    assert store is None and "wrong passphrase" in problem
    store, problem = open_store_with_reason(tmp_path, passphrase="right")
    assert problem is None and store.vault.unlocked
    store.close()


def test_closing_the_window_on_a_full_disk_rescues_the_samples(qtbot, tmp_path, demo_video, demo_truth, monkeypatch):
    from pathlib import Path

    from app.store import open_store
    from app.store.resilient_writer import load_pending

    monkeypatch.setenv("CERVICAM_BACKUPS", "0")
    home = tmp_path / "home"
    home.mkdir()
    monkeypatch.setattr(Path, "home", classmethod(lambda cls: home))
    full = {"on": True}
    real = ResilientSampleWriter._connect

    def connect(writer):
        conn = real(writer)
        if full["on"]:
            conn.execute(f"PRAGMA max_page_count = {conn.execute('PRAGMA page_count').fetchone()[0]}")
        return conn

    monkeypatch.setattr(ResilientSampleWriter, "_connect", connect)
    store = open_store(tmp_path / "data")
    controller, window = build_window(TruthPipeline(demo_truth), offline_spec(demo_video), store=store, calibration_s=0.5)
    qtbot.addWidget(window)
    window.show()
    controller.new_patient()
    controller.calibrate()  # measuring starts the recorded session (choosing the patient does not)
    sid = controller.session.recording.session_id
    controller.start()
    assert wait_for(lambda: window.banner.kind == "disk", 60)
    assert controller.save_session() is None  # "Session not saved yet: ...", session kept
    assert controller.session.recording is not None
    window.close()  # the clinician gives up: the samples go to the home folder
    (rescued,) = home.glob("cervicam-unsaved-session-*.cervicam-samples")
    full["on"] = False
    n = load_pending(store, rescued)
    assert n > 30 and store.sample_count(sid) + len(store.events(sid)) == n  # all were waiting in memory
    frames = [s.frame_index for s in store.samples(sid)]
    assert frames == list(range(frames[0], frames[0] + len(frames)))  # nothing lost
    store.close()


def test_passphrase_prompt_unlocks_names_or_keeps_pseudonyms(qtbot, tmp_path, monkeypatch):
    from app.store import open_store
    from app.ui import passphrase

    monkeypatch.setenv("CERVICAM_BACKUPS", "0")
    with open_store(tmp_path, passphrase="right") as store:
        pid = store.create_patient(name="Named Person").pseudonym
    monkeypatch.delenv("CERVICAM_PASSPHRASE", raising=False)
    answers = iter([("wrong", True), ("right", True)])
    with open_store(tmp_path) as store:
        assert store.get_patient(pid).name is None
        assert passphrase.unlock_identities(store, ask=lambda prompt: next(answers))
        assert store.get_patient(pid).name == "Named Person"
    with open_store(tmp_path) as store:  # Cancel: pseudonyms only, nothing refused
        assert not passphrase.unlock_identities(store, ask=lambda prompt: ("", False))
        assert store.get_patient(pid).name is None
    shown = []
    monkeypatch.setattr(passphrase.QMessageBox, "warning", lambda *a: shown.append(a[2]))
    with open_store(tmp_path) as store:
        assert not passphrase.unlock_identities(store, ask=lambda prompt: ("nope", True))
        assert shown and "Wrong passphrase" in shown[0]
