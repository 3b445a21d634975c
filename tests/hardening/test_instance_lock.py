"""One cervicam process per data folder: a second one is refused with one line naming the holder;
a holder that died (SIGKILL) leaves a stale lock that the next start takes over."""

from __future__ import annotations

import os
import signal
import subprocess
import sys

import pytest

from app.store import open_store
from app.store.instance_lock import DataFolderInUse, lock_path_for
from tests.hardening.helpers import ROOT, one_clear_line, run_main

HOLDER = (
    "import sys, time\n"
    "sys.path.insert(0, sys.argv[2])\n"
    "from app.store import open_store\n"
    "s = open_store(sys.argv[1]); s.create_patient(pseudonym='P-HOLDER')\n"
    "print('OPEN', flush=True)\n"
    "time.sleep(60)\n"
)


@pytest.fixture
def holder(tmp_path):
    data = tmp_path / "data"
    proc = subprocess.Popen([sys.executable, "-c", HOLDER, str(data), str(ROOT)], stdout=subprocess.PIPE, text=True)
    assert proc.stdout.readline().strip() == "OPEN"
    yield data, proc
    if proc.poll() is None:
        proc.kill()
        proc.wait(10)


@pytest.mark.skipif(sys.platform == "win32", reason="POSIX signals")
def test_second_instance_refused_then_stale_lock_recovered(holder, monkeypatch):
    data, proc = holder
    monkeypatch.setenv("CERVICAM_BACKUPS", "0")
    with pytest.raises(DataFolderInUse, match=rf"in use by another cervicam \(pid {proc.pid} "):
        open_store(data)
    done = run_main("patients", "--data-dir", str(data))
    assert done.returncode == 2
    assert f"pid {proc.pid}" in one_clear_line(done.stderr)

    os.kill(proc.pid, signal.SIGKILL)  # the holder dies without closing anything
    proc.wait(10)
    assert f"pid {proc.pid}" in lock_path_for(data / "cervicam.sqlite3").read_text()  # stale
    with open_store(data) as store:
        assert [p.pseudonym for p in store.list_patients()] == ["P-HOLDER"]
        assert f"pid {os.getpid()}" in lock_path_for(store.path).read_text()
    assert lock_path_for(data / "cervicam.sqlite3").read_text() == ""  # released on close
    done = run_main("patients", "--data-dir", str(data))
    assert done.returncode == 0 and "P-HOLDER" in done.stdout


def test_same_process_may_open_twice_and_lock_is_released_last(tmp_path):
    a = open_store(tmp_path)
    b = open_store(tmp_path)
    lock = lock_path_for(a.path)
    b.close()
    assert f"pid {os.getpid()}" in lock.read_text()
    a.close()
    assert lock.read_text() == ""
