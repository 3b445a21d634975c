"""Disk full / read-only data folder while recording: recording goes on in memory, the user is
warned, and every sample reaches the database once it can be written (or is saved elsewhere)."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from app.errors import CervicamError, InputError
from app.store import open_store
from app.store.resilient_writer import ResilientSampleWriter, load_pending
from tests.hardening.helpers import fill_disk, remount, sample, small_tmpfs, wait_until


@pytest.fixture(autouse=True)
def no_backups(monkeypatch):
    monkeypatch.setenv("CERVICAM_BACKUPS", "0")  # the tiny disk holds the database only


def _frames(store, sid) -> list[int]:
    return [s.frame_index for s in store.samples(sid)]


def _fast_writer(store):
    """A new patient's session and its writer, committing and retrying every 0.05 s."""
    s = store.start_session(store.create_patient().id)
    writer = store.open_writer(s.id, flush_interval_s=0.05)
    writer.retry_s = 0.05
    return s, writer


def _all_written(writer, n: int) -> bool:
    """Hand samples 0..n-1 over; whether the writer has committed them all within 10 s."""
    for i in range(n):
        writer.add_sample(sample(i))
    return wait_until(lambda: writer.samples_written == n)


def _feed_until_warned(writer, start: int, limit: int = 20_000) -> int:
    """Hand samples over (30 Hz pace is irrelevant here) until the writer warns; returns next index."""
    i = start
    while writer.warning is None and i < limit:
        for _ in range(200):
            writer.add_sample(sample(i))  # never raises: recording goes on
            i += 1
        wait_until(lambda: writer.warning is not None or writer.pending == 0, 2.0)
    assert writer.warning is not None, "the disk never filled up"
    return i


def test_disk_full_on_tmpfs_keeps_recording_and_writes_when_space_is_back(tmp_path):
    with small_tmpfs(tmp_path / "disk", "1m") as disk:
        if disk is None:
            pytest.skip("cannot mount a tmpfs here (not root); see the injected variant")
        store = open_store(disk / "data")
        s, writer = _fast_writer(store)
        assert _all_written(writer, 50)
        filler = fill_disk(disk)
        n = _feed_until_warned(writer, 50)
        assert "full" in writer.warning and "kept in memory" in writer.warning
        for i in range(n, n + 90):  # three more seconds of a session on a full disk
            writer.add_sample(sample(i))
        n += 90
        assert writer.pending > 0
        filler.unlink()  # the clinician frees space
        assert wait_until(lambda: writer.pending == 0 and writer.warning is None, 15)
        writer.close()
        assert writer.error is None
        assert _frames(store, s.id) == list(range(n))
        assert store.conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        store.close()


def test_read_only_data_folder_then_writable_again(tmp_path, monkeypatch):
    # A tmpfs cannot be remounted read-only while the database is open for writing, so the
    # writer's connections are opened read-only instead (what SQLite meets on a read-only mount).
    state = {"ro": False}
    real = ResilientSampleWriter._connect

    def connect(writer):
        if not state["ro"]:
            return real(writer)
        return sqlite3.connect(f"file:{writer.db_path}?mode=ro", uri=True, timeout=1.0)

    monkeypatch.setattr(ResilientSampleWriter, "_connect", connect)
    with open_store(tmp_path) as store:
        s, writer = _fast_writer(store)
        assert _all_written(writer, 30)
        state["ro"] = True
        # The open connection keeps working until it fails once; make it fail like a remount.
        monkeypatch.setattr(ResilientSampleWriter, "_flush", _failing_once(ResilientSampleWriter._flush))
        for i in range(30, 120):
            writer.add_sample(sample(i))
        assert wait_until(lambda: writer.warning is not None, 10)
        assert "read-only" in writer.warning and "kept in memory" in writer.warning
        assert writer.pending >= 1
        state["ro"] = False
        assert wait_until(lambda: writer.pending == 0 and writer.warning is None, 15)
        writer.close()
        assert _frames(store, s.id) == list(range(120))


