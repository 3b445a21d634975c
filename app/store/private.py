"""Files and folders only the user can read: the data folder (0700) and everything in it (0600).

Why explicit modes rather than trusting the umask: the usual umask (022) makes new files readable
by every user of the computer, and the database holds names, birth years and every measurement.
So every place that creates something in the data folder (database, its -wal/-shm, the lock,
backups, videos) or writes health data elsewhere (rescued samples, patient exports) goes through
these helpers, which set the mode after creating, whatever the umask. Existing files from an
older cervicam are tightened when the store opens.

SQLite creates the -wal and -shm files with the main database file's mode, so creating the
database file at 0600 before SQLite first opens it is what keeps them private too.
"""

from __future__ import annotations

import logging
import os
from pathlib import Path

log = logging.getLogger(__name__)

DIR_MODE = 0o700
FILE_MODE = 0o600
# The files SQLite keeps beside a database (WAL mode, and the rollback journal of a backup).
SQLITE_SIDE_SUFFIXES = ("-wal", "-shm", "-journal")


def _chmod(path: Path, mode: int) -> None:
    try:
        os.chmod(path, mode)
    except FileNotFoundError:
        pass
    except OSError as exc:  # a folder the user does not own (e.g. a shared mount): say so, go on
        log.warning("could not make %s private (mode %o): %s", path, mode, exc.strerror or exc)


def private_dir(path: str | os.PathLike[str]) -> Path:
    """Create ``path`` (and parents) if needed; the folder itself becomes 0700.

    Parents are not changed: they may be the user's home or a shared folder."""
    folder = Path(path)
    folder.mkdir(parents=True, exist_ok=True)
    _chmod(folder, DIR_MODE)
    return folder


def private_file(path: str | os.PathLike[str]) -> Path:
    """Create ``path`` empty if missing (else keep its content) and make it 0600.

    Writers then open the existing file ('wb' keeps its mode), so it is never readable by others
    even for a moment."""
    target = Path(path)
    if target.exists():  # not opened: it may be read-only, and only its mode needs changing
        tighten(target)
        return target
    fd = os.open(target, os.O_WRONLY | os.O_CREAT, FILE_MODE)
    try:
        os.fchmod(fd, FILE_MODE)  # exactly 0600, whatever bits the umask removed
    finally:
        os.close(fd)
    return target


def tighten(path: str | os.PathLike[str]) -> None:
    """Make an existing file 0600 (nothing if it does not exist)."""
    _chmod(Path(path), FILE_MODE)


def private_database(db_path: str | os.PathLike[str]) -> Path:
    """The data folder 0700, the database file created 0600 before SQLite opens it, and what an
    older version left readable made private (see ``tighten_data_folder``)."""
    db = Path(db_path)
    private_dir(db.parent)
    private_file(db)  # an empty file is a valid new SQLite database
    tighten_data_folder(db)
    return db


def tighten_data_folder(db_path: Path, subfolders: tuple[str, ...] = (), prefixes: tuple[str, ...] = ()) -> None:
    """Make cervicam's own files beside ``db_path`` private: every ``<database>*`` file (WAL,
    SHM, journal, lock, damaged copies kept by a restore), files named ``<prefix>*``, and the
    ``subfolders`` with their files. Only cervicam's names: a --data-dir may hold other files."""
    folder = db_path.parent
    for pattern in (db_path.name + "*", *(p + "*" for p in prefixes)):
        for path in folder.glob(pattern):
            if path.is_file():
                tighten(path)
    for name in subfolders:
        sub = folder / name
        if sub.is_dir():
            _chmod(sub, DIR_MODE)
            for path in sub.iterdir():
                if path.is_file():
                    tighten(path)
