"""Names and birth years of patients, sealed with a key derived from the clinic's passphrase.

Without a passphrase the optional identity columns are stored as given (pseudonymous IDs are the
default and need no name at all). Once a passphrase has been set for a database (``enable``),
names and birth years live only in ``patients.identity`` as AES-GCM blobs bound to the patient's
pseudonym, the plain columns are NULL, and the file is vacuumed so the old plain text does not
linger in free pages. Opening such a database with a wrong passphrase is refused with one
message; opening it with none still works, with identities hidden and adding names refused.
"""

from __future__ import annotations

import json
import logging
import os
import sqlite3
from pathlib import Path

from app.errors import InputError
from app.privacy.crypto import DecryptionError, decrypt, derive_key, encrypt, new_salt, SCRYPT_N

log = logging.getLogger(__name__)

PASSPHRASE_ENV = "CERVICAM_PASSPHRASE"
_VERIFIER = b"cervicam identity key check"


def passphrase_from_env() -> str | None:
    return os.environ.get(PASSPHRASE_ENV) or None


class IdentityVault:
    """The identity key of one open database (locked until ``unlock``/``enable``)."""

    def __init__(self, conn: sqlite3.Connection, db_path: Path) -> None:
        self.conn = conn
        self.db_path = Path(db_path)
        self.key: bytes | None = None

    # ----- state ----------------------------------------------------------------------------
    def _setting(self, name: str) -> bytes | None:
        row = self.conn.execute("SELECT value FROM privacy WHERE key = ?", (name,)).fetchone()
        return None if row is None else bytes(row[0])

    @property
    def enabled(self) -> bool:
        """Whether identities in this database are encrypted (a passphrase was set once)."""
        return self._setting("kdf") is not None

    @property
    def unlocked(self) -> bool:
        return self.key is not None

    # ----- passphrase -------------------------------------------------------------------------
    def unlock(self, passphrase: str) -> None:
        kdf = json.loads(self._setting("kdf") or b"{}")
        key = derive_key(passphrase, bytes.fromhex(kdf["salt"]), int(kdf.get("n", SCRYPT_N)))
        try:
            decrypt(key, self._setting("verifier") or b"", b"verifier")
        except DecryptionError:
            raise InputError(
                f"wrong passphrase for the encrypted patient identities in {self.db_path} "
                f"(check ${PASSPHRASE_ENV} or the passphrase typed)"
            ) from None
        self.key = key

    def open_with(self, passphrase: str | None) -> None:
        """Unlock with ``passphrase``; on a database without one yet, set it (encrypt names)."""
        if not passphrase:
            return
        if self.enabled:
            self.unlock(passphrase)
        else:
            self.enable(passphrase)

    def enable(self, passphrase: str) -> int:
        """Set the passphrase and encrypt every stored identity; returns patients sealed."""
        if self.enabled:
            raise InputError(f"identities in {self.db_path} are already encrypted")
        salt = new_salt()
        key = derive_key(passphrase, salt)
        self._settings = {
            "kdf": json.dumps({"salt": salt.hex(), "n": SCRYPT_N, "kdf": "scrypt", "cipher": "AES-256-GCM"}).encode(),
            "verifier": encrypt(key, _VERIFIER, b"verifier"),
        }
        self.key = key
        with self.conn:
            sealed = self.seal_plaintext(self.conn)
        # The plain names were in pages now free: overwrite them.
        self.conn.execute("PRAGMA secure_delete=ON")
        self.conn.execute("VACUUM")
        self.conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        log.info("patient identities encrypted in %s (%d patients)", self.db_path, sealed)
        return sealed

    def seal_plaintext(self, conn: sqlite3.Connection) -> int:
        """In ``conn`` (this database, or one of its backups): store the key settings and seal every
        plain identity. The caller commits (and vacuums)."""
        assert self.key is not None
        settings = getattr(self, "_settings", None) or {k: self._setting(k) for k in ("kdf", "verifier")}
        for name, value in settings.items():
            conn.execute("INSERT OR REPLACE INTO privacy (key, value) VALUES (?, ?)", (name, value))
        rows = conn.execute(
            "SELECT id, pseudonym, name, birth_year FROM patients WHERE name IS NOT NULL OR birth_year IS NOT NULL"
        ).fetchall()
        for pid, pseudonym, name, birth_year in rows:
            conn.execute(
                "UPDATE patients SET name = NULL, birth_year = NULL, identity = ? WHERE id = ?",
                (_seal(self.key, pseudonym, name, birth_year), pid),
            )
        return len(rows)

    # ----- values -----------------------------------------------------------------------------
    def columns_for(self, pseudonym: str, name: str | None, birth_year: int | None) -> tuple:
        """(name, birth_year, identity) as they must be stored for a new/imported patient."""
        if not self.enabled:
            return name, birth_year, None
        if name is None and birth_year is None:
            return None, None, None
        if self.key is None:
            raise InputError(
                f"patient identities in {self.db_path} are encrypted: set ${PASSPHRASE_ENV} "
                "to store a name or birth year (or leave them out)"
            )
        return None, None, _seal(self.key, pseudonym, name, birth_year)

    def reveal(self, pseudonym: str, name: str | None, birth_year: int | None, identity: bytes | None) -> tuple:
        """(name, birth_year) to show: decrypted when sealed and unlocked, else hidden (None)."""
        if identity is None:
            return name, birth_year
        if self.key is None:
            return None, None
        data = json.loads(decrypt(self.key, bytes(identity), _aad(pseudonym)))
        return data.get("name"), data.get("birth_year")


def _aad(pseudonym: str) -> bytes:
    return f"patient:{pseudonym}".encode("utf-8")


def _seal(key: bytes, pseudonym: str, name: str | None, birth_year: int | None) -> bytes:
    return encrypt(key, json.dumps({"name": name, "birth_year": birth_year}).encode("utf-8"), _aad(pseudonym))
