"""One cervicam process per data folder: a lock file beside the database, with the holder's PID.

Why one instance rather than concurrent use: SQLite (WAL, busy timeout) would let two processes
write safely, but a second instance would see the first one's live session as 'recording' and
offer it as interrupted (resume/close) while it is still being recorded. So the process that
opens the store holds an exclusive lock on ``<database>.lock`` until it closes the store.

The lock is an OS file lock (``fcntl.flock`` on POSIX, ``msvcrt.locking`` on Windows), so the
kernel drops it when the holder dies, even by SIGKILL or power loss: a stale lock file is simply
re-locked and rewritten with the new PID (stale-lock recovery needs no guessing from PIDs).
The PID and start time written into the file are only there to tell the user who holds it.

Inside one process the lock is shared (reference counted): the GUI and a report built from the
same process may open the store twice.
"""

from __future__ import annotations

import logging
import os
import socket as _socket_module  # only gethostname(): no network access
import sys
import threading
from datetime import datetime, timezone
from pathlib import Path

from app.errors import CervicamError

log = logging.getLogger(__name__)

_held: dict[Path, "InstanceLock"] = {}
_held_guard = threading.Lock()


class DataFolderInUse(CervicamError):
    """Another cervicam process holds the data folder."""


def lock_path_for(db_path: Path) -> Path:
    return Path(db_path).with_name(Path(db_path).name + ".lock")


def _try_lock(fd: int) -> bool:
    if sys.platform == "win32":  # pragma: no cover - exercised on Windows only
        import msvcrt

        try:
            msvcrt.locking(fd, msvcrt.LK_NBLCK, 1)
            return True
        except OSError:
            return False
    import fcntl

    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        return True
    except OSError:
        return False


def _unlock(fd: int) -> None:
    if sys.platform == "win32":  # pragma: no cover
        import msvcrt

        try:
            os.lseek(fd, 0, os.SEEK_SET)
            msvcrt.locking(fd, msvcrt.LK_UNLCK, 1)
        except OSError:
            pass
        return
    import fcntl

    fcntl.flock(fd, fcntl.LOCK_UN)


def read_holder(lock_file: Path) -> str:
    """What the lock file says about its holder ('pid 123 on host since ...'), or ''."""
    try:
        return lock_file.read_text(encoding="utf-8").strip()
    except OSError:
        return ""


class InstanceLock:
    """An exclusive, reference-counted lock on one database's data folder."""

    def __init__(self, path: Path, fd: int) -> None:
        self.path = path
        self._fd = fd
        self._refs = 1

    @classmethod
    def acquire(cls, db_path: Path) -> "InstanceLock":
        path = lock_path_for(db_path).resolve()
        with _held_guard:
            held = _held.get(path)
            if held is not None:
                held._refs += 1
                return held
            try:
                fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o600)
                os.fchmod(fd, 0o600)  # private whatever the umask, also a lock file left by an older version
            except OSError as exc:
                raise CervicamError(f"cannot create the lock file {path}: {exc.strerror or exc}") from None
            if not _try_lock(fd):
                os.close(fd)
                holder = read_holder(path) or "another process"
                raise DataFolderInUse(
                    f"the data folder {path.parent} is in use by another cervicam ({holder}); "
                    "close it first, or use another --data-dir"
                )
            previous = read_holder(path)
            if previous:
                # The kernel released the old holder's lock: it exited without closing (crash).
                log.info("recovered a stale lock %s (%s)", path, previous)
            stamp = datetime.now(timezone.utc).replace(microsecond=0).isoformat()
            text = f"pid {os.getpid()} on {_socket_module.gethostname()} since {stamp}\n"
            try:
                os.ftruncate(fd, 0)
                os.lseek(fd, 0, os.SEEK_SET)
                os.write(fd, text.encode("utf-8"))
            except OSError:  # the holder's description is a courtesy; the lock is what counts
                log.warning("could not write the holder into %s", path)
            lock = cls(path, fd)
            _held[path] = lock
            return lock

    def release(self) -> None:
        with _held_guard:
            if self._fd < 0:
                return
            self._refs -= 1
            if self._refs > 0:
                return
            _held.pop(self.path, None)
            try:
                os.ftruncate(self._fd, 0)  # an empty file says: nobody holds it
            except OSError:
                pass
            _unlock(self._fd)
            os.close(self._fd)
            self._fd = -1

    @property
    def held(self) -> bool:
        return self._fd >= 0