def _failing_once(flush):
    """The writer's next flush starts from a fresh connection (as after an I/O error)."""
    done = {"reset": False}

    def wrapped(writer, conn):
        if not done["reset"] and conn is not None:
            done["reset"] = True
            conn.close()
            conn = None
        return flush(writer, conn)

    return wrapped


class _FullDisk:
    """Makes the writer's connections hit 'database or disk is full' while ``on``."""

    def __init__(self) -> None:
        self.on = False

    def install(self, monkeypatch) -> None:
        real = ResilientSampleWriter._connect

        def connect(writer):
            conn = real(writer)
            if self.on:  # the database may not grow by one page: SQLITE_FULL, as on a full disk
                pages = conn.execute("PRAGMA page_count").fetchone()[0]
                conn.execute(f"PRAGMA max_page_count = {pages}")
            return conn

        monkeypatch.setattr(ResilientSampleWriter, "_connect", connect)


def test_injected_full_disk_warns_then_recovers(tmp_path, monkeypatch):
    full = _FullDisk()
    full.install(monkeypatch)
    with open_store(tmp_path) as store:
        full.on = True
        s, writer = _fast_writer(store)
        n = _feed_until_warned(writer, 0)
        assert "full" in writer.warning
        full.on = False
        assert wait_until(lambda: writer.pending == 0 and writer.warning is None, 15)
        writer.close()
        assert _frames(store, s.id) == list(range(n))


def test_still_full_at_the_end_is_one_message_and_samples_can_be_saved_elsewhere(tmp_path, monkeypatch):
    full = _FullDisk()
    full.install(monkeypatch)
    with open_store(tmp_path / "data") as store:
        full.on = True
        s, writer = _fast_writer(store)
        n = _feed_until_warned(writer, 0)
        with pytest.raises(CervicamError, match=r"could not save samples .*full.*still in memory"):
            writer.close()
        assert store.get_session(s.id).status == "recording"  # offered as interrupted next start
        usb = tmp_path / "usb"
        usb.mkdir()
        assert writer.save_pending(usb / "pending.cervicam-samples") == n
        assert writer.pending == 0
        full.on = False
        store.close()
        import main

        assert main.main(["recover", str(usb / "pending.cervicam-samples"), "--data-dir", str(tmp_path / "data")]) == 0
        store = open_store(tmp_path / "data")
        assert _frames(store, s.id) == list(range(n))
        assert main.main(["recover", str(usb / "pending.cervicam-samples") + "x", "--data-dir", str(tmp_path / "data")]) == 2
        writer.close()  # nothing left: closes cleanly now
        assert writer.error is None
        bad = usb / "bad"
        bad.write_bytes(b"nonsense")
        with pytest.raises(InputError, match="not a cervicam pending-samples file"):
            load_pending(store, bad)
        assert store.sample_count(s.id) == n
        store.close()


def test_saving_a_live_session_on_a_full_disk_keeps_it_for_a_retry(tmp_path, monkeypatch):
    from app.core.live_session import LiveSession
    from app.core.types import FrameResult

    full = _FullDisk()
    full.install(monkeypatch)
    with open_store(tmp_path) as store:
        session = LiveSession()
        full.on = True
        sid = session.start_recording(store, store.create_patient())
        session.recording.writer.retry_s = 0.05
        for i in range(400):
            session.on_result(FrameResult(sample(i), None, None, None, calibrating=False, calibration_progress=1.0, calibrated=True))
        assert wait_until(lambda: session.recording.writer.warning is not None, 10)
        with pytest.raises(CervicamError, match="still in memory"):
            session.stop_recording()
        assert session.recording is not None  # kept: nothing dropped
        full.on = False  # the clinician freed space and saves again
        assert session.stop_recording() == sid
        assert _frames(store, sid) == list(range(400))
        assert store.get_session(sid).status == "closed"
