"""Opening the session database safely: lock, damage check, restore, passphrase, daily backup.

Order matters: the lock first (nobody else may restore or write meanwhile), then the damage check
on the closed file (a damaged file is moved aside, never written to), then the store, the
identity key, and last the day's backup (only of a database that just proved sound).
"""

from __future__ import annotations

import logging
import os
from pathlib import Path

from app.privacy.identity import passphrase_from_env
from app.privacy.video import VIDEO_DIR
from app.store.backup import BACKUP_DIR, DEFAULT_KEEP, check_database, make_daily_backup, restore_newest_good, scrub_backups
from app.store.instance_lock import InstanceLock
from app.store.private import private_dir, tighten_data_folder
from app.store.resilient_writer import UNSAVED_PREFIX
from app.store.store import Store

log = logging.getLogger(__name__)

KEEP_ENV = "CERVICAM_BACKUPS"  # number of daily backups kept (default 7; 0 disables backups)


def backups_to_keep() -> int:
    try:
        return max(0, int(os.environ.get(KEEP_ENV, DEFAULT_KEEP)))
    except ValueError:
        return DEFAULT_KEEP


def open_guarded(db_path: Path, passphrase: str | None = None, keep: int | None = None) -> Store:
    db_path = Path(db_path)
    try:
        private_dir(db_path.parent)
    except OSError as exc:
        from app.errors import CervicamError

        raise CervicamError(f"cannot create the data folder {db_path.parent}: {exc.strerror or exc}") from None
    lock = InstanceLock.acquire(db_path)
    try:
        # What an older cervicam (or a umask) left readable by others becomes the user's only.
        tighten_data_folder(db_path, subfolders=(BACKUP_DIR, VIDEO_DIR), prefixes=(UNSAVED_PREFIX,))
        notices: list[str] = []
        if db_path.exists() and db_path.stat().st_size > 0:
            problem = check_database(db_path)
            if problem is not None:
                restored = restore_newest_good(db_path)
                notices.append(restored.message)
        store = Store(db_path)
        try:
            was_sealed = store.vault.enabled
            store.vault.open_with(passphrase if passphrase is not None else passphrase_from_env())
            if store.vault.enabled and not was_sealed:
                # Identities were just encrypted: the backups still hold them in clear.
                scrub_backups(db_path, store.vault.seal_plaintext)
        except Exception:
            store.close()  # the lock is released once, below
            raise
        store.lock, store.notices = lock, notices
    except Exception:
        lock.release()
        raise
    keep = backups_to_keep() if keep is None else keep
    if keep > 0:
        make_daily_backup(store.conn, db_path, keep)
    return store
