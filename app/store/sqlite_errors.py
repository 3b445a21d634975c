"""What an SQLite error means for the user: the disk is full, the folder is read-only, the file is
not a database, or something else. The one classification the store, the sample writer and the
import use, each wording its own message.

By SQLite's result code (``sqlite3.Error.sqlite_errorcode``, extended codes reduced to their
primary code), not by the message text. Only an error that carries no code (raised by Python's
sqlite3 layer itself, or constructed by hand) is judged by SQLite's standard message.
"""

from __future__ import annotations

import sqlite3
from enum import Enum


class SqliteFailure(Enum):
    DISK_FULL = "disk full"
    READ_ONLY = "read-only"
    NOT_A_DATABASE = "not a database"  # not SQLite at all, or damaged
    OTHER = "other"


_BY_PRIMARY_CODE = {
    sqlite3.SQLITE_FULL: SqliteFailure.DISK_FULL,
    sqlite3.SQLITE_READONLY: SqliteFailure.READ_ONLY,
    sqlite3.SQLITE_NOTADB: SqliteFailure.NOT_A_DATABASE,
    sqlite3.SQLITE_CORRUPT: SqliteFailure.NOT_A_DATABASE,
}
# SQLite's messages for those codes (sqlite3ErrStr), for errors without a code.
_BY_MESSAGE = (
    ("database or disk is full", SqliteFailure.DISK_FULL),
    ("readonly database", SqliteFailure.READ_ONLY),
    ("file is not a database", SqliteFailure.NOT_A_DATABASE),
    ("database disk image is malformed", SqliteFailure.NOT_A_DATABASE),
)


def classify(exc: BaseException) -> SqliteFailure:
    code = getattr(exc, "sqlite_errorcode", None)
    if code is not None:
        return _BY_PRIMARY_CODE.get(code & 0xFF, SqliteFailure.OTHER)
    text = str(exc)
    return next((failure for message, failure in _BY_MESSAGE if message in text), SqliteFailure.OTHER)
